// Every signal in every encoding through the real Kafka into the embedded store, checked field by
// field against what was produced. The payloads are the ones the Go and Rust OpenTelemetry SDKs and
// loggers really wrote (test/fixtures/normalizer/, timestamps moved to now), plus built items for
// what the fixtures lack (span links, a summary, zerolog lines, a plain-text line).
import { readFileSync } from "node:fs";
import path from "node:path";
import { Kafka, Partitioners, logLevel, type Producer } from "kafkajs";
import type protobuf from "protobufjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBraid, type BraidProcess } from "../../runtime/app.js";
import { newSpanId, newTraceId } from "../../scripts/lib/otlp-builder.js";
import { otlpTypes } from "../../schemas/otlp/index.js";
import { eventually, isolatedConfig, kafkaBrokers, requireServices, tempDir, uniqueSuffix } from "../support/env.js";
import { expectedLogs, expectedPoints, expectedSpans, metricTables, type MessageContext, type MetricTable } from "../support/otlp-expected.js";
import { repoRoot } from "./ingest-support.js";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- decoded OTLP objects

const encodings = ["proto", "json"] as const;
type Enc = (typeof encodings)[number];
const tenant = "acme";
const nowNs = BigInt(Date.now()) * 1_000_000n;

// ---------- payloads: fixtures, decoding, timestamps, both encodings ----------

const fixture = (file: string) => readFileSync(path.join(repoRoot, "test/fixtures/normalizer", file));
/** The Go capture writes each request body prefixed by "<length>\n". */
function frames(buffer: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < buffer.length; ) {
    const newline = buffer.indexOf(10, at);
    const length = Number(buffer.subarray(at, newline).toString());
    out.push(buffer.subarray(newline + 1, newline + 1 + length));
    at = newline + 1 + length;
  }
  return out;
}
const decode = (type: protobuf.Type, bytes: Buffer): Obj => type.toObject(type.decode(bytes), { longs: String, enums: Number });

/** Moves every *UnixNano time of a request so that its latest one is a second ago. */
function rebase(request: Obj): Obj {
  let latest = 0n;
  const visit = (node: unknown, apply: (value: string) => string | undefined) => {
    if (Array.isArray(node)) node.forEach((item) => visit(item, apply));
    else if (node && typeof node === "object" && !Buffer.isBuffer(node)) {
      for (const [key, value] of Object.entries(node as Obj)) {
        if (key.endsWith("UnixNano") && typeof value === "string" && value !== "0") (node as Obj)[key] = apply(value) ?? value;
        else visit(value, apply);
      }
    }
  };
  visit(request, (value) => void (BigInt(value) > latest && (latest = BigInt(value))));
  const delta = nowNs - 1_000_000_000n - latest;
  visit(request, (value) => (BigInt(value) + delta).toString());
  return request;
}

const hexIdKeys = new Set(["traceId", "spanId", "parentSpanId"]);
/** The OTLP/JSON mapping: hex trace and span ids, base64 for other bytes, int64 as strings. */
function toOtlpJson(node: unknown, key = ""): unknown {
  if (Buffer.isBuffer(node) || node instanceof Uint8Array) return hexIdKeys.has(key) ? Buffer.from(node).toString("hex") : Buffer.from(node).toString("base64");
  if (Array.isArray(node)) return node.map((item) => toOtlpJson(item, key));
  if (node && typeof node === "object") return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, toOtlpJson(v, k)]));
  return node;
}
function encode(type: protobuf.Type, request: Obj, enc: Enc): Buffer {
  return enc === "json" ? Buffer.from(JSON.stringify(toOtlpJson(request))) : Buffer.from(type.encode(type.fromObject(request)).finish());
}

// ---------- what a stored row must hold, computed from the produced request ----------

/** Expected rows come from test/support/otlp-expected.ts, with the headers every message here carries. */
const context = (enc: Enc): MessageContext => ({ headers: { tenant, "test.encoding": enc }, tenant });
const pointKey = (name: string, time: string, attrs: Record<string, string>) => `${name}|${time}|${JSON.stringify(Object.entries(attrs).sort())}`;


// ---------- the test ----------

