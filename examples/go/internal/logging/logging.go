// Package logging gives the shop's Go services their JSON loggers, as real services set them
// up: log/slog's JSONHandler (frontend) and zap's production config (checkout). Both write
// each line to stderr and to the app_logs topic and add the current span's trace_id and
// span_id as top-level keys, the way common slog/zap trace handlers do.
package logging

import (
	"context"
	"io"
	"log/slog"
	"runtime"
	"time"

	"go.opentelemetry.io/contrib/bridges/otelzap"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Logger is what the shared service code logs through; Field pairs are key, value.
type Logger interface {
	Info(ctx context.Context, msg string, kv ...any)
	// Error logs err under the logger's usual error key; stack, when not empty, is a
	// goroutine dump (recovered panics).
	Error(ctx context.Context, msg string, err error, stack string, kv ...any)
	Sync()
}

// --- slog -----------------------------------------------------------------------------

type traceHandler struct{ slog.Handler }

func (h traceHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}
func (h traceHandler) WithAttrs(a []slog.Attr) slog.Handler {
	return traceHandler{h.Handler.WithAttrs(a)}
}
func (h traceHandler) WithGroup(n string) slog.Handler { return traceHandler{h.Handler.WithGroup(n)} }

type slogLogger struct{ h slog.Handler }

// NewSlog logs with slog.JSONHandler (AddSource on) to w.
func NewSlog(w io.Writer, level slog.Level, service string) Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{AddSource: true, Level: level})
	return slogLogger{traceHandler{h}.WithAttrs([]slog.Attr{slog.String("service", service)})}
}

// log builds the record with the caller's program counter, as slog's own wrappers do, so
// "source" names the service code rather than this file.
func (s slogLogger) log(ctx context.Context, level slog.Level, msg string, kv []any) {
	if !s.h.Enabled(ctx, level) {
		return
	}
	var pcs [1]uintptr
	runtime.Callers(3, pcs[:]) // skip runtime.Callers, log, and Info/Error
	r := slog.NewRecord(time.Now(), level, msg, pcs[0])
	r.Add(kv...)
	_ = s.h.Handle(ctx, r)
}

func (s slogLogger) Info(ctx context.Context, msg string, kv ...any) {
	s.log(ctx, slog.LevelInfo, msg, kv)
}

func (s slogLogger) Error(ctx context.Context, msg string, err error, stack string, kv ...any) {
	kv = append(kv, "err", err.Error())
	if stack != "" {
		kv = append(kv, "stack", stack)
	}
	s.log(ctx, slog.LevelError, msg, kv)
}

func (s slogLogger) Sync() {}

// --- zap ------------------------------------------------------------------------------

// traceCore turns a context.Context field (the convention of the otelzap bridge, which
// reads the span from it) into trace_id/span_id keys for the JSON encoder, and drops the
// context itself, which has no JSON form.
type traceCore struct{ zapcore.Core }

func (c traceCore) With(fields []zapcore.Field) zapcore.Core {
	return traceCore{c.Core.With(rewrite(fields))}
}
func (c traceCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}
func (c traceCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	return c.Core.Write(e, rewrite(fields))
}

func rewrite(fields []zapcore.Field) []zapcore.Field {
	out := make([]zapcore.Field, 0, len(fields)+1)
	for _, f := range fields {
		if ctx, ok := f.Interface.(context.Context); ok {
			if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
				out = append(out, zap.String("trace_id", sc.TraceID().String()), zap.String("span_id", sc.SpanID().String()))
			}
			continue
		}
		out = append(out, f)
	}
	return out
}

type zapLogger struct{ l *zap.Logger }

// NewZap builds zap's production logger (JSON, epoch-seconds ts, sampling, stacktrace at
// error) writing to w, teed, when provider is not nil, into the otelzap bridge, which
// sends the same records as OTLP logs.
func NewZap(w io.Writer, level zapcore.Level, service string, provider *sdklog.LoggerProvider) Logger {
	cfg := zap.NewProductionConfig()
	cfg.Level = zap.NewAtomicLevelAt(level)
	jsonCore := zapcore.NewCore(zapcore.NewJSONEncoder(cfg.EncoderConfig), zapcore.AddSync(w), cfg.Level)
	core := zapcore.Core(traceCore{jsonCore})
	if provider != nil {
		core = zapcore.NewTee(core, otelzap.NewCore("github.com/braid/examples/"+service, otelzap.WithLoggerProvider(provider)))
	}
	// Production sampling, as zap.NewProductionConfig().Build() would apply it.
	core = zapcore.NewSamplerWithOptions(core, time.Second, cfg.Sampling.Initial, cfg.Sampling.Thereafter)
	// The service on every line (as the slog logger does): the logger name alone is not one
	// (braid check: log lines must name their service).
	l := zap.New(core, zap.AddCaller(), zap.AddCallerSkip(1), zap.AddStacktrace(zapcore.ErrorLevel), zap.Fields(zap.String("service", service))).Named(service)
	return zapLogger{l}
}

func (z zapLogger) fields(ctx context.Context, kv []any) []zap.Field {
	fields := []zap.Field{zap.Any("context", ctx)}
	for i := 0; i+1 < len(kv); i += 2 {
		key, _ := kv[i].(string)
		fields = append(fields, zap.Any(key, kv[i+1]))
	}
	return fields
}

func (z zapLogger) Info(ctx context.Context, msg string, kv ...any) {
	z.l.Info(msg, z.fields(ctx, kv)...)
}
func (z zapLogger) Error(ctx context.Context, msg string, err error, stack string, kv ...any) {
	fields := append(z.fields(ctx, kv), zap.Error(err))
	if stack != "" {
		// A recovered panic: the panicking goroutine's dump is the useful stack, not the logger's.
		fields = append(fields, zap.String("panic_stack", stack))
	}
	z.l.Error(msg, fields...)
}
func (z zapLogger) Sync() { _ = z.l.Sync() }
