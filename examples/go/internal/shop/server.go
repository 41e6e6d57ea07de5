package shop

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/braid/examples/internal/faults"
	"github.com/braid/examples/internal/kafkaexport"
	"github.com/braid/examples/internal/logging"
	"github.com/braid/examples/internal/peers"
	"github.com/braid/examples/internal/telemetry"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

const instrumentationName = "github.com/braid/examples/internal/shop"

// LoggerFactory builds the service's logger on the line writer (stderr + app_logs).
type LoggerFactory func(lines io.Writer, t *telemetry.Telemetry) logging.Logger

// Service is one running Go shop service.
type Service struct {
	Config    Config
	Telemetry *telemetry.Telemetry
	Log       logging.Logger
	Faults    *faults.Registry
	Peers     *peers.Endpoints
	Tracer    trace.Tracer

	mux      *http.ServeMux
	requests metric.Int64Counter
	duration metric.Float64Histogram
	inFlight atomic.Int64
}

// New sets up telemetry, logging, faults and the failure peers. otlpLogs builds a
// LoggerProvider for loggers that bridge to OTLP.
func New(ctx context.Context, cfg Config, otlpLogs bool, newLogger LoggerFactory) (*Service, error) {
	t, err := telemetry.Setup(ctx, telemetry.Options{
		ServiceName: cfg.Service, ServiceVersion: cfg.Version, Kafka: cfg.Kafka,
		MetricsInterval: cfg.MetricsInterval, OTLPLogs: otlpLogs,
	})
	if err != nil {
		return nil, err
	}
	endpoints, err := peers.Start()
	if err != nil {
		return nil, fmt.Errorf("failure peers: %w", err)
	}
	if cfg.PostgresAddr == "" {
		cfg.PostgresAddr = endpoints.ClosedAddr
	}
	s := &Service{
		Config: cfg, Telemetry: t, Peers: endpoints,
		Log:    newLogger(kafkaexport.NewLineWriter(t.Producer), t),
		Faults: faults.NewRegistry(cfg.Service),
		Tracer: otel.Tracer(instrumentationName),
		mux:    http.NewServeMux(),
	}
	if _, err := s.Faults.Add(cfg.Faults, time.Now()); err != nil {
		return nil, fmt.Errorf("--faults: %w", err)
	}
	meter := otel.Meter(instrumentationName)
	if s.requests, err = meter.Int64Counter("shop.requests", metric.WithUnit("{request}"),
		metric.WithDescription("Requests handled, by route and status code.")); err != nil {
		return nil, err
	}
	if s.duration, err = meter.Float64Histogram("shop.request.duration", metric.WithUnit("s"),
		metric.WithDescription("Time to handle a request."),
		metric.WithExplicitBucketBoundaries(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)); err != nil {
		return nil, err
	}
	if _, err = meter.Int64ObservableGauge("shop.requests.in_flight", metric.WithUnit("{request}"),
		metric.WithDescription("Requests being handled at collection time."),
		metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
			o.Observe(s.inFlight.Load())
			return nil
		})); err != nil {
		return nil, err
	}
	s.mux.Handle("/admin/faults", s.Faults.AdminHandler())
	s.mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	return s, nil
}

// HandlerFunc handles one request; a non-nil error fails it (see StatusOf for the code).
type HandlerFunc func(ctx context.Context, r *http.Request) (any, error)

// Handle serves pattern ("POST /checkout") with tracing, metrics, service-level faults,
// panic recovery and error recording around h.
func (s *Service) Handle(method, route string, h HandlerFunc) {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, route, h) })
	s.mux.Handle(method+" "+route, otelhttp.NewHandler(inner, route,
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + route })))
}

