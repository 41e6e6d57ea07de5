package topology

import (
	"context"
	"crypto/tls"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/braid/examples/internal/faults"
	"github.com/braid/examples/internal/kafkaexport"
	"github.com/braid/examples/internal/logging"
	"github.com/braid/examples/internal/peers"
	"github.com/braid/examples/internal/shop"
	"github.com/braid/examples/internal/telemetry"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

const instrumentationName = "github.com/braid/examples/internal/topology"

var propagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

// Options of a player process.
type Options struct {
	Topology *Topology
	Services []string          // the services this process plays
	URLs     map[string]string // base URL of the process playing each service (this one's included)
	Kafka    kafkaexport.Config
	// Prefix of the Kafka topics between services (one run's topics stay apart from another's).
	MessageTopicPrefix string
	MetricsInterval    time.Duration
	LogLevel           slog.Level
	DBTimeout          time.Duration // a database call's budget inside its caller (pool waits, timeouts)
}

// Player serves the services of one process.
type Player struct {
	opts     Options
	producer *kafkaexport.Producer
	peers    *peers.Endpoints
	lines    io.Writer
	base     *http.Transport
	mu       sync.RWMutex
	services map[string]*played
	stop     context.CancelFunc
	done     sync.WaitGroup
}

// played is one service's state; restart replaces it whole.
type played struct {
	name     string
	spec     Service
	version  string
	tel      *telemetry.Telemetry
	tracer   trace.Tracer
	log      logging.Logger
	faults   *faults.Registry
	requests metric.Int64Counter
	duration metric.Float64Histogram
	handlers map[string]http.Handler
	clients  sync.Map // callee → *http.Client
}

// New starts the telemetry of every played service and their Kafka consumers.
func New(ctx context.Context, opts Options) (*Player, error) {
	if opts.MetricsInterval <= 0 {
		opts.MetricsInterval = 10 * time.Second
	}
	if opts.DBTimeout <= 0 {
		opts.DBTimeout = 300 * time.Millisecond
	}
	producer, err := kafkaexport.NewProducer(opts.Kafka)
	if err != nil {
		return nil, err
	}
	endpoints, err := peers.Start()
	if err != nil {
		return nil, fmt.Errorf("failure peers: %w", err)
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.TLSClientConfig = &tls.Config{RootCAs: endpoints.ExpiredRoots}
	base.MaxIdleConnsPerHost = 256
	runCtx, cancel := context.WithCancel(context.Background())
	p := &Player{opts: opts, producer: producer, peers: endpoints, lines: kafkaexport.NewLineWriter(producer), base: base, services: map[string]*played{}, stop: cancel}
	for _, name := range opts.Services {
		spec, ok := opts.Topology.Services[name]
		if !ok {
			return nil, fmt.Errorf("topology %s has no service %q", opts.Topology.Name, name)
		}
		svc, err := p.newPlayed(ctx, name, spec, spec.Version, nil)
		if err != nil {
			return nil, err
		}
		p.services[name] = svc
		for topic, consumer := range spec.Consumers {
			p.done.Add(1)
			go func() {
				defer p.done.Done()
				p.consume(runCtx, name, topic, consumer)
			}()
		}
	}
	return p, nil
}

func (p *Player) newPlayed(ctx context.Context, name string, spec Service, version string, specs []faults.Spec) (*played, error) {
	tel, err := telemetry.ForService(ctx, p.producer, telemetry.Options{
		ServiceName: name, ServiceVersion: version, Namespace: p.opts.Topology.Name, MetricsInterval: p.opts.MetricsInterval,
	})
	if err != nil {
		return nil, err
	}
	svc := &played{
		name: name, spec: spec, version: version, tel: tel,
		tracer: tel.TracerProvider.Tracer(instrumentationName),
		log:    logging.NewSlog(p.lines, p.opts.LogLevel, name),
		faults: faults.NewRegistry(name), handlers: map[string]http.Handler{},
	}
	if _, err := svc.faults.Add(specs, time.Now()); err != nil {
		return nil, err
	}
	meter := tel.MeterProvider.Meter(instrumentationName)
	if svc.requests, err = meter.Int64Counter("topology.requests", metric.WithUnit("{request}")); err != nil {
		return nil, err
	}
	if svc.duration, err = meter.Float64Histogram("topology.request.duration", metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)); err != nil {
		return nil, err
	}
	for opName, op := range spec.Operations {
		inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { p.serve(w, r, svc, opName, op) })
		svc.handlers[opName] = otelhttp.NewHandler(inner, opName,
			otelhttp.WithTracerProvider(tel.TracerProvider), otelhttp.WithMeterProvider(tel.MeterProvider), otelhttp.WithPropagators(propagator),
			otelhttp.WithSpanNameFormatter(func(string, *http.Request) string { return opName }))
	}
	return svc, nil
}