describe("ingest round trip: every signal in every encoding, field by field", () => {
  const suffix = uniqueSuffix();
  const storage = tempDir("roundtrip");
  // Metrics are configured as OTLP/JSON by topic (protobuf then needs its content-type header);
  // the other topics are protobuf by default (OTLP/JSON then comes with its content-type header).
  const config = isolatedConfig(suffix, storage.dir, { roles: ["ingest"], kafka: { partitions: 1, metrics: { topic: `otlp_metrics_${suffix}`, encoding: "otlp_json" } } });
  const kafka = new Kafka({ clientId: "ingest-roundtrip-test", brokers: [kafkaBrokers], logLevel: logLevel.NOTHING });
  const types = otlpTypes();
  let producer: Producer;
  let braid: BraidProcess;

  beforeAll(async () => {
    await requireServices();
    braid = await startBraid(config);
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await braid?.stop();
    storage.cleanup();
  });

  async function produce(topic: string, enc: Enc, topicEncoding: Enc, values: Buffer[]): Promise<void> {
    const contentType = enc === topicEncoding ? {} : { "content-type": enc === "json" ? "application/json" : "application/x-protobuf" };
    await producer.send({ topic, messages: values.map((value) => ({ value, headers: { tenant, "test.encoding": enc, ...contentType } })) });
  }

  it("spans of the Go and Rust SDKs, and spans with links and events, in OTLP protobuf and OTLP/JSON", async () => {
    const type = types.ExportTraceServiceRequest;
    const start = nowNs - 5_000_000_000n;
    const [traceId, linkedTrace] = [newTraceId(), newTraceId()];
    const built: Obj = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "orders" } }, { key: "telemetry.sdk.language", value: { stringValue: "go" } }, { key: "host.name", value: { stringValue: "node-7" } }] },
          scopeSpans: [
            {
              scope: { name: "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp", version: "0.63.0" },
              spans: [
                {
                  traceId,
                  spanId: newSpanId(),
                  traceState: "vendor=1",
                  name: "POST /orders",
                  kind: 2,
                  startTimeUnixNano: start.toString(),
                  endTimeUnixNano: (start + 12_345_678n).toString(),
                  attributes: [
                    { key: "http.request.method", value: { stringValue: "POST" } },
                    { key: "http.response.status_code", value: { intValue: "201" } },
                    { key: "order.express", value: { boolValue: true } },
                    { key: "order.total", value: { doubleValue: 99.5 } },
                    { key: "order.items", value: { arrayValue: { values: [{ stringValue: "a" }, { stringValue: "b" }] } } },
                  ],
                  events: [{ timeUnixNano: (start + 1_000n).toString(), name: "order.validated", attributes: [{ key: "rules", value: { intValue: "4" } }] }],
                  links: [{ traceId: linkedTrace, spanId: newSpanId(), traceState: "k=v", attributes: [{ key: "link.kind", value: { stringValue: "batch" } }] }],
                  status: { code: 1 },
                },
              ],
            },
          ],
        },
      ],
    };
    const requests = () => [...frames(fixture("go/go-traces.otlp.pb")), fixture("rust/rust-traces.otlp.pb")].map((bytes) => rebase(decode(type, bytes))).concat([structuredClone(built)]);
    const expected = new Map<Enc, Map<string, Obj>>();
    for (const enc of encodings) {
      const produced = requests();
      expected.set(enc, new Map(produced.flatMap((request) => expectedSpans(request, context(enc)).map((row) => [row.SpanId as string, row]))));
      await produce(config.kafka.traces.topic, enc, "proto", produced.map((request) => encode(type, request, enc)));
    }

    for (const enc of encodings) {
      const want = expected.get(enc)!;
      const rows = await eventually(
        () =>
          braid.store.query<Obj>(
            `SELECT TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName, ScopeName, ScopeVersion,
               toString(toUnixTimestamp64Nano(Timestamp)) AS Timestamp, Duration, StatusCode, StatusMessage, SpanAttributes, ResourceAttributes,
               Events.Name, arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS EventTimes, Events.Attributes,
               Links.TraceId, Links.SpanId, Links.TraceState, Links.Attributes, SourceLanguage, Tenant, ErrorCode
             FROM {{db}}.otel_traces WHERE ResourceAttributes['kafka.header.test.encoding'] = {enc:String}`,
            { enc },
          ),
        (found) => found.length >= want.size,
        `${want.size} spans produced as ${enc}`,
      );
      expect(rows).toHaveLength(want.size);
      expect(want.size).toBeGreaterThan(30);
      for (const row of rows) expect(row).toMatchObject(want.get(row.SpanId as string)!);
    }
  });

  it("metrics of all five types (Go SDK sum, histogram, exponential histogram, gauge; a Prometheus-style summary), as OTLP/JSON by topic setting and protobuf by content-type", async () => {
    const type = types.ExportMetricsServiceRequest;
    const summary: Obj = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "payments" } }, { key: "telemetry.sdk.language", value: { stringValue: "rust" } }] },
          scopeMetrics: [
            {
              scope: { name: "otelcol/prometheusreceiver" },
              metrics: [
                {
                  name: "rpc_latency_seconds",
                  description: "RPC latency",
                  unit: "s",
                  summary: { dataPoints: [{ attributes: [{ key: "method", value: { stringValue: "charge" } }], startTimeUnixNano: (nowNs - 60_000_000_000n).toString(), timeUnixNano: nowNs.toString(), count: "1200", sum: 301.25, quantileValues: [{ quantile: 0.5, value: 0.2 }, { quantile: 0.99, value: 1.75 }] }] },
                },
              ],
            },
          ],
        },
      ],
    };
    const requests = () => [...frames(fixture("go/go-metrics.otlp.pb")).map((bytes) => rebase(decode(type, bytes))), structuredClone(summary)];
    const expected = new Map<Enc, Record<MetricTable, Map<string, Obj>>>();
    for (const enc of encodings) {
      const produced = requests();
      const points = produced.map((request) => expectedPoints(request, context(enc)));
      expected.set(enc, Object.fromEntries(metricTables.map((table) => [table, new Map(points.flatMap((p) => p[table].map((row) => [pointKey(row.MetricName, row.TimeNs, row.Attributes), row])))])) as Record<MetricTable, Map<string, Obj>>);
      await produce(config.kafka.metrics.topic, enc, "json", produced.map((request) => encode(type, request, enc)));
    }

    for (const enc of encodings) {
      for (const table of metricTables) {
        const want = expected.get(enc)![table];
        expect(want.size, `${table} points in the payloads`).toBeGreaterThan(0);
        const rows = await eventually(
          () =>
            braid.store.query<Obj>(
              `SELECT *, toString(toUnixTimestamp64Nano(toDateTime64(TimeUnix, 9))) AS TimeNs, toString(toUnixTimestamp64Nano(toDateTime64(StartTimeUnix, 9))) AS StartNs
                 ${table === "summary" ? "" : ", arrayMap(t -> toString(toUnixTimestamp64Nano(toDateTime64(t, 9))), Exemplars.TimeUnix) AS ExemplarTimes"}
               FROM {{db}}.otel_metrics_${table} WHERE ResourceAttributes['kafka.header.test.encoding'] = {enc:String}`,
              { enc },
            ),
          (found) => found.length >= want.size,
          `${want.size} ${table} points produced as ${enc}`,
        );
        expect(rows).toHaveLength(want.size);
        for (const row of rows) expect(row).toMatchObject(want.get(pointKey(row.MetricName, row.TimeNs, row.Attributes))!);
      }
    }
  });

  it("OTLP log records of the Go SDK in OTLP protobuf and OTLP/JSON", async () => {
    const type = types.ExportLogsServiceRequest;
    const expected = new Map<Enc, Map<string, Obj>>();
    for (const enc of encodings) {
      const produced = frames(fixture("go/go-logs.otlp.pb")).map((bytes) => rebase(decode(type, bytes)));
      expected.set(enc, new Map(produced.flatMap((request) => expectedLogs(request, context(enc)).map((row) => [`${row.Timestamp}|${row.Body}`, row]))));
      await produce(config.kafka.logs.topic, enc, "proto", produced.map((request) => encode(type, request, enc)));
    }
    for (const enc of encodings) {
      const want = expected.get(enc)!;
      const rows = await eventually(
        () =>
          braid.store.query<Obj>(
            `SELECT *, toString(toUnixTimestamp64Nano(Timestamp)) AS Timestamp FROM {{db}}.otel_logs
             WHERE ResourceAttributes['kafka.header.test.encoding'] = {enc:String} AND LogFormat = 'otlp'`,
            { enc },
          ),
        (found) => found.length >= want.size,
        `${want.size} log records produced as ${enc}`,
      );
      expect(rows).toHaveLength(want.size);
      expect(want.size).toBeGreaterThan(2);
      for (const row of rows) expect(row).toMatchObject(want.get(`${row.Timestamp}|${row.Body}`)!);
    }
  });

  it("raw log lines of zap, zerolog, slog and tracing-subscriber, and a plain-text line kept as its body", async () => {
    const base = nowNs - 10_000_000_000n;
    let index = 0;
    const nextTime = () => base + BigInt(index++) * 1_000_000n + 123_000n; // microsecond precision
    const rfc3339 = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString().replace(/\.\d{3}Z$/, `.${(ns % 1_000_000_000n).toString().padStart(9, "0")}Z`);
    const lines: { line: string; expect: Obj }[] = [];
    const fromFixture = (file: string, format: string, language: string, setTime: (o: Obj, ns: bigint) => void, message: (o: Obj) => string) => {
      for (const text of fixture(file).toString("utf8").split("\n").filter(Boolean)) {
        const o = JSON.parse(text) as Obj;
        const ns = nextTime();
        setTime(o, ns);
        const fields: Obj = o.fields ?? {};
        const expectedCode = o["fixture.expected_code"] ?? fields["fixture.expected_code"];
        lines.push({
          line: JSON.stringify(o),
          expect: {
            Timestamp: ns.toString(),
            Body: message(o),
            LogFormat: format,
            SourceLanguage: language,
            SeverityText: { debug: "DEBUG", info: "INFO", warn: "WARN", error: "ERROR", trace: "TRACE" }[String(o.level).toLowerCase()] ?? expect.any(String),
            TraceId: o.trace_id ?? fields.trace_id ?? "",
            ServiceName: o.service ?? fields.service ?? "unknown_service",
            Tenant: tenant,
            ResourceAttributes: { "kafka.header.tenant": tenant, "kafka.header.test.encoding": "app_log" },
            ...(expectedCode ? { ErrorCode: expectedCode } : {}),
          },
        });
      }
    };
    fromFixture("go/go-zap.jsonl", "zap", "go", (o, ns) => (o.ts = Number(`${ns / 1_000_000_000n}.${((ns % 1_000_000_000n) / 1000n).toString().padStart(6, "0")}`)), (o) => o.msg);
    fromFixture("go/go-slog.jsonl", "slog", "go", (o, ns) => (o.time = rfc3339(ns)), (o) => o.msg);
    fromFixture("rust/rust-tracing-subscriber.jsonl", "tracing-subscriber", "rust", (o, ns) => (o.timestamp = rfc3339(ns)), (o) => o.fields.message);
    // zerolog's default fields (level, time in RFC 3339 seconds, message, error), as zerolog.New(os.Stdout).With().Timestamp() writes them.
    for (const [level, message, extra] of [
      ["info", "order stored", { order_id: 42, service: "orders" }],
      ["error", "query failed", { error: "dial tcp 10.0.0.5:5432: connect: connection refused", service: "orders", trace_id: "4bf92f3577b34da6a3ce929d0e0e4736", span_id: "00f067aa0ba902b7" }],
    ] as const) {
      const seconds = nowNs / 1_000_000_000n - BigInt(lines.length);
      lines.push({
        line: JSON.stringify({ level, ...extra, time: new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z"), message }),
        expect: { Timestamp: (seconds * 1_000_000_000n).toString(), Body: message, LogFormat: "zerolog", SourceLanguage: "go", SeverityText: level.toUpperCase(), ServiceName: "orders", TraceId: "trace_id" in extra ? extra.trace_id : "", SpanId: "span_id" in extra ? extra.span_id : "", Tenant: tenant },
      });
    }
    const appLogsTopic = config.kafka.appLogs.topic;
    await producer.send({ topic: appLogsTopic, messages: lines.map(({ line }) => ({ value: Buffer.from(line), headers: { tenant, "test.encoding": "app_log" } })) });
    // A plain-text line has no time of its own: it gets its Kafka message's timestamp.
    const plainMs = Date.now() - 3_000;
    const plain = "connection pool exhausted, retrying in 5s";
    await producer.send({ topic: appLogsTopic, messages: [{ value: Buffer.from(plain), timestamp: String(plainMs), headers: { tenant, "test.encoding": "app_log" } }] });
    lines.push({ line: plain, expect: { Timestamp: (BigInt(plainMs) * 1_000_000n).toString(), Body: plain, LogFormat: "plain", Tenant: tenant, ServiceName: "unknown_service" } });

    const rows = await eventually(
      () => braid.store.query<Obj>("SELECT *, toString(toUnixTimestamp64Nano(Timestamp)) AS Timestamp FROM {{db}}.otel_logs WHERE LogFormat != 'otlp' ORDER BY Timestamp"),
      (found) => found.length >= lines.length,
      `${lines.length} raw log lines`,
    );
    expect(rows).toHaveLength(lines.length);
    const byKey = new Map(rows.map((row) => [`${row.Timestamp}|${row.Body}`, row]));
    for (const { line, expect: want } of lines) {
      const row = byKey.get(`${want.Timestamp}|${want.Body}`);
      expect(row, `stored row for ${line.slice(0, 120)}`).toBeDefined();
      expect(row).toMatchObject(want);
    }
    expect(new Set(rows.map((row) => row.LogFormat))).toEqual(new Set(["zap", "zerolog", "slog", "tracing-subscriber", "plain"]));
  });
});
