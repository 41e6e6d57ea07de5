import { describe, expect, it } from "vitest";
import { encodeTraces, traceRequest } from "../../scripts/lib/otlp-builder.js";
import { otlpTypes } from "../../schemas/otlp/index.js";
import { DecodeError } from "./decode-error.js";
import { decodeJsonLogs, decodeJsonMetrics, decodeJsonTraces } from "./otlp-json.js";
import { decodeProtoLogs, decodeProtoMetrics, decodeProtoTraces } from "./otlp-proto.js";
import { validateLogs, validateTraces } from "./validate.js";

const traceId = Buffer.from("5b8efff798038103d269b633813fc60c", "hex");
const spanId = Buffer.from("eee19b7ec3c1b174", "hex");
const parentSpanId = Buffer.from("eee19b7ec3c1b173", "hex");

// The OTLP/JSON example of the OpenTelemetry proto repository (examples/trace.json), abridged:
// hex ids, string-encoded 64-bit integers, integer enums.
const otlpJsonTrace = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: "service.name", value: { stringValue: "my.service" } }] },
      scopeSpans: [
        {
          scope: { name: "my.library", version: "1.0.0", attributes: [{ key: "my.scope.attribute", value: { stringValue: "some scope attribute" } }] },
          spans: [
            {
              traceId: "5B8EFFF798038103D269B633813FC60C",
              spanId: "EEE19B7EC3C1B174",
              parentSpanId: "EEE19B7EC3C1B173",
              name: "I'm a server span",
              startTimeUnixNano: "1544712660000000000",
              endTimeUnixNano: "1544712661000000000",
              kind: 2,
              attributes: [
                { key: "my.span.attr", value: { stringValue: "some value" } },
                { key: "retries", value: { intValue: "3" } },
              ],
              status: { code: 2, message: "boom" },
              events: [{ timeUnixNano: "1544712660500000000", name: "exception", attributes: [{ key: "exception.message", value: { stringValue: "boom" } }] }],
            },
          ],
        },
      ],
    },
  ],
};

