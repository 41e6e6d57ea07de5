// Property tests: whatever the payload holds, the normalizer never throws and always returns
// rows that satisfy the canonical schemas (so the store never receives a malformed row).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LogRow, rowSchemasByTable, TraceRow } from "../schemas/rows.js";
import { normalizeAppLogLine } from "./app-log-line.js";
import { newNormalizeStats, type NormalizeContext } from "./context.js";
import { matchError } from "./glossary-matcher.js";
import { normalizeLogs } from "./logs.js";
import { normalizeMetrics } from "./metrics.js";
import { normalizeTraces } from "./traces.js";

const ctx = (): NormalizeContext => ({ tenant: "t", ingestedAt: "2024-01-15T10:31:00.000Z", nowNanos: 1705314660000000000n, stats: newNormalizeStats(), limits: { maxAttributesPerItem: 8, maxAttributeValueLength: 64 } });

const int64 = fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n }).map(String), fc.integer(), fc.constant(""), fc.string({ maxLength: 8 }));
const { anyValue } = fc.letrec((tie) => ({
  anyValue: fc.oneof(
    { depthSize: "small" },
    fc.record({ stringValue: fc.string() }),
    fc.record({ boolValue: fc.boolean() }),
    fc.record({ intValue: int64 }),
    fc.record({ doubleValue: fc.double() }),
    fc.record({ bytesValue: fc.uint8Array({ maxLength: 20 }) }),
    fc.record({ arrayValue: fc.record({ values: fc.array(tie("anyValue"), { maxLength: 3 }) }) }),
    fc.record({ kvlistValue: fc.record({ values: fc.array(fc.record({ key: fc.string(), value: tie("anyValue") }), { maxLength: 3 }) }) }),
    fc.constant({}),
  ),
}));
const interestingKey = fc.constantFrom("service.name", "telemetry.sdk.language", "http.status_code", "http.response.status_code", "http.target", "rpc.grpc.status_code", "error.type", "exception.message", "exception.type", "exception.stacktrace", "braid.error.code", "db.response.status_code", "__proto__", "constructor", "error", "err");
const attributes = fc.array(fc.record({ key: fc.oneof(fc.string(), interestingKey), value: fc.option(anyValue, { nil: undefined }) }), { maxLength: 12 });
const id = fc.option(fc.oneof(fc.uint8Array({ minLength: 0, maxLength: 20 }), fc.string({ maxLength: 40 })), { nil: undefined });
const time = fc.option(int64, { nil: undefined });
const smallInt = fc.oneof(fc.integer({ min: -3, max: 30 }), fc.double());

const span = fc.record(
  {
    traceId: id,
    spanId: id,
    parentSpanId: id,
    name: fc.string(),
    kind: smallInt,
    startTimeUnixNano: time,
    endTimeUnixNano: time,
    attributes,
    status: fc.record({ code: smallInt, message: fc.string() }, { requiredKeys: [] }),
    events: fc.array(fc.record({ name: fc.oneof(fc.constant("exception"), fc.string()), timeUnixNano: time, attributes }, { requiredKeys: [] }), { maxLength: 3 }),
    links: fc.array(fc.record({ traceId: id, spanId: id, traceState: fc.string(), attributes }, { requiredKeys: [] }), { maxLength: 2 }),
  },
  { requiredKeys: [] },
);
const resource = fc.record({ attributes }, { requiredKeys: [] });
const scope = fc.record({ name: fc.string(), version: fc.string(), attributes }, { requiredKeys: [] });

