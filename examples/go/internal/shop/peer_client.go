package shop

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/braid/examples/internal/faults"
	"github.com/braid/examples/internal/peers"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// PeerClient calls one peer service over HTTP through otelhttp, so each call is a CLIENT
// span and carries the W3C traceparent header. Dependency faults reroute the call to the
// failure peers, so the error is the one net/http really returns.
type PeerClient struct {
	Name    string
	BaseURL string
	svc     *Service
	client  *http.Client
}

type latencyKey struct{}

// latencyTransport sleeps inside the CLIENT span for injected dependency latency.
type latencyTransport struct{ base http.RoundTripper }

func (t latencyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if d, ok := req.Context().Value(latencyKey{}).(time.Duration); ok && d > 0 {
		if err := sleep(req.Context(), d); err != nil {
			return nil, err
		}
	}
	return t.base.RoundTrip(req)
}

// NewPeerClient builds the client for peer name at its configured base URL.
func (s *Service) NewPeerClient(name string) *PeerClient {
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.TLSClientConfig = &tls.Config{RootCAs: s.Peers.ExpiredRoots}
	base.MaxIdleConnsPerHost = 64
	transport := otelhttp.NewTransport(latencyTransport{base},
		otelhttp.WithSpanOptions(trace.WithAttributes(attribute.String("peer.service", name))),
		// The client metrics name the peer too (server.address is a loopback address here),
		// so an edge's RED can be read from http.client.request.duration as well as from spans.
		otelhttp.WithMetricAttributesFn(func(*http.Request) []attribute.KeyValue {
			return []attribute.KeyValue{attribute.String("peer.service", name)}
		}),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + r.URL.Path }),
	)
	return &PeerClient{Name: name, BaseURL: s.Config.Peers[name], svc: s,
		client: &http.Client{Transport: transport, Timeout: s.Config.ClientTimeout}}
}

// PostJSON posts in to path and decodes a 2xx JSON reply into out. A transport error or a
// 5xx reply fails with 502 (504 for a timeout); what wraps it names the operation.
func (p *PeerClient) PostJSON(ctx context.Context, operation, path string, in, out any) error {
	inj := p.svc.Faults.Decide(p.Name)
	base := p.BaseURL
	switch inj.Kind {
	case faults.ConnectionRefused:
		base = "http://" + p.svc.Peers.ClosedAddr
	case faults.Timeout:
		base = "http://" + p.svc.Peers.BlackholeAddr
	case faults.TLSCertExpired:
		base = "https://" + p.svc.Peers.ExpiredTLSAddr
	case faults.HTTP5xx:
		base = "http://" + p.svc.Peers.UnavailableAddr
	case faults.ConnectionReset:
		base = "http://" + p.svc.Peers.ResetAddr
	case faults.DNS:
		base = "http://" + peers.UnresolvableHost(p.Name)
	}
	if inj.Latency > 0 {
		ctx = context.WithValue(ctx, latencyKey{}, inj.Latency)
	}
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		err = fmt.Errorf("%s: %w", operation, err)
		if StatusOf(err) == http.StatusGatewayTimeout {
			return &StatusError{Code: http.StatusGatewayTimeout, Err: err}
		}
		return &StatusError{Code: http.StatusBadGateway, Err: err}
	}
	defer resp.Body.Close()
	payload, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		// Like most services, report the peer's status, not its error text: the peer logs
		// and traces its own failure.
		code := http.StatusBadGateway
		if resp.StatusCode == http.StatusGatewayTimeout {
			code = http.StatusGatewayTimeout
		}
		return &StatusError{Code: code, Err: fmt.Errorf("%s: %s replied %s", operation, p.Name, resp.Status)}
	}
	if out != nil {
		if err := json.Unmarshal(payload, out); err != nil {
			return fmt.Errorf("%s: decode reply of %s: %w", operation, p.Name, err)
		}
	}
	return nil
}