describe("OTLP decoders", () => {
  it("decodes OTLP/JSON (hex ids, string int64) to exactly what the protobuf decoder yields", () => {
    const fromJson = decodeJsonTraces(Buffer.from(JSON.stringify(otlpJsonTrace)));
    const type = otlpTypes().ExportTraceServiceRequest;
    const protoBytes = Buffer.from(type.encode(type.fromObject(fromJson as Record<string, unknown>)).finish());
    expect(decodeProtoTraces(protoBytes)).toEqual(fromJson);
    const span = fromJson.resourceSpans![0]!.scopeSpans![0]!.spans![0]!;
    expect(Buffer.from(span.traceId!)).toEqual(traceId);
    expect(Buffer.from(span.spanId!)).toEqual(spanId);
    expect(Buffer.from(span.parentSpanId!)).toEqual(parentSpanId);
    expect(span.startTimeUnixNano).toBe("1544712660000000000");
    expect(span.kind).toBe(2);
    expect(span.attributes![1]!.value!.intValue).toBe("3");
    expect(span.status).toEqual({ code: 2, message: "boom" });
  });

  it("accepts snake_case OTLP/JSON keys and enum names, as the Collector's receiver does", () => {
    const snake = JSON.stringify(otlpJsonTrace)
      .replaceAll("resourceSpans", "resource_spans")
      .replaceAll("scopeSpans", "scope_spans")
      .replaceAll("traceId", "trace_id")
      .replaceAll("startTimeUnixNano", "start_time_unix_nano")
      .replace('"kind":2', '"kind":"SPAN_KIND_SERVER"');
    const decoded = decodeJsonTraces(Buffer.from(snake));
    const span = decoded.resourceSpans![0]!.scopeSpans![0]!.spans![0]!;
    expect(Buffer.from(span.traceId!)).toEqual(traceId);
    expect(span.startTimeUnixNano).toBe("1544712660000000000");
    expect(span.kind).toBe(2);
  });

  it("decodes protobuf produced by the official protos", () => {
    const bytes = encodeTraces(traceRequest("svc", [{ traceId, spanId, name: "op", kind: 3, startNs: 1n, durationNs: 2n }]));
    const span = decodeProtoTraces(bytes).resourceSpans![0]!.scopeSpans![0]!.spans![0]!;
    expect(span.name).toBe("op");
    expect(span.endTimeUnixNano).toBe("3");
  });

  it("rejects bytes that are not protobuf with a decode_error that says which message", () => {
    const attempt = () => decodeProtoTraces(Buffer.from("this is a plain text log line, not protobuf"));
    expect(attempt).toThrow(DecodeError);
    expect(attempt).toThrow(/not a valid OTLP protobuf ExportTraceServiceRequest/);
  });

  it("rejects invalid JSON, non-hex ids and wrongly typed fields with the path of the bad field", () => {
    expect(() => decodeJsonTraces(Buffer.from("{"))).toThrow(/not valid JSON/);
    expect(() => decodeJsonTraces(Buffer.from("[1,2]"))).toThrow(/expected an OTLP\/JSON ExportTraceServiceRequest object/);
    const badId = structuredClone(otlpJsonTrace);
    badId.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.traceId = "not-hex";
    expect(() => decodeJsonTraces(Buffer.from(JSON.stringify(badId)))).toThrow(/resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.traceId: expected a hex string/);
    expect(() => decodeJsonTraces(Buffer.from(JSON.stringify({ resourceSpans: "nope" })))).toThrow(DecodeError);
  });

  it("rejects spans whose ids have the wrong length, naming the span", () => {
    const bytes = encodeTraces(traceRequest("svc", [{ traceId: Buffer.alloc(5, 1), spanId, name: "op", kind: 1, startNs: 1n, durationNs: 1n }]));
    expect(() => validateTraces(decodeProtoTraces(bytes))).toThrow("resourceSpans[0].scopeSpans[0].spans[0]: traceId has 5 bytes, expected 16");
  });

  it("decodes metrics and logs in both encodings to the same shape", () => {
    const metrics = {
      resourceMetrics: [{ resource: { attributes: [] }, scopeMetrics: [{ metrics: [{ name: "http.server.request.duration", unit: "s", histogram: { aggregationTemporality: 2, dataPoints: [{ startTimeUnixNano: "1", timeUnixNano: "2", count: "3", sum: 0.5, bucketCounts: ["1", "2"], explicitBounds: [0.1] }] } }] }] }],
    };
    const fromJson = decodeJsonMetrics(Buffer.from(JSON.stringify(metrics)));
    const metricType = otlpTypes().ExportMetricsServiceRequest;
    expect(decodeProtoMetrics(Buffer.from(metricType.encode(metricType.fromObject(fromJson as Record<string, unknown>)).finish()))).toEqual(fromJson);
    expect(fromJson.resourceMetrics![0]!.scopeMetrics![0]!.metrics![0]!.histogram!.dataPoints![0]!.bucketCounts).toEqual(["1", "2"]);

    const logs = { resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: "5", severityNumber: 17, severityText: "ERROR", body: { stringValue: "x" }, traceId: "5b8efff798038103d269b633813fc60c", spanId: "" }] }] }] };
    const decodedLogs = validateLogs(decodeJsonLogs(Buffer.from(JSON.stringify(logs))));
    const logType = otlpTypes().ExportLogsServiceRequest;
    expect(decodeProtoLogs(Buffer.from(logType.encode(logType.fromObject(decodedLogs as Record<string, unknown>)).finish()))).toEqual(decodedLogs);
    expect(decodedLogs.resourceLogs![0]!.scopeLogs![0]!.logRecords![0]!.severityNumber).toBe(17);
  });
});
