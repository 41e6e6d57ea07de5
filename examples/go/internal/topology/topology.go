// Package topology plays services of a topology file (examples/topologies/*.yaml, validated by
// schemas/topology.ts and handed over as JSON with its defaults filled in): one process serves
// any number of its services, each with OpenTelemetry SDK providers and a resource of its own,
// over one HTTP listener that routes by Host header, the way an ingress routes virtual hosts.
// Calls between services are real HTTP with W3C trace context (otelhttp on both sides), calls
// to databases are the CLIENT spans their drivers record, and messages between services go
// through real Kafka topics with the trace context in the record headers.
package topology

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"time"
)

// Topology is the JSON form of a topology file.
type Topology struct {
	Name        string              `json:"name"`
	Entrypoints []Entrypoint        `json:"entrypoints"`
	Databases   map[string]Database `json:"databases"`
	Services    map[string]Service  `json:"services"`
}

type Entrypoint struct {
	Service   string  `json:"service"`
	Operation string  `json:"operation"`
	Weight    float64 `json:"weight"`
}

type Database struct {
	System    string  `json:"system"`
	LatencyMs Latency `json:"latency_ms"`
}

// Latency is a log-normal distribution of own time per execution, given by median and p95 (ms).
type Latency struct {
	Median float64 `json:"median"`
	P95    float64 `json:"p95"`
}

// Sample draws one duration.
func (l Latency) Sample() time.Duration {
	if l.Median <= 0 {
		return 0
	}
	sigma := 0.0
	if l.P95 > l.Median {
		sigma = math.Log(l.P95/l.Median) / 1.6449
	}
	ms := l.Median * math.Exp(sigma*rand.NormFloat64())
	return time.Duration(ms * float64(time.Millisecond))
}

type Service struct {
	Language   string               `json:"language"`
	Version    string               `json:"version"`
	Operations map[string]Operation `json:"operations"`
	Consumers  map[string]Consumer  `json:"consumers"`
}

type Operation struct {
	LatencyMs Latency `json:"latency_ms"`
	Calls     []Step  `json:"calls"`
}

type Consumer struct {
	Operation string  `json:"operation"`
	LatencyMs Latency `json:"latency_ms"`
	Calls     []Step  `json:"calls"`
}

// Step is a call, or several calls made at once.
type Step struct {
	Call
	Parallel []Call `json:"parallel"`
}

// Calls of the step, one or several.
func (s Step) Calls() []Call {
	if len(s.Parallel) > 0 {
		return s.Parallel
	}
	return []Call{s.Call}
}

// Call is one of: a service operation, a database operation, a message published on a topic.
type Call struct {
	Service     string  `json:"service"`
	Operation   string  `json:"operation"`
	TimeoutMs   int     `json:"timeout_ms"`
	Retries     int     `json:"retries"`
	Probability float64 `json:"probability"`
	Database    string  `json:"database"`
	Publish     string  `json:"publish"`
}

// Target names what the call reaches: a service, a database or a topic.
func (c Call) Target() string {
	switch {
	case c.Service != "":
		return c.Service
	case c.Database != "":
		return c.Database
	}
	return c.Publish
}

// Load reads a topology JSON file.
func Load(path string) (*Topology, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var t Topology
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(t.Services) == 0 {
		return nil, fmt.Errorf("%s: no services", path)
	}
	return &t, nil
}
