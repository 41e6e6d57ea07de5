// Package faults holds the faults injected into one service: added latency and errors of a
// named kind, on the service's own handling or on one of its dependencies, active from a
// start offset for a duration. They are set by the --faults flag at start and through the
// admin endpoint (POST/GET/DELETE /admin/faults) while running. The JSON shape is the one
// of a fault in examples/scenarios/*.yaml (schemas/scenario.ts).
package faults

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
)

// Kind names an error kind; each service produces it with the real library error.
type Kind string

const (
	ConnectionRefused Kind = "connection_refused"
	Timeout           Kind = "timeout"
	Panic             Kind = "panic"
	NoRows            Kind = "no_rows"
	TLSCertExpired    Kind = "tls_cert_expired"
	PoolExhausted     Kind = "pool_exhausted"
	HTTP5xx           Kind = "http_5xx"
	ConnectionReset   Kind = "connection_reset"
	DNS               Kind = "dns"
)

var knownKinds = map[Kind]bool{ConnectionRefused: true, Timeout: true, Panic: true, NoRows: true, TLSCertExpired: true, PoolExhausted: true, HTTP5xx: true, ConnectionReset: true, DNS: true}

// Spec is one fault as written in a scenario or posted to /admin/faults.
type Spec struct {
	Service    string  `json:"service,omitempty"`
	Dependency string  `json:"dependency,omitempty"` // empty: the service's own request handling
	Kind       Kind    `json:"kind,omitempty"`       // empty: latency only
	Rate       float64 `json:"rate"`                 // share of requests affected, 0..1
	LatencyMs  int     `json:"latency_ms,omitempty"`
	StartS     float64 `json:"start_s,omitempty"`    // offset from when the fault is added
	DurationS  float64 `json:"duration_s,omitempty"` // 0: until cleared
}

// Active is a Spec placed on the wall clock.
type Active struct {
	Spec
	ID    int       `json:"id"`
	From  time.Time `json:"from"`
	Until time.Time `json:"until,omitzero"` // zero: until cleared
}

func (a Active) activeAt(now time.Time) bool {
	return !now.Before(a.From) && (a.Until.IsZero() || now.Before(a.Until))
}

// Injection is what to do to one request or dependency call.
type Injection struct {
	Latency time.Duration
	Kind    Kind // empty: no error
	FaultID int
}

// Registry holds the faults of one service.
type Registry struct {
	service string
	mu      sync.Mutex
	nextID  int
	faults  []Active
}

func NewRegistry(service string) *Registry { return &Registry{service: service} }

// Validate checks a spec against this service.
func (r *Registry) Validate(s Spec) error {
	if s.Service != "" && s.Service != r.service {
		return fmt.Errorf("fault is for service %q, this is %q", s.Service, r.service)
	}
	if s.Kind != "" && !knownKinds[s.Kind] {
		return fmt.Errorf("unknown fault kind %q", s.Kind)
	}
	if s.Rate < 0 || s.Rate > 1 {
		return fmt.Errorf("rate must be within 0..1, got %v", s.Rate)
	}
	if s.LatencyMs < 0 || s.StartS < 0 || s.DurationS < 0 {
		return fmt.Errorf("latency_ms, start_s and duration_s must not be negative")
	}
	if s.Kind == "" && s.LatencyMs == 0 {
		return fmt.Errorf("a fault needs a kind or latency_ms")
	}
	return nil
}

// Add places specs on the clock relative to now and returns them as stored.
func (r *Registry) Add(specs []Spec, now time.Time) ([]Active, error) {
	for _, s := range specs {
		if err := r.Validate(s); err != nil {
			return nil, err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	added := make([]Active, 0, len(specs))
	for _, s := range specs {
		r.nextID++
		a := Active{Spec: s, ID: r.nextID, From: now.Add(seconds(s.StartS))}
		if s.DurationS > 0 {
			a.Until = a.From.Add(seconds(s.DurationS))
		}
		r.faults = append(r.faults, a)
		added = append(added, a)
	}
	return added, nil
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// List returns the stored faults, expired ones included, for the admin endpoint.
func (r *Registry) List() []Active {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Active(nil), r.faults...)
}

// Clear removes every fault.
func (r *Registry) Clear() {
	r.mu.Lock()
	r.faults = nil
	r.mu.Unlock()
}

// Decide rolls the active faults for one request (dependency "") or one call to dependency.
// Each matching fault hits with probability Rate; latencies of hits add up and the first
// hit with a kind decides the error.
func (r *Registry) Decide(dependency string) Injection {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	var inj Injection
	for _, f := range r.faults {
		if f.Dependency != dependency || !f.activeAt(now) || rand.Float64() >= f.Rate {
			continue
		}
		inj.Latency += time.Duration(f.LatencyMs) * time.Millisecond
		if inj.Kind == "" && f.Kind != "" {
			inj.Kind, inj.FaultID = f.Kind, f.ID
		}
	}
	return inj
}

// ParseSpecs reads one spec object or an array of them (the --faults flag, the admin body;
// the admin body may also be {"faults": [...]}).
func ParseSpecs(data []byte) ([]Spec, error) {
	trimmed := strings.TrimSpace(string(data))
	if trimmed == "" {
		return nil, nil
	}
	dec := func(v any) error {
		d := json.NewDecoder(strings.NewReader(trimmed))
		d.DisallowUnknownFields()
		return d.Decode(v)
	}
	var specs []Spec
	switch trimmed[0] {
	case '[':
		if err := dec(&specs); err != nil {
			return nil, fmt.Errorf("faults: %w", err)
		}
	case '{':
		var wrapper struct {
			Faults []Spec `json:"faults"`
		}
		if strings.Contains(trimmed, `"faults"`) {
			if err := dec(&wrapper); err != nil {
				return nil, fmt.Errorf("faults: %w", err)
			}
			return fillRate(wrapper.Faults), nil
		}
		var one Spec
		if err := dec(&one); err != nil {
			return nil, fmt.Errorf("fault: %w", err)
		}
		specs = []Spec{one}
	default:
		return nil, fmt.Errorf("faults must be a JSON object or array")
	}
	return fillRate(specs), nil
}

// fillRate gives a spec without a rate (decoded as 0) the rate 1: a fault that hits no
// request is never what was meant.
func fillRate(specs []Spec) []Spec {
	for i := range specs {
		if specs[i].Rate <= 0 {
			specs[i].Rate = 1
		}
	}
	return specs
}
