// Command loadgen drives the frontend at a fixed rate for a fixed time and prints a JSON
// summary on stdout. It is not instrumented: the frontend's server span is each trace's root.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"
)

type summary struct {
	Target       string         `json:"target"`
	RPS          float64        `json:"rps"`
	DurationS    float64        `json:"duration_s"`
	Sent         int            `json:"sent"`
	OK           int            `json:"ok"`
	Failed       int            `json:"failed"`
	Dropped      int            `json:"dropped"` // not sent: max in-flight reached
	ByStatus     map[string]int `json:"by_status"`
	LatencyMsP50 float64        `json:"latency_ms_p50"`
	LatencyMsP99 float64        `json:"latency_ms_p99"`
}

func main() {
	target := flag.String("target", "http://127.0.0.1:8080", "frontend base URL")
	rps := flag.Float64("rps", 10, "requests per second")
	duration := flag.Duration("duration", 30*time.Second, "how long to send")
	timeout := flag.Duration("timeout", 5*time.Second, "per-request timeout")
	maxInFlight := flag.Int("max-in-flight", 256, "requests outstanding at most; beyond, ticks are dropped")
	flag.Parse()
	if *rps <= 0 {
		fmt.Fprintln(os.Stderr, "loadgen: --rps must be > 0")
		os.Exit(2)
	}

	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	ctx, cancelRun := context.WithTimeout(ctx, *duration)
	defer cancelRun()

	client := &http.Client{Timeout: *timeout, Transport: &http.Transport{MaxIdleConnsPerHost: *maxInFlight}}
	s := summary{Target: *target, RPS: *rps, DurationS: duration.Seconds(), ByStatus: map[string]int{}}
	var mu sync.Mutex
	var latencies []float64
	var wg sync.WaitGroup
	slots := make(chan struct{}, *maxInFlight)
	// Requests go out on a fixed schedule (start + i/rps), so a slow tick does not lower the rate.
	interval := time.Duration(float64(time.Second) / *rps)
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
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			start := time.Now()
			status := send(client, *target)
			elapsed := float64(time.Since(start).Microseconds()) / 1000
			mu.Lock()
			defer mu.Unlock()
			s.Sent++
			s.ByStatus[status]++
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
	s.LatencyMsP50, s.LatencyMsP99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
	_ = json.NewEncoder(os.Stdout).Encode(s)
}

// send posts one order; the result is the status code, or "error" when none came back.
func send(client *http.Client, target string) string {
	user := rand.IntN(500)
	qty := 1 + rand.IntN(3)
	order := map[string]any{
		"user_id": "user-" + strconv.Itoa(user), "cart_id": fmt.Sprintf("cart-%d-%d", user, rand.IntN(1000)),
		"items":        []map[string]any{{"sku": fmt.Sprintf("sku-%03d", rand.IntN(200)), "qty": qty}},
		"amount_cents": 500 + rand.IntN(20000),
	}
	body, _ := json.Marshal(order)
	resp, err := client.Post(target+"/api/checkout", "application/json", bytes.NewReader(body))
	if err != nil {
		return "error"
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return strconv.Itoa(resp.StatusCode)
}

func percentile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(q*float64(len(sorted)-1))]
}