func (p *Player) service(name string) *played {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.services[name]
}

// Handler serves the played services (by Host) and the admin endpoints.
func (p *Player) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("/admin/faults", p.adminFaults)
	mux.HandleFunc("POST /admin/restart", p.adminRestart)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		svc := p.service(host)
		if svc == nil {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": fmt.Sprintf("no service %q here", host)})
			return
		}
		h, ok := svc.handlers[r.Method+" "+r.URL.Path]
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": fmt.Sprintf("%s has no operation %s %s", host, r.Method, r.URL.Path)})
			return
		}
		h.ServeHTTP(w, r)
	})
	return mux
}

// serve runs one operation under its SERVER span: own faults, own work, the calls in order.
func (p *Player) serve(w http.ResponseWriter, r *http.Request, svc *played, opName string, op Operation) {
	start := time.Now()
	ctx := r.Context()
	span := trace.SpanFromContext(ctx)
	route := opName[strings.IndexByte(opName, ' ')+1:]
	span.SetAttributes(attribute.String("http.route", route))
	status := http.StatusOK
	defer func() {
		set := metric.WithAttributes(attribute.String("http.route", route), attribute.Int("http.response.status_code", status))
		svc.requests.Add(ctx, 1, set)
		svc.duration.Record(ctx, time.Since(start).Seconds(), set)
	}()
	defer func() {
		recovered := recover()
		if recovered == nil {
			return
		}
		stack := fmt.Sprintf("panic: %v\n\n%s", recovered, debug.Stack())
		err, ok := recovered.(error)
		if !ok {
			err = fmt.Errorf("%v", recovered)
		}
		status = http.StatusInternalServerError
		shop.RecordError(span, err, attribute.String("exception.stacktrace", stack))
		svc.log.Error(ctx, "panic serving "+opName, err, stack)
		writeJSON(w, status, map[string]string{"error": "internal server error"})
	}()
	if err := p.execute(ctx, svc, op.LatencyMs, op.Calls); err != nil {
		status = shop.StatusOf(err)
		shop.RecordError(span, err)
		svc.log.Error(ctx, "request failed", err, "", "http.route", route, "http.response.status_code", status)
		writeJSON(w, status, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, status, map[string]string{"status": "ok"})
}

// execute applies the service's own faults, does its own work, then the steps in order.
func (p *Player) execute(ctx context.Context, svc *played, own Latency, steps []Step) error {
	inj := svc.faults.Decide("")
	if inj.Latency > 0 {
		if err := sleep(ctx, inj.Latency); err != nil {
			return err
		}
	}
	switch inj.Kind {
	case faults.Panic:
		indexOutOfRange(len(os.Args) + 2)
	case faults.Timeout:
		workCtx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		defer cancel()
		<-workCtx.Done()
		return &shop.StatusError{Code: http.StatusGatewayTimeout, Err: fmt.Errorf("compute result: %w", workCtx.Err())}
	case faults.HTTP5xx:
		return &shop.StatusError{Code: http.StatusServiceUnavailable, Err: errors.New("service unavailable: too many requests in flight, shedding load")}
	}
	if err := sleep(ctx, own.Sample()); err != nil {
		return err
	}
	for _, step := range steps {
		calls := step.Calls()
		if len(calls) == 1 {
			if err := p.call(ctx, svc, calls[0]); err != nil {
				return err
			}
			continue
		}
		errs := make([]error, len(calls))
		var wg sync.WaitGroup
		for i, c := range calls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = p.call(ctx, svc, c)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *Player) call(ctx context.Context, svc *played, c Call) error {
	if c.Probability > 0 && c.Probability < 1 && randFloat() >= c.Probability {
		return nil
	}
	switch {
	case c.Service != "":
		return p.callService(ctx, svc, c)
	case c.Database != "":
		return p.callDatabase(ctx, svc, c)
	default:
		return p.publish(ctx, svc, c.Publish)
	}
}

// callService calls another service's operation over HTTP, retrying failed attempts (transport
// errors and 5xx replies) with a short backoff; each attempt is a CLIENT span of its own.
func (p *Player) callService(ctx context.Context, svc *played, c Call) error {
	timeout := time.Duration(c.TimeoutMs) * time.Millisecond
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	var err error
	for attempt := 0; attempt <= c.Retries; attempt++ {
		if attempt > 0 {
			if sleep(ctx, time.Duration(20*attempt)*time.Millisecond) != nil {
				return err
			}
		}
		attemptCtx, cancel := context.WithTimeout(ctx, timeout)
		err = p.attempt(attemptCtx, svc, c)
		cancel()
		if err == nil || ctx.Err() != nil {
			return err
		}
		var se *shop.StatusError
		if errors.As(err, &se) && se.Code < 500 {
			return err
		}
	}
	return err
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

// client is the caller's HTTP client to one callee: otelhttp records the CLIENT span with the
// caller's tracer provider and peer.service naming the callee, and injects traceparent.
func (svc *played) client(callee string, base http.RoundTripper) *http.Client {
	if c, ok := svc.clients.Load(callee); ok {
		return c.(*http.Client)
	}
	transport := otelhttp.NewTransport(latencyTransport{base},
		otelhttp.WithTracerProvider(svc.tel.TracerProvider), otelhttp.WithMeterProvider(svc.tel.MeterProvider), otelhttp.WithPropagators(propagator),
		otelhttp.WithSpanOptions(trace.WithAttributes(attribute.String("peer.service", callee))),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + r.URL.Path }),
	)
	c, _ := svc.clients.LoadOrStore(callee, &http.Client{Transport: transport})
	return c.(*http.Client)
}

func (p *Player) attempt(ctx context.Context, svc *played, c Call) error {
	method, path, _ := strings.Cut(c.Operation, " ")
	inj := svc.faults.Decide(c.Service)
	base := p.opts.URLs[c.Service]
	host := c.Service
	switch inj.Kind {
	case faults.ConnectionRefused:
		base = "http://" + p.peers.ClosedAddr
	case faults.Timeout:
		base = "http://" + p.peers.BlackholeAddr
	case faults.TLSCertExpired:
		base = "https://" + p.peers.ExpiredTLSAddr
	case faults.HTTP5xx:
		base = "http://" + p.peers.UnavailableAddr
	case faults.ConnectionReset:
		base = "http://" + p.peers.ResetAddr
	case faults.DNS:
		host = peers.UnresolvableHost(c.Service)
		base = "http://" + host
	}
	if base == "" {
		return fmt.Errorf("no address for service %s", c.Service)
	}
	if inj.Latency > 0 {
		ctx = context.WithValue(ctx, latencyKey{}, inj.Latency)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, nil)
	if err != nil {
		return err
	}
	req.Host = host
	resp, err := svc.client(c.Service, p.base).Do(req)
	if err != nil {
		err = fmt.Errorf("call %s: %w", c.Service, err)
		if shop.StatusOf(err) == http.StatusGatewayTimeout {
			return &shop.StatusError{Code: http.StatusGatewayTimeout, Err: err}
		}
		return &shop.StatusError{Code: http.StatusBadGateway, Err: err}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		code := http.StatusBadGateway
		if resp.StatusCode == http.StatusGatewayTimeout {
			code = http.StatusGatewayTimeout
		} else if resp.StatusCode < 500 {
			code = resp.StatusCode
		}
		return &shop.StatusError{Code: code, Err: fmt.Errorf("call %s: %s replied %s", c.Service, c.Service, resp.Status)}
	}
	return nil
}

var defaultPorts = map[string]int{"mysql": 3306, "postgresql": 5432, "mongodb": 27017, "redis": 6379, "cassandra": 9042, "elasticsearch": 9200}

// callDatabase records the CLIENT span a driver records for one statement; injected faults
// fail it with the error the driver really returns, produced by really dialing or timing out.
func (p *Player) callDatabase(ctx context.Context, svc *played, c Call) error {
	db := p.opts.Topology.Databases[c.Database]
	operation, collection, _ := strings.Cut(c.Operation, " ")
	ctx, span := svc.tracer.Start(ctx, c.Operation+" "+c.Database,
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(
			attribute.String("db.system", db.System), attribute.String("db.system.name", db.System),
			attribute.String("db.namespace", c.Database), attribute.String("db.operation.name", operation),
			attribute.String("db.collection.name", collection), attribute.String("db.query.text", c.Operation),
			attribute.String("server.address", c.Database), attribute.Int("server.port", defaultPorts[db.System]),
			attribute.String("peer.service", c.Database),
		))
	defer span.End()
	err := p.runStatement(ctx, svc, c.Database, db)
	if err != nil {
		shop.RecordError(span, err)
		return &shop.StatusError{Code: shop.StatusOf(err), Err: fmt.Errorf("%s on %s: %w", c.Operation, c.Database, err)}
	}
	return nil
}

func (p *Player) runStatement(ctx context.Context, svc *played, name string, db Database) error {
	inj := svc.faults.Decide(name)
	if inj.Latency > 0 {
		if err := sleep(ctx, inj.Latency); err != nil {
			return err
		}
	}
	switch inj.Kind {
	case faults.ConnectionRefused:
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", p.peers.ClosedAddr)
		if err == nil {
			conn.Close()
			return nil
		}
		return err
	case faults.Timeout, faults.PoolExhausted:
		// The statement (or the wait for a pooled connection) outlives its budget: the context error.
		queryCtx, cancel := context.WithTimeout(ctx, p.opts.DBTimeout)
		defer cancel()
		<-queryCtx.Done()
		return queryCtx.Err()
	case faults.NoRows:
		switch db.System {
		case "mongodb":
			return errors.New("mongo: no documents in result")
		case "redis":
			return errors.New("redis: nil")
		}
		return sql.ErrNoRows
	case faults.TLSCertExpired:
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: p.opts.DBTimeout}, "tcp", p.peers.ExpiredTLSAddr,
			&tls.Config{RootCAs: p.peers.ExpiredRoots, ServerName: "127.0.0.1"})
		if err == nil {
			conn.Close()
			return nil
		}
		return err
	case faults.ConnectionReset:
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", p.peers.ResetAddr)
		if err != nil {
			return err
		}
		defer conn.Close()
		if _, err := conn.Write([]byte("PING\r\n")); err != nil {
			return err
		}
		_, err = conn.Read(make([]byte, 1))
		return err
	case faults.DNS:
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", net.JoinHostPort(peers.UnresolvableHost(name), "3306"))
		if err == nil {
			conn.Close()
		}
		return err
	}
	return sleep(ctx, db.LatencyMs.Sample())
}

