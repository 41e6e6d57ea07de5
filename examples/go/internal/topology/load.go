package topology

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// LoadSummary is what the load generator prints.
type LoadSummary struct {
	Target       string         `json:"target"`
	RPS          float64        `json:"rps"`
	DurationS    float64        `json:"duration_s"`
	Sent         int            `json:"sent"`
	OK           int            `json:"ok"`
	Failed       int            `json:"failed"`
	Dropped      int            `json:"dropped"`
	ByStatus     map[string]int `json:"by_status"`
	ByEntrypoint map[string]int `json:"by_entrypoint"`
	LatencyMsP50 float64        `json:"latency_ms_p50"`
	LatencyMsP99 float64        `json:"latency_ms_p99"`
}

// Drive calls the topology's entrypoints, picked by weight, at a fixed rate (start + i/rps, so
// a slow request does not lower the rate), untraced like a user's browser.
func Drive(ctx context.Context, topo *Topology, target string, rps float64, duration, timeout time.Duration) LoadSummary {
	ctx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	total := 0.0
	for _, e := range topo.Entrypoints {
		total += e.Weight
	}
	pick := func() Entrypoint {
		x := rand.Float64() * total
		for _, e := range topo.Entrypoints {
			if x < e.Weight {
				return e
			}
			x -= e.Weight
		}
		return topo.Entrypoints[len(topo.Entrypoints)-1]
	}
	client := &http.Client{Timeout: timeout, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	s := LoadSummary{Target: target, RPS: rps, DurationS: duration.Seconds(), ByStatus: map[string]int{}, ByEntrypoint: map[string]int{}}
	var mu sync.Mutex
	var latencies []float64
	var wg sync.WaitGroup
	slots := make(chan struct{}, 512)
	interval := time.Duration(float64(time.Second) / rps)
	start := time.Now()
loop:
	for i := 0; ; i++ {
		wait := time.NewTimer(time.Until(start.Add(time.Duration(i) * interval)))
		select {
		case <-ctx.Done():
			wait.Stop()
			break loop
		case <-wait.C:
		}
		select {
		case slots <- struct{}{}:
		default:
			mu.Lock()
			s.Dropped++
			mu.Unlock()
			continue
		}
		entry := pick()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			began := time.Now()
			status := send(client, target, entry)
			elapsed := float64(time.Since(began).Microseconds()) / 1000
			mu.Lock()
			defer mu.Unlock()
			s.Sent++
			s.ByStatus[status]++
			s.ByEntrypoint[entry.Operation]++
			if status == "200" {
				s.OK++
			} else {
				s.Failed++
			}
			latencies = append(latencies, elapsed)
		}()
	}
	wg.Wait()
	sort.Float64s(latencies)
	if len(latencies) > 0 {
		s.LatencyMsP50 = latencies[int(0.5*float64(len(latencies)-1))]
		s.LatencyMsP99 = latencies[int(0.99*float64(len(latencies)-1))]
	}
	return s
}

func send(client *http.Client, target string, entry Entrypoint) string {
	method, path, _ := strings.Cut(entry.Operation, " ")
	req, err := http.NewRequest(method, target+path, nil)
	if err != nil {
		return "error"
	}
	req.Host = entry.Service
	resp, err := client.Do(req)
	if err != nil {
		return "error"
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return strconv.Itoa(resp.StatusCode)
}
