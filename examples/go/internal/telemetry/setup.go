// Package telemetry wires the OpenTelemetry Go SDK of one shop service to Kafka: traces
// through the SDK's OTLP trace exporter with a Kafka client, metrics and (optionally) logs
// through the SDK's OTLP/HTTP exporters whose transport is Kafka.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/braid/examples/internal/kafkaexport"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/propagation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Options of one service's telemetry.
type Options struct {
	ServiceName     string
	ServiceVersion  string
	Namespace       string // service.namespace (default "shop")
	Kafka           kafkaexport.Config
	MetricsInterval time.Duration // how often metrics are exported (default 5s)
	OTLPLogs        bool          // also build a LoggerProvider exporting OTLP logs to Kafka
}

// Telemetry holds the providers of one process; Shutdown flushes them in order.
type Telemetry struct {
	Producer       *kafkaexport.Producer
	TracerProvider *sdktrace.TracerProvider
	MeterProvider  *sdkmetric.MeterProvider
	LoggerProvider *sdklog.LoggerProvider // nil unless Options.OTLPLogs
	Resource       *resource.Resource
}

// Setup builds the telemetry of the process's one service and makes it the global providers.
func Setup(ctx context.Context, opts Options) (*Telemetry, error) {
	producer, err := kafkaexport.NewProducer(opts.Kafka)
	if err != nil {
		return nil, err
	}
	t, err := ForService(ctx, producer, opts)
	if err != nil {
		return nil, err
	}
	otel.SetTracerProvider(t.TracerProvider)
	otel.SetMeterProvider(t.MeterProvider)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return t, nil
}

// ForService builds one service's providers, with a resource of its own, on a shared Kafka
// producer. A process that plays several services (the topology emitter) calls it once per
// service and never sets globals: each service's spans carry its own service.name.
func ForService(ctx context.Context, producer *kafkaexport.Producer, opts Options) (*Telemetry, error) {
	if opts.MetricsInterval <= 0 {
		opts.MetricsInterval = 5 * time.Second
	}
	if opts.Namespace == "" {
		opts.Namespace = "shop"
	}
	hostname, _ := os.Hostname()
	// resource.Default() carries telemetry.sdk.{name,language,version} as the SDK sets them.
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		attribute.String("service.name", opts.ServiceName),
		attribute.String("service.namespace", opts.Namespace),
		attribute.String("service.version", opts.ServiceVersion),
		attribute.String("service.instance.id", fmt.Sprintf("%s-%d", hostname, os.Getpid())),
		attribute.String("deployment.environment.name", "demo"),
		attribute.String("host.name", hostname),
		attribute.Int("process.pid", os.Getpid()),
	))
	if err != nil {
		return nil, fmt.Errorf("resource: %w", err)
	}

	traceExporter, err := otlptrace.New(ctx, kafkaexport.NewTraceClient(producer))
	if err != nil {
		return nil, fmt.Errorf("trace exporter: %w", err)
	}
	tracerProvider := sdktrace.NewTracerProvider(
		sdktrace.WithResource(res),
		// A short batch timeout keeps a scenario's spans flowing every second, not every 5.
		sdktrace.WithBatcher(traceExporter, sdktrace.WithBatchTimeout(time.Second), sdktrace.WithMaxExportBatchSize(512)),
	)

	kafkaHTTP := &http.Client{Transport: kafkaexport.NewOTLPTransport(producer), Timeout: 20 * time.Second}
	metricExporter, err := otlpmetrichttp.New(ctx,
		otlpmetrichttp.WithHTTPClient(kafkaHTTP),
		otlpmetrichttp.WithEndpointURL("http://kafka.invalid/v1/metrics"),
		otlpmetrichttp.WithCompression(otlpmetrichttp.NoCompression),
	)
	if err != nil {
		return nil, fmt.Errorf("metric exporter: %w", err)
	}
	meterProvider := sdkmetric.NewMeterProvider(
		sdkmetric.WithResource(res),
		sdkmetric.WithReader(sdkmetric.NewPeriodicReader(metricExporter, sdkmetric.WithInterval(opts.MetricsInterval))),
	)

	var loggerProvider *sdklog.LoggerProvider
	if opts.OTLPLogs {
		logExporter, err := otlploghttp.New(ctx,
			otlploghttp.WithHTTPClient(kafkaHTTP),
			otlploghttp.WithEndpointURL("http://kafka.invalid/v1/logs"),
			otlploghttp.WithCompression(otlploghttp.NoCompression),
		)
		if err != nil {
			return nil, fmt.Errorf("log exporter: %w", err)
		}
		loggerProvider = sdklog.NewLoggerProvider(
			sdklog.WithResource(res),
			sdklog.WithProcessor(sdklog.NewBatchProcessor(logExporter, sdklog.WithExportInterval(time.Second))),
		)
	}

	return &Telemetry{Producer: producer, TracerProvider: tracerProvider, MeterProvider: meterProvider, LoggerProvider: loggerProvider, Resource: res}, nil
}

// ShutdownProviders flushes spans, metrics and logs, leaving the shared producer open.
func (t *Telemetry) ShutdownProviders(ctx context.Context) error {
	errs := []error{t.TracerProvider.Shutdown(ctx), t.MeterProvider.Shutdown(ctx)}
	if t.LoggerProvider != nil {
		errs = append(errs, t.LoggerProvider.Shutdown(ctx))
	}
	return errors.Join(errs...)
}

// Shutdown flushes spans, metrics and logs, then the Kafka producer (which carries them all).
func (t *Telemetry) Shutdown(ctx context.Context) error {
	errs := []error{t.ShutdownProviders(ctx)}
	errs = append(errs, t.Producer.Close(ctx))
	if n := t.Producer.Failed(); n > 0 {
		errs = append(errs, fmt.Errorf("%d Kafka records were not delivered", n))
	}
	return errors.Join(errs...)
}