// restart replaces a service's providers with new ones under a new version (what a deploy does
// to what the service reports), with faults active from now; the old providers are flushed.
func (p *Player) restart(ctx context.Context, name, version string, specs []faults.Spec) error {
	old := p.service(name)
	if old == nil {
		return fmt.Errorf("no service %q here", name)
	}
	svc, err := p.newPlayed(ctx, name, old.spec, version, specs)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.services[name] = svc
	p.mu.Unlock()
	shutdownCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return old.tel.ShutdownProviders(shutdownCtx)
}

// Shutdown stops the consumers and flushes every service's telemetry, then the producer.
func (p *Player) Shutdown(ctx context.Context) error {
	p.stop()
	p.done.Wait()
	p.peers.Close()
	p.mu.RLock()
	var errs []error
	for _, svc := range p.services {
		errs = append(errs, svc.tel.ShutdownProviders(ctx))
	}
	p.mu.RUnlock()
	errs = append(errs, p.producer.Close(ctx))
	if n := p.producer.Failed(); n > 0 {
		errs = append(errs, fmt.Errorf("%d Kafka records were not delivered", n))
	}
	return errors.Join(errs...)
}

func (p *Player) adminFaults(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		p.mu.RLock()
		out := map[string]any{}
		for name, svc := range p.services {
			out[name] = svc.faults.List()
		}
		p.mu.RUnlock()
		writeJSON(w, http.StatusOK, map[string]any{"now": time.Now(), "faults": out})
	case http.MethodPost:
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		specs, err := faults.ParseSpecs(body)
		if err == nil && len(specs) == 0 {
			err = errors.New("no fault in body")
		}
		var added []faults.Active
		for _, spec := range specs {
			if err != nil {
				break
			}
			svc := p.service(spec.Service)
			if svc == nil {
				err = fmt.Errorf("no service %q here", spec.Service)
				break
			}
			var a []faults.Active
			a, err = svc.faults.Add([]faults.Spec{spec}, time.Now())
			added = append(added, a...)
		}
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"added": added})
	case http.MethodDelete:
		p.mu.RLock()
		for _, svc := range p.services {
			svc.faults.Clear()
		}
		p.mu.RUnlock()
		writeJSON(w, http.StatusOK, map[string]any{"faults": map[string]any{}})
	default:
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed"})
	}
}

// adminRestart: {"service": "...", "version": "...", "faults": [...]} restarts one service.
func (p *Player) adminRestart(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Service string          `json:"service"`
		Version string          `json:"version"`
		Faults  json.RawMessage `json:"faults"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil || body.Service == "" || body.Version == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "need service and version"})
		return
	}
	specs, err := faults.ParseSpecs(body.Faults)
	if err == nil {
		err = p.restart(r.Context(), body.Service, body.Version, specs)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	svc := p.service(body.Service)
	writeJSON(w, http.StatusOK, map[string]any{"service": body.Service, "version": body.Version, "at": time.Now(), "faults": svc.faults.List()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// indexOutOfRange panics the way a real bug does: "runtime error: index out of range [i] with length 0".
func indexOutOfRange(i int) {
	var seats []int
	_ = seats[i]
}