func (s *Service) serve(w http.ResponseWriter, r *http.Request, route string, h HandlerFunc) {
	start := time.Now()
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	ctx := r.Context()
	span := trace.SpanFromContext(ctx)
	span.SetAttributes(attribute.String("http.route", route))

	status, errType := http.StatusOK, ""
	defer func() {
		// Recorded last, after a recovered panic has set the status.
		attrs := []attribute.KeyValue{
			attribute.String("http.route", route), attribute.String("http.request.method", r.Method),
			attribute.Int("http.response.status_code", status),
		}
		if errType != "" {
			attrs = append(attrs, attribute.String("error.type", errType))
		}
		set := metric.WithAttributes(attrs...)
		s.requests.Add(ctx, 1, set)
		s.duration.Record(ctx, time.Since(start).Seconds(), set)
	}()
	defer func() {
		recovered := recover()
		if recovered == nil {
			return
		}
		// What net/http would print for a panicking handler, kept as the exception's stack.
		stack := fmt.Sprintf("panic: %v\n\n%s", recovered, debug.Stack())
		err, ok := recovered.(error)
		if !ok {
			err = fmt.Errorf("%v", recovered)
		}
		status, errType = http.StatusInternalServerError, typeName(err)
		RecordError(span, err, attribute.String("exception.stacktrace", stack))
		span.SetAttributes(attribute.Bool("exception.escaped", true))
		s.Log.Error(ctx, "panic serving "+r.RemoteAddr, err, stack, "http.route", route)
		writeJSON(w, status, map[string]string{"error": "internal server error"})
	}()

	result, err := func() (any, error) {
		if err := s.applyServiceFaults(ctx); err != nil {
			return nil, err
		}
		return h(ctx, r)
	}()
	if err != nil {
		status, errType = StatusOf(err), typeName(err)
		RecordError(span, err)
		s.Log.Error(ctx, "request failed", err, "", "http.route", route, "http.response.status_code", status,
			"duration_ms", time.Since(start).Milliseconds())
		writeJSON(w, status, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, status, result)
	s.Log.Info(ctx, "request handled", "http.route", route, "http.response.status_code", status,
		"duration_ms", time.Since(start).Milliseconds())
}

// applyServiceFaults injects this service's own faults into one request.
func (s *Service) applyServiceFaults(ctx context.Context) error {
	inj := s.Faults.Decide("")
	if inj.Latency > 0 {
		if err := sleep(ctx, inj.Latency); err != nil {
			return err
		}
	}
	switch inj.Kind {
	case faults.Panic:
		indexOutOfRange(len(os.Args) + 2) // a real runtime panic, recovered in serve
	case faults.Timeout:
		// The handler's own work exceeds its budget: a real context deadline.
		workCtx, cancel := context.WithTimeout(ctx, s.Config.DBTimeout)
		defer cancel()
		<-workCtx.Done()
		return &StatusError{Code: http.StatusGatewayTimeout, Err: fmt.Errorf("price cart: %w", workCtx.Err())}
	case faults.HTTP5xx:
		return &StatusError{Code: http.StatusServiceUnavailable, Err: errors.New("service unavailable: too many requests in flight, shedding load")}
	}
	return nil
}

// indexOutOfRange panics the way a real bug does: "runtime error: index out of range [i] with length 0".
func indexOutOfRange(i int) {
	var reservations []int
	_ = reservations[i]
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Run serves until SIGINT/SIGTERM, then drains requests and flushes telemetry.
func (s *Service) Run() error {
	listener, err := net.Listen("tcp", s.Config.Listen)
	if err != nil {
		return err
	}
	server := &http.Server{Handler: s.mux, ReadHeaderTimeout: 5 * time.Second}
	// Printed for the runner, which waits for it: the bound address (the port may be 0).
	fmt.Fprintf(os.Stdout, "listening on %s\n", listener.Addr())
	s.Log.Info(context.Background(), "service started", "listen", listener.Addr().String(), "postgres", s.Config.PostgresAddr)

	serveErr := make(chan error, 1)
	go func() { serveErr <- server.Serve(listener) }()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	select {
	case err := <-serveErr:
		return err
	case sig := <-stop:
		s.Log.Info(context.Background(), "shutting down", "signal", sig.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = server.Shutdown(ctx)
	s.Peers.Close()
	s.Log.Sync()
	if err := s.Telemetry.Shutdown(ctx); err != nil {
		slog.Error("telemetry shutdown", "err", err)
		return err
	}
	return nil
}

// Fatal reports a start-up error and exits.
func Fatal(service string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", service, err)
	os.Exit(1)
}
