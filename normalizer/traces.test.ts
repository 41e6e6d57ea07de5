import { describe, expect, it } from "vitest";
import { TraceRow } from "../schemas/rows.js";
import { newNormalizeStats, type NormalizeContext } from "./context.js";
import { hex, int, NOW, ns, str, viaProtobuf } from "../test/normalizer/otlp-requests.js";
import { normalizeTraces } from "./traces.js";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";

function ctx(): NormalizeContext {
  return { tenant: "acme", ingestedAt: "2024-01-15T10:31:00.000Z", nowNanos: NOW, stats: newNormalizeStats(), extraAttributes: { "kafka.header.producer": "collector-1" } };
}

function request(spans: object[], resource: object[] = [str("service.name", "checkout"), str("telemetry.sdk.language", "go")]) {
  return viaProtobuf.traces({ resourceSpans: [{ resource: { attributes: resource }, scopeSpans: [{ scope: { name: "otelhttp", version: "0.72.0" }, spans }] }] });
}

const span = (extra: object = {}) => ({ traceId: hex(TRACE), spanId: hex(SPAN), name: "GET /orders", kind: 2, startTimeUnixNano: ns(0), endTimeUnixNano: ns(250), ...extra });

describe("normalizeTraces", () => {
  it("maps a span to the exporter's columns", () => {
    const c = ctx();
    const [row] = normalizeTraces(
      request([
        span({
          parentSpanId: hex("1111111111111111"),
          traceState: "vendor=1",
          attributes: [str("http.method", "GET"), int("http.status_code", 200)],
          status: { code: 1 },
          events: [{ name: "cache miss", timeUnixNano: ns(10), attributes: [str("key", "k1")] }],
          links: [{ traceId: hex("0af7651916cd43dd8448eb211c80319c"), spanId: hex("b7ad6b7169203331"), traceState: "x=y", attributes: [str("link.kind", "retry")] }],
        }),
      ]),
      c,
    );
    expect(TraceRow.parse(row)).toEqual(row);
    expect(row).toMatchObject({
      Timestamp: ns(0),
      TraceId: TRACE,
      SpanId: SPAN,
      ParentSpanId: "1111111111111111",
      TraceState: "vendor=1",
      SpanName: "GET /orders",
      SpanKind: "Server",
      ServiceName: "checkout",
      ScopeName: "otelhttp",
      ScopeVersion: "0.72.0",
      Duration: "250000000",
      StatusCode: "Ok",
      "Events.Timestamp": [ns(10)],
      "Events.Name": ["cache miss"],
      "Events.Attributes": [{ key: "k1" }],
      "Links.TraceId": ["0af7651916cd43dd8448eb211c80319c"],
      "Links.SpanId": ["b7ad6b7169203331"],
      "Links.TraceState": ["x=y"],
      "Links.Attributes": [{ "link.kind": "retry" }],
      ErrorCode: "",
      ErrorRetryable: false,
      SourceLanguage: "go",
      Tenant: "acme",
      IngestedAt: "2024-01-15T10:31:00.000Z",
    });
    expect(row!.ResourceAttributes).toMatchObject({ "service.name": "checkout", "kafka.header.producer": "collector-1" });
    expect(row!.SpanAttributes).toMatchObject({ "http.method": "GET", "http.request.method": "GET", "http.response.status_code": "200" });
  });

  it("codes a Go span with a recorded exception (RecordError + SetStatus)", () => {
    const c = ctx();
    const [row] = normalizeTraces(
      request([
        span({
          kind: 3,
          status: { code: 2, message: "dial tcp 10.0.0.5:5432: connect: connection refused" },
          events: [{ name: "exception", timeUnixNano: ns(200), attributes: [str("exception.type", "*net.OpError"), str("exception.message", "dial tcp 10.0.0.5:5432: connect: connection refused")] }],
        }),
      ]),
      c,
    );
    expect(row).toMatchObject({ StatusCode: "Error", SpanKind: "Client", ErrorCode: "UNAVAILABLE.CONNECTION_REFUSED", ErrorRetryable: true, ErrorMessage: "dial tcp 10.0.0.5:5432: connect: connection refused" });
    expect(row!.ErrorFingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(c.stats).toMatchObject({ matchedErrors: 1, unknownErrors: 0 });
  });

  it("codes a Rust span whose exception event has only exception.message (record_error)", () => {
    const [row] = normalizeTraces(
      request([span({ events: [{ name: "exception", timeUnixNano: ns(1), attributes: [str("exception.message", "deadline has elapsed")] }] })], [str("service.name", "inventory"), str("telemetry.sdk.language", "rust")]),
      ctx(),
    );
    expect(row).toMatchObject({ SourceLanguage: "rust", StatusCode: "Unset", ErrorCode: "DEADLINE_EXCEEDED.CLIENT_TIMEOUT" });
  });

  it("finds the cause in a Rust exception.stacktrace (tracing-opentelemetry's source chain)", () => {
    const [row] = normalizeTraces(
      request(
        [span({ status: { code: 2, message: "error sending request for url (http://inventory:8080/stock)" }, events: [{ name: "exception", attributes: [str("exception.message", "error sending request for url (http://inventory:8080/stock)"), str("exception.stacktrace", "client error (Connect)\ntcp connect error\nConnection refused (os error 111)")] }] })],
        [str("service.name", "payments"), str("telemetry.sdk.language", "rust")],
      ),
      ctx(),
    );
    expect(row!.ErrorCode).toBe("UNAVAILABLE.CONNECTION_REFUSED");
  });

  it("follows HTTP and gRPC status rules per span kind (semconv)", () => {
    const rows = normalizeTraces(
      request([
        span({ kind: 2, attributes: [int("http.response.status_code", 404)] }),
        span({ kind: 3, attributes: [int("http.response.status_code", 404)] }),
        span({ kind: 2, attributes: [int("http.status_code", 503)] }),
        span({ kind: 2, attributes: [int("rpc.grpc.status_code", 5)] }),
        span({ kind: 2, attributes: [int("rpc.grpc.status_code", 14)] }),
        span({ kind: 3, attributes: [int("rpc.grpc.status_code", 5)] }),
        span({ kind: 1, attributes: [str("error.type", "timeout")] }),
      ]),
      ctx(),
    );
    expect(rows.map((r) => r.ErrorCode)).toEqual(["", "NOT_FOUND", "UNAVAILABLE.SERVICE_UNAVAILABLE", "", "UNAVAILABLE", "NOT_FOUND", "DEADLINE_EXCEEDED"]);
  });

  it("honours a code the service declared itself (braid.error.code)", () => {
    const [row] = normalizeTraces(request([span({ status: { code: 2, message: "boom" }, attributes: [str("braid.error.code", "RESOURCE_EXHAUSTED.POOL_TIMEOUT")] })]), ctx());
    expect(row!.ErrorCode).toBe("RESOURCE_EXHAUSTED.POOL_TIMEOUT");
  });

  it("gives UNKNOWN plus a fingerprint to errors the glossary does not know, and counts them", () => {
    const c = ctx();
    const rows = normalizeTraces(request([span({ status: { code: 2, message: "flux capacitor 42 overheated" } }), span({ status: { code: 2, message: "flux capacitor 7 overheated" } })]), c);
    expect(rows.map((r) => r.ErrorCode)).toEqual(["UNKNOWN", "UNKNOWN"]);
    expect(rows[0]!.ErrorFingerprint).toBe(rows[1]!.ErrorFingerprint);
    expect(c.stats!.unknownErrors).toBe(2);
  });

  it("replaces a missing service.name with unknown_service and counts it; reads the language from the SDK", () => {
    const c = ctx();
    const [row] = normalizeTraces(request([span()], [str("telemetry.sdk.language", "rust")]), c);
    expect(row!.ServiceName).toBe("unknown_service");
    expect(row!.SourceLanguage).toBe("rust");
    expect(c.stats!.missingServiceName).toBe(1);
  });

  it("keeps a span with an absurd timestamp, anchored at now, flagged, with its duration", () => {
    const c = ctx();
    const [old, future, missing] = normalizeTraces(
      request([
        span({ startTimeUnixNano: "946684800000000000", endTimeUnixNano: "946684800500000000", events: [{ name: "e", timeUnixNano: "946684800100000000" }] }),
        span({ startTimeUnixNano: (NOW + 86_400_000_000_000n).toString(), endTimeUnixNano: (NOW + 86_400_001_000_000n).toString() }),
        span({ startTimeUnixNano: "0", endTimeUnixNano: "0" }),
      ]),
      c,
    );
    expect(old).toMatchObject({ Timestamp: NOW.toString(), Duration: "500000000", "Events.Timestamp": [(NOW + 100_000_000n).toString()] });
    expect(old!.SpanAttributes).toMatchObject({ "braid.timestamp_fixup": "too_old", "braid.original_timestamp": "946684800000000000" });
    expect(future!.SpanAttributes["braid.timestamp_fixup"]).toBe("future");
    expect(future!.Duration).toBe("1000000");
    expect(missing!.SpanAttributes["braid.timestamp_fixup"]).toBe("missing");
    expect(c.stats!.timestampFixups).toBe(3);
  });

  it("blanks ids of the wrong length and counts them", () => {
    const c = ctx();
    const [row] = normalizeTraces(request([span({ traceId: hex("abcd"), parentSpanId: hex("0000000000000000") })]), c);
    expect(row!.TraceId).toBe("");
    expect(row!.ParentSpanId).toBe("");
    expect(c.stats!.invalidIds).toBe(1);
  });

  it("applies attribute limits from the context", () => {
    const c = { ...ctx(), limits: { maxAttributesPerItem: 1, maxAttributeValueLength: 16 } };
    const [row] = normalizeTraces(request([span({ attributes: [str("db.statement", "SELECT * FROM orders WHERE id = 1"), str("b", "x")] })]), c);
    expect(Object.keys(row!.SpanAttributes)).toEqual(["db.statement", "db.query.text"]);
    expect(row!.SpanAttributes["db.statement"]).toBe("SELE…[truncated]");
    // One dropped from the span, one from the resource (service.name kept, telemetry.sdk.language dropped).
    expect(c.stats).toMatchObject({ droppedAttributes: 2, truncatedAttributes: 1 });
  });
});

describe("instrumentation nobody here wrote: Jaeger HotROD's client-span-only redis", () => {
  it("codes the plain 'redis timeout' of a CLIENT span with peer.service and no db.system by keyword (DEADLINE_EXCEEDED, not UNKNOWN)", () => {
    const [row] = normalizeTraces(
      request(
        [span({ name: "GetDriver", kind: 3, parentSpanId: hex("1111111111111111"), attributes: [str("peer.service", "redis"), str("param.driverID", "T757183C")], status: { code: 2, message: "redis timeout" } })],
        [str("service.name", "redis"), str("telemetry.sdk.language", "go")],
      ),
      ctx(),
    );
    expect(row).toMatchObject({ ServiceName: "redis", SpanKind: "Client", StatusCode: "Error", ErrorCode: "DEADLINE_EXCEEDED", ErrorMessage: "redis timeout" });
  });
});
