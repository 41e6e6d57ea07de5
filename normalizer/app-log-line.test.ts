// Raw log lines as Go and Rust loggers write them. Line shapes: go-rust-formats.md §1–2 (zap
// config.go, zerolog globals.go, slog handler.go, tracing-subscriber json.rs doc example,
// slog-json, env_logger) and the lines recorded in test/fixtures/normalizer.
import { describe, expect, it } from "vitest";
import { LogRow } from "../schemas/rows.js";
import { normalizeAppLogLine } from "./app-log-line.js";
import { newNormalizeStats, type NormalizeContext } from "./context.js";

const NOW = 1705314660000000000n; // 2024-01-15T10:31:00Z
function ctx(extra: Partial<NormalizeContext> = {}): NormalizeContext {
  return { tenant: "acme", ingestedAt: "2024-01-15T10:31:00.000Z", nowNanos: NOW, stats: newNormalizeStats(), ...extra };
}

describe("normalizeAppLogLine: recognised formats", () => {
  it("zap production JSON (float seconds ts, lowercase level, error field)", () => {
    const line = `{"level":"error","ts":1705314600.123456,"logger":"db","caller":"db/pool.go:88","msg":"query failed","error":"dial tcp 10.0.0.1:5432: connect: connection refused","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","stacktrace":"main.run\\n\\t/app/main.go:42"}`;
    const row = normalizeAppLogLine(line, ctx({ extraAttributes: { "service.name": "orders" } }));
    expect(LogRow.parse(row)).toEqual(row);
    expect(row).toMatchObject({
      LogFormat: "zap",
      SourceLanguage: "go",
      Timestamp: "1705314600123456000",
      SeverityNumber: 17,
      SeverityText: "ERROR",
      Body: "query failed",
      ScopeName: "db",
      ServiceName: "orders",
      TraceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      SpanId: "00f067aa0ba902b7",
      ErrorCode: "UNAVAILABLE.CONNECTION_REFUSED",
      ErrorMessage: "dial tcp 10.0.0.1:5432: connect: connection refused",
    });
    expect(row.LogAttributes).toMatchObject({ caller: "db/pool.go:88", error: "dial tcp 10.0.0.1:5432: connect: connection refused", stacktrace: "main.run\n\t/app/main.go:42" });
    expect(row.LogAttributes.msg).toBeUndefined();
  });

  it("zap development JSON (T, L, M keys)", () => {
    const row = normalizeAppLogLine(`{"L":"WARN","T":"2024-01-15T11:30:00.000+0100","N":"http","C":"srv/h.go:12","M":"slow request"}`, ctx());
    expect(row).toMatchObject({ LogFormat: "zap", SeverityText: "WARN", Timestamp: "1705314600000000000", Body: "slow request", ScopeName: "http" });
  });

  it("zerolog defaults (time RFC3339, message)", () => {
    const row = normalizeAppLogLine(`{"level":"error","error":"context deadline exceeded","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","time":"2024-01-15T10:30:00Z","message":"query failed"}`, ctx());
    expect(row).toMatchObject({ LogFormat: "zerolog", SourceLanguage: "go", Timestamp: "1705314600000000000", Body: "query failed", ErrorCode: "DEADLINE_EXCEEDED.CLIENT_TIMEOUT" });
  });

  it("zerolog with renamed keys (lvl, msg, err) and UNIXMS time", () => {
    const row = normalizeAppLogLine(`{"lvl":"warn","msg":"cache miss","err":"redis: nil","time":1705314600123}`, ctx());
    expect(row).toMatchObject({ LogFormat: "zerolog", SeverityNumber: 13, Body: "cache miss", Timestamp: "1705314600123000000", ErrorCode: "" });
  });

  it("slog JSONHandler with source and an ERROR+2 level", () => {
    const row = normalizeAppLogLine(`{"time":"2024-01-15T10:30:00.123Z","level":"ERROR+2","source":{"function":"main.handle","file":"/app/main.go","line":42},"msg":"query failed","err":"sql: no rows in result set","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7"}`, ctx());
    expect(row).toMatchObject({ LogFormat: "slog", SeverityNumber: 19, SeverityText: "ERROR", Timestamp: "1705314600123000000", ErrorCode: "NOT_FOUND.NO_ROWS", SpanId: "00f067aa0ba902b7" });
    expect(row.LogAttributes).toMatchObject({ "code.function.name": "main.handle", "code.file.path": "/app/main.go", "code.line.number": "42", "log.original_severity_text": "ERROR+2" });
  });

  it("tracing-subscriber JSON (the crate's own doc example)", () => {
    const row = normalizeAppLogLine(`{"timestamp":"2022-02-15T18:47:10.822041Z","level":"ERROR","fields":{"message":"failed to shave yak","yak":3,"error":"missing yak"},"target":"fmt_json::yak_shave","span":{"yaks":3,"name":"shaving_yaks"},"spans":[{"yaks":3,"name":"shaving_yaks"}]}`, ctx({ nowNanos: 1644950830822041000n + 1_000_000_000n }));
    // "missing yak" names no library error; the keyword fallback gives it the canonical NOT_FOUND.
    expect(row).toMatchObject({ LogFormat: "tracing-subscriber", SourceLanguage: "rust", Timestamp: "1644950830822041000", Body: "failed to shave yak", ScopeName: "fmt_json::yak_shave", SeverityNumber: 17, ErrorCode: "NOT_FOUND", ErrorMessage: "missing yak" });
    expect(row.LogAttributes).toMatchObject({ yak: "3", error: "missing yak", "span.name": "shaving_yaks", "span.yaks": "3", spans: '[{"yaks":3,"name":"shaving_yaks"}]' });
  });

  it("tracing-subscriber with flatten_event(true) and trace ids in the span", () => {
    const row = normalizeAppLogLine(`{"timestamp":"2024-01-15T10:30:00.000001Z","level":"ERROR","message":"db down","error":"Connection refused (os error 111)","target":"inventory::db","span":{"trace_id":"4BF92F3577B34DA6A3CE929D0E0E4736","name":"reserve"}}`, ctx());
    expect(row).toMatchObject({ Body: "db down", TraceId: "4bf92f3577b34da6a3ce929d0e0e4736", ErrorCode: "UNAVAILABLE.CONNECTION_REFUSED", Timestamp: "1705314600000001000" });
  });

  it("slog-rs JSON (short level names)", () => {
    const row = normalizeAppLogLine(`{"msg":"query failed","level":"ERRO","ts":"2024-01-15T10:30:00.123456789Z","err":"pool timed out while waiting for an open connection"}`, ctx());
    expect(row).toMatchObject({ LogFormat: "slog-rs", SourceLanguage: "rust", SeverityNumber: 17, Timestamp: "1705314600123456789", ErrorCode: "RESOURCE_EXHAUSTED.POOL_TIMEOUT" });
  });

  it("env_logger text", () => {
    const row = normalizeAppLogLine("[2024-01-15T10:30:00Z ERROR my_svc::db] query failed: pool timed out while waiting for an open connection", ctx());
    expect(row).toMatchObject({ LogFormat: "env_logger", SourceLanguage: "rust", ScopeName: "my_svc::db", SeverityNumber: 17, Timestamp: "1705314600000000000", Body: "query failed: pool timed out while waiting for an open connection", ErrorCode: "RESOURCE_EXHAUSTED.POOL_TIMEOUT" });
  });

  it("a Go panic with its goroutine dump, as one multi-line message", () => {
    const row = normalizeAppLogLine("panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x48f2a5]\n\ngoroutine 1 [running]:\nmain.main()\n\t/app/main.go:10 +0x15", ctx());
    expect(row).toMatchObject({ LogFormat: "plain", SourceLanguage: "go", SeverityText: "FATAL", ErrorCode: "INTERNAL.PANIC", ErrorRetryable: false });
    expect(row.LogAttributes["braid.timestamp_fixup"]).toBe("missing");
    expect(row.Timestamp).toBe(NOW.toString());
  });

  it("a Rust panic", () => {
    const row = normalizeAppLogLine("thread 'tokio-runtime-worker' (41) panicked at src/handlers.rs:88:14:\ncalled `Option::unwrap()` on a `None` value", ctx());
    expect(row).toMatchObject({ SourceLanguage: "rust", SeverityNumber: 21, ErrorCode: "INTERNAL.PANIC" });
  });

  it("Go's log package line without a level: an error only if the glossary knows the text", () => {
    const known = normalizeAppLogLine("2024/01/15 10:30:00 dial tcp 10.0.0.1:6379: connect: connection refused", ctx());
    const unknownText = normalizeAppLogLine("2024/01/15 10:30:00 listening on :8080", ctx());
    expect(known).toMatchObject({ SourceLanguage: "go", Timestamp: "1705314600000000000", SeverityNumber: 0, ErrorCode: "UNAVAILABLE.CONNECTION_REFUSED" });
    expect(unknownText.ErrorCode).toBe("");
  });

  it("reads Datadog and GCP trace ids", () => {
    expect(normalizeAppLogLine(`{"level":"info","msg":"x","time":"2024-01-15T10:30:00Z","dd.trace_id":"1311768467463790320","dd.span_id":"42"}`, ctx())).toMatchObject({ TraceId: "0000000000000000123456789abcdef0", SpanId: "000000000000002a" });
    expect(normalizeAppLogLine(`{"severity":"ERROR","message":"x","time":"2024-01-15T10:30:00Z","logging.googleapis.com/trace":"projects/p/traces/4bf92f3577b34da6a3ce929d0e0e4736"}`, ctx()).TraceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
  });
});

describe("normalizeAppLogLine: what is never lost", () => {
  it("keeps a broken JSON line as plain text and counts it", () => {
    const c = ctx();
    const row = normalizeAppLogLine(`{"level":"error","msg":"truncated`, c);
    expect(row).toMatchObject({ LogFormat: "plain", Body: `{"level":"error","msg":"truncated` });
    expect(c.stats!.unparsedLogLines).toBe(1);
  });

  it("takes the service of a tracing-subscriber line from its span, or an enclosing span, when the event names none", () => {
    const line = (span: object, spans: object[]) => JSON.stringify({ timestamp: "2024-01-15T10:30:00Z", level: "INFO", fields: { message: "hi" }, target: "shop", span, spans });
    expect(normalizeAppLogLine(line({ name: "request", service: "payments" }, [{ name: "request", service: "payments" }]), { tenant: "t", ingestedAt: "", nowNanos: 1705314600000000000n }).ServiceName).toBe("payments");
    expect(normalizeAppLogLine(line({ name: "query" }, [{ name: "request", service: "inventory" }, { name: "query" }]), { tenant: "t", ingestedAt: "", nowNanos: 1705314600000000000n }).ServiceName).toBe("inventory");
  });

  it("gives a line without a service unknown_service and counts it", () => {
    const c = ctx();
    expect(normalizeAppLogLine(`{"level":"info","msg":"hi","time":"2024-01-15T10:30:00Z"}`, c).ServiceName).toBe("unknown_service");
    expect(c.stats!.missingServiceName).toBe(1);
    expect(normalizeAppLogLine(`{"level":"info","msg":"hi","service":"cart","time":"2024-01-15T10:30:00Z"}`, c).ServiceName).toBe("cart");
  });

  it("flags a time far in the past, keeping the original", () => {
    const c = ctx();
    const row = normalizeAppLogLine(`{"level":"info","msg":"hi","time":"2001-01-01T00:00:00Z"}`, c);
    expect(row.Timestamp).toBe(NOW.toString());
    expect(row.LogAttributes).toMatchObject({ "braid.timestamp_fixup": "too_old", "braid.original_timestamp": "978307200000000000" });
    expect(c.stats!.timestampFixups).toBe(1);
  });

  it.each([[""], ["null"], ["[]"], ["42"], ["{}"], ['{"level":{"x":1},"msg":["a"],"time":{}}'], ["\u0000\uffff"], ["{".repeat(5000)]])("never throws on %j", (line) => {
    const row = normalizeAppLogLine(line, ctx());
    expect(LogRow.safeParse(row).success).toBe(true);
  });
});
