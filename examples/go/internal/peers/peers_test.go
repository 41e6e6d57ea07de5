package peers

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"regexp"
	"testing"
	"time"
)

func TestFailurePeersProduceTheRealErrors(t *testing.T) {
	e, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()

	_, err = net.Dial("tcp", e.ClosedAddr)
	if err == nil || !regexp.MustCompile(`^dial tcp 127\.0\.0\.1:\d+: connect: connection refused$`).MatchString(err.Error()) {
		t.Fatalf("closed port: %v", err)
	}

	_, err = tls.Dial("tcp", e.ExpiredTLSAddr, &tls.Config{RootCAs: e.ExpiredRoots, ServerName: "127.0.0.1"})
	if err == nil || !regexp.MustCompile(`^tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time \S+ is after \S+$`).MatchString(err.Error()) {
		t.Fatalf("expired certificate: %v", err)
	}

	client := &http.Client{Timeout: 100 * time.Millisecond}
	_, err = client.Get("http://" + e.BlackholeAddr + "/")
	if err == nil || !regexp.MustCompile(`Client\.Timeout exceeded while awaiting headers`).MatchString(err.Error()) {
		t.Fatalf("blackhole: %v", err)
	}

	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://"+e.UnavailableAddr+"/", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("unavailable: %v %v", resp, err)
	}
	resp.Body.Close()

	_, err = http.Post("http://"+e.ResetAddr+"/charge", "application/json", nil)
	if err == nil || !regexp.MustCompile(`connection reset by peer|EOF`).MatchString(err.Error()) {
		t.Fatalf("reset: %v", err)
	}
}