const traceRequest = fc.record({ resourceSpans: fc.array(fc.record({ resource, scopeSpans: fc.array(fc.record({ scope, spans: fc.array(span, { maxLength: 4 }) }, { requiredKeys: [] }), { maxLength: 2 }) }, { requiredKeys: [] }), { maxLength: 2 }) }, { requiredKeys: [] });
const logRecord = fc.record({ timeUnixNano: time, observedTimeUnixNano: time, severityNumber: smallInt, severityText: fc.string({ maxLength: 10 }), body: fc.option(anyValue, { nil: undefined }), attributes, traceId: id, spanId: id, flags: smallInt, eventName: fc.string() }, { requiredKeys: [] });
const logRequest = fc.record({ resourceLogs: fc.array(fc.record({ resource, scopeLogs: fc.array(fc.record({ scope, logRecords: fc.array(logRecord, { maxLength: 4 }) }, { requiredKeys: [] }), { maxLength: 2 }) }, { requiredKeys: [] }), { maxLength: 2 }) }, { requiredKeys: [] });
const exemplar = fc.record({ filteredAttributes: attributes, timeUnixNano: time, asDouble: fc.double(), asInt: int64, spanId: id, traceId: id }, { requiredKeys: [] });
const numberPoint = fc.record({ attributes, startTimeUnixNano: time, timeUnixNano: time, asDouble: fc.double(), asInt: int64, exemplars: fc.array(exemplar, { maxLength: 2 }), flags: smallInt }, { requiredKeys: [] });
const histogramPoint = fc.record({ attributes, timeUnixNano: time, count: int64, sum: fc.double(), bucketCounts: fc.array(int64, { maxLength: 4 }), explicitBounds: fc.array(fc.double(), { maxLength: 3 }), min: fc.double(), max: fc.double(), exemplars: fc.array(exemplar, { maxLength: 2 }) }, { requiredKeys: [] });
const expPoint = fc.record({ attributes, timeUnixNano: time, count: int64, scale: smallInt, zeroCount: int64, positive: fc.record({ offset: smallInt, bucketCounts: fc.array(int64, { maxLength: 3 }) }, { requiredKeys: [] }), negative: fc.record({ offset: smallInt, bucketCounts: fc.array(int64, { maxLength: 3 }) }, { requiredKeys: [] }) }, { requiredKeys: [] });
const summaryPoint = fc.record({ attributes, timeUnixNano: time, count: int64, sum: fc.double(), quantileValues: fc.array(fc.record({ quantile: fc.double(), value: fc.double() }, { requiredKeys: [] }), { maxLength: 3 }) }, { requiredKeys: [] });
const metric = fc.record(
  {
    name: fc.string(),
    gauge: fc.record({ dataPoints: fc.array(numberPoint, { maxLength: 2 }) }, { requiredKeys: [] }),
    sum: fc.record({ dataPoints: fc.array(numberPoint, { maxLength: 2 }), aggregationTemporality: smallInt, isMonotonic: fc.boolean() }, { requiredKeys: [] }),
    histogram: fc.record({ dataPoints: fc.array(histogramPoint, { maxLength: 2 }), aggregationTemporality: smallInt }, { requiredKeys: [] }),
    exponentialHistogram: fc.record({ dataPoints: fc.array(expPoint, { maxLength: 2 }) }, { requiredKeys: [] }),
    summary: fc.record({ dataPoints: fc.array(summaryPoint, { maxLength: 2 }) }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);
const metricRequest = fc.record({ resourceMetrics: fc.array(fc.record({ resource, scopeMetrics: fc.array(fc.record({ scope, metrics: fc.array(metric, { maxLength: 3 }) }, { requiredKeys: [] }), { maxLength: 2 }) }, { requiredKeys: [] }), { maxLength: 2 }) }, { requiredKeys: [] });

const runs = { numRuns: 300 };

describe("the normalizer never throws and always emits valid rows", () => {
  it("traces", () => {
    fc.assert(
      fc.property(traceRequest, (req) => {
        for (const row of normalizeTraces(req as never, ctx())) TraceRow.parse(row);
      }),
      runs,
    );
  });

  it("logs", () => {
    fc.assert(
      fc.property(logRequest, (req) => {
        for (const row of normalizeLogs(req as never, ctx())) LogRow.parse(row);
      }),
      runs,
    );
  });

  it("metrics", () => {
    fc.assert(
      fc.property(metricRequest, (req) => {
        const rows = normalizeMetrics(req as never, ctx());
        for (const [table, list] of Object.entries(rows)) for (const row of list) rowSchemasByTable[table as keyof typeof rowSchemasByTable].parse(row);
      }),
      runs,
    );
  });

  it("raw log lines: arbitrary text, arbitrary JSON objects, and logger-shaped objects with wrong types", () => {
    const loggerShaped = fc.record(
      { level: fc.oneof(fc.string(), fc.integer(), fc.anything()), ts: fc.anything(), time: fc.anything(), timestamp: fc.anything(), msg: fc.anything(), message: fc.anything(), fields: fc.anything(), target: fc.anything(), span: fc.anything(), error: fc.anything(), trace_id: fc.anything(), "dd.trace_id": fc.anything() },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), loggerShaped.map((o) => JSON.stringify(o) ?? "")), (line) => {
        LogRow.parse(normalizeAppLogLine(line, ctx()));
      }),
      { numRuns: 1000 },
    );
  });

  it("the glossary matcher on arbitrary signals", () => {
    const signal = fc.record(
      { message: fc.string({ maxLength: 300 }), otherTexts: fc.array(fc.string(), { maxLength: 3 }), language: fc.string(), exceptionType: fc.string(), errorType: fc.string(), declaredCode: fc.string(), grpcCode: fc.oneof(fc.integer(), fc.string()), httpStatus: fc.integer(), spanKind: fc.string(), sqlState: fc.string(), logLevel: fc.string() },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(signal, (s) => {
        const m = matchError(s);
        expect(m.fingerprint).toMatch(/^[0-9a-f]{16}$/);
        expect(m.code.length).toBeGreaterThan(0);
      }),
      { numRuns: 1000 },
    );
  });
});
