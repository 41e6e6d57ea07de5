// The real OpenTelemetry Collector in front of Braid, as users run it: telemetrygen → Collector
// (otlp receiver → batch → kafka exporter, built by set-up from deploy/otelcol/) → Kafka → Braid's
// ingest (bin/braid.ts, its defaults but for isolated topics and database) → embedded chDB.
//
// One Collector process runs one pipeline set per case (its own OTLP receiver, kafka exporter and
// topics); the cases cover every compression with every signal, both encodings, the partitioning
// options and the header options. The same pipelines also export over OTLP/HTTP to this test: that
// copy of what the Collector received is what Braid's store is compared with, row by row and
// column by column. Counts are checked at every hop: what telemetrygen was told to send, what the
// Collector's exporters report sent (its own otelcol_exporter_sent_* metrics), the records on each
// topic, and the rows Braid stored. Two Braid processes read the topics, one per encoding, each
// configured as a user would for that exporter (a topic pattern and its encoding).
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTopics, registerCompressionCodecs } from "../../ingest/index.js";
import { otlpTypes } from "../../schemas/otlp/index.js";
import type { Encoding } from "../../schemas/config.js";
import { freePortOr } from "../../scripts/lib/ports.js";
import { collectorTelemetry, requireCollectorBuild, runTelemetrygen, startCollector, sumSamples, writeCollectorConfig, type CollectorProcess } from "../../scripts/lib/otelcol.js";
import { eventually, isolatedConfig, kafkaBrokers, requireServices, tempDir, uniqueSuffix } from "../support/env.js";
import { attributeMap, expectedLogs, expectedPoints, expectedSpans, hexId, metricTables, type MessageContext, type MetricTable } from "../support/otlp-expected.js";
import { braidEnv, endOffsets, metricValue, repoRoot, spawnBraid, sumOffsets, withChdb, type BraidChild } from "./ingest-support.js";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- decoded OTLP objects and rows
type Signal = "traces" | "logs" | "metrics";
const signals: Signal[] = ["traces", "logs", "metrics"];
type Compression = "none" | "gzip" | "snappy" | "lz4" | "zstd";
const metricTypes = ["Gauge", "Sum", "Histogram", "ExponentialHistogram"] as const;

interface InteropCase {
  compression: Compression;
  encoding: Extract<Encoding, "otlp_proto" | "otlp_json">;
  /** What the case turns on, for the report. */
  summary: string;
  /** kafka exporter settings beyond brokers, topics, encoding and compression. */
  exporter: Obj;
  /** OTLP request metadata telemetrygen sends (for include_metadata_keys). */
  requestHeaders?: Record<string, string>;
  /** The Kafka headers each record of a signal must carry. */
  headers(signal: Signal): Record<string, string>;
  /** Braid's Tenant column for the case (tenancy.header "tenant", else "default"). */
  tenant: string;
  /** Extra telemetrygen flags per signal. */
  flags?: Partial<Record<Signal, string[]>>;
  /** Glossary code every log record of the case must get. */
  logErrorCode?: string;
}

const logTraceId = "5b8efff798038103d269b633813fc60c";
const logSpanId = "eee19b7ec3c1b174";

const cases: InteropCase[] = [
  {
    compression: "none",
    encoding: "otlp_proto",
    summary: "partition_traces_by_id, partition_logs_by_resource_attributes, record_headers (tenant)",
    exporter: { partition_traces_by_id: true, partition_logs_by_resource_attributes: true, record_headers: [{ name: "tenant", value: "acme-none" }, { name: "source", value: "otelcol" }] },
    headers: () => ({ tenant: "acme-none", source: "otelcol" }),
    tenant: "acme-none",
  },
  {
    compression: "gzip",
    encoding: "otlp_json",
    summary: "partition_logs_by_trace_id, partition_metrics_by_resource_attributes, signal_header, required_acks all, linger 50ms; no tenant header",
    exporter: { partition_logs_by_trace_id: true, partition_metrics_by_resource_attributes: true, signal_header: true, producer: { required_acks: "all", linger: "50ms" } },
    headers: (signal) => ({ "otelcol.signal": signal }),
    tenant: "default",
    flags: { logs: ["--trace-id", logTraceId, "--span-id", logSpanId] },
  },
  {
    compression: "snappy",
    encoding: "otlp_proto",
    summary: "partition_traces_by_id, partition_logs_by_resource_attributes, record_headers (tenant), spans with status Error",
    exporter: { partition_traces_by_id: true, partition_logs_by_resource_attributes: true, record_headers: [{ name: "tenant", value: "acme-snappy" }] },
    headers: () => ({ tenant: "acme-snappy" }),
    tenant: "acme-snappy",
    flags: { traces: ["--status-code", "Error"] },
  },
  {
    compression: "lz4",
    encoding: "otlp_json",
    summary: "partition_traces_by_id, record_headers (tenant), max_message_bytes, metric exemplars, spans with status Ok",
    exporter: { partition_traces_by_id: true, record_headers: [{ name: "tenant", value: "acme-lz4" }], producer: { max_message_bytes: 900_000 } },
    headers: () => ({ tenant: "acme-lz4" }),
    tenant: "acme-lz4",
    flags: { traces: ["--status-code", "Ok"], metrics: ["--trace-id", logTraceId, "--span-id", logSpanId] },
  },
  {
    compression: "zstd",
    encoding: "otlp_proto",
    summary: "include_metadata_keys (tenant from the OTLP request's metadata), partition_metrics_by_resource_attributes, error logs",
    exporter: { include_metadata_keys: ["tenant"], partition_metrics_by_resource_attributes: true },
    requestHeaders: { tenant: "acme-zstd" },
    headers: () => ({ tenant: "acme-zstd" }),
    tenant: "acme-zstd",
    flags: { logs: ["--severity-number", "17", "--severity-text", "Error", "--body", "dial tcp 10.0.0.5:5432: connect: connection refused"] },
    logErrorCode: "UNAVAILABLE.CONNECTION_REFUSED",
  },
];

// What telemetrygen is told to send, per case.
const tracesPerCase = 40;
const childSpans = 2;
const logsPerCase = 120;
const hosts = ["node-a", "node-b"] as const;
const pointsPerMetricType = 60;
const summaryFixture = JSON.parse(readFileSync(path.join(repoRoot, "test/fixtures/collector/summary-metrics.otlp.json"), "utf8")) as Obj;
const summaryPoints = (summaryFixture.resourceMetrics as Obj[]).flatMap((rm) => rm.scopeMetrics.flatMap((sm: Obj) => sm.metrics.flatMap((m: Obj) => m.summary?.dataPoints ?? []))).length;
const expectedCounts = { traces: tracesPerCase * (1 + childSpans), logs: logsPerCase, metrics: pointsPerMetricType * metricTypes.length + summaryPoints };

const suffix = uniqueSuffix();
const topicOf = (c: InteropCase, signal: Signal) => `interop_${suffix}_${c.compression}_${signal}`;
const serviceOf = (c: InteropCase) => `interop-${c.compression}`;
const sentMetric: Record<Signal, string> = { traces: "otelcol_exporter_sent_spans", logs: "otelcol_exporter_sent_log_records", metrics: "otelcol_exporter_sent_metric_points" };
const failedMetric: Record<Signal, string> = { traces: "otelcol_exporter_send_failed_spans", logs: "otelcol_exporter_send_failed_log_records", metrics: "otelcol_exporter_send_failed_metric_points" };

// ---------- the OTLP/HTTP copy: what the Collector received ----------

interface Sink {
  port: number;
  /** Decoded requests by "<compression>/<signal>". */
  requests: Map<string, Obj[]>;
  close(): Promise<void>;
}

async function startSink(): Promise<Sink> {
  const types = otlpTypes();
  const typeOf: Record<string, { type: typeof types.ExportTraceServiceRequest; signal: Signal }> = {
    "v1/traces": { type: types.ExportTraceServiceRequest, signal: "traces" },
    "v1/logs": { type: types.ExportLogsServiceRequest, signal: "logs" },
    "v1/metrics": { type: types.ExportMetricsServiceRequest, signal: "metrics" },
  };
  const requests = new Map<string, Obj[]>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const match = /^\/(\w+)\/(v1\/\w+)$/.exec(req.url ?? "");
      const route = match && typeOf[match[2]!];
      if (!route) return void res.writeHead(404).end();
      const { type, signal } = route;
      const key = `${match[1]}/${signal}`;
      requests.set(key, [...(requests.get(key) ?? []), type.toObject(type.decode(Buffer.concat(chunks)), { longs: String, enums: Number })]);
      res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return { port: typeof address === "object" && address ? address.port : 0, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

// ---------- the Collector's configuration ----------

interface Ports {
  grpc: number;
  http: number;
}

function collectorConfig(ports: Map<Compression, Ports>, sinkPort: number, metricsPort: number): Obj {
  const receivers: Obj = {};
  const processors: Obj = { batch: {} };
  const exporters: Obj = {};
  const pipelines: Obj = {};
  for (const c of cases) {
    const { grpc, http } = ports.get(c.compression)!;
    const includeMetadata = c.requestHeaders ? { include_metadata: true } : {};
    receivers[`otlp/${c.compression}`] = { protocols: { grpc: { endpoint: `127.0.0.1:${grpc}`, ...includeMetadata }, http: { endpoint: `127.0.0.1:${http}`, ...includeMetadata } } };
    let batch = "batch";
    if (c.requestHeaders) {
      // Batching drops request metadata unless the batch is keyed by it.
      batch = `batch/${c.compression}`;
      processors[batch] = { metadata_keys: Object.keys(c.requestHeaders) };
    }
    const { producer, ...options } = c.exporter;
    exporters[`kafka/${c.compression}`] = {
      brokers: kafkaBrokers.split(","),
      client_id: `braid-interop-${c.compression}`,
      ...Object.fromEntries(signals.map((signal) => [signal, { topic: topicOf(c, signal), encoding: c.encoding }])),
      producer: { compression: c.compression, allow_auto_topic_creation: false, ...producer },
      ...options,
    };
    exporters[`otlp_http/${c.compression}`] = { endpoint: `http://127.0.0.1:${sinkPort}/${c.compression}`, compression: "none", encoding: "proto" };
    for (const signal of signals) pipelines[`${signal}/${c.compression}`] = { receivers: [`otlp/${c.compression}`], processors: [batch], exporters: [`kafka/${c.compression}`, `otlp_http/${c.compression}`] };
  }
  return { receivers, processors, exporters, service: { telemetry: collectorTelemetry(metricsPort), pipelines } };
}

/**
 * telemetrygen runs of a case: traces; logs in two runs and metrics one run per type, from two
 * hosts (resources), so that the partition_*_by_resource_attributes options have two keys to tell apart.
 */
function telemetrygenRuns(c: InteropCase, grpcPort: number): string[][] {
  const common = (signal: Signal, host: string) => [
    "--otlp-endpoint", `127.0.0.1:${grpcPort}`, "--otlp-insecure", "--rate", "0", "--service", serviceOf(c),
    "--otlp-attributes", `deployment.environment.name="interop"`, "--otlp-attributes", `host.name="${host}"`, "--telemetry-attributes", `interop.case="${c.compression}"`,
    ...Object.entries(c.requestHeaders ?? {}).flatMap(([name, value]) => ["--otlp-header", `${name}="${value}"`]),
    ...(c.flags?.[signal] ?? []),
  ];
  return [
    ["traces", ...common("traces", hosts[0]), "--traces", String(tracesPerCase), "--child-spans", String(childSpans), "--span-links", "1"],
    ...hosts.map((host) => ["logs", ...common("logs", host), "--logs", String(logsPerCase / hosts.length)]),
    ...metricTypes.map((type, i) => ["metrics", ...common("metrics", hosts[i % hosts.length]!), "--metrics", String(pointsPerMetricType), "--metric-type", type]),
  ];
}

/** The summary fixture (telemetrygen makes no summaries), its times moved to now, as OTLP/JSON to the case's OTLP/HTTP receiver. */
async function sendSummaries(c: InteropCase, httpPort: number): Promise<void> {
  const request = structuredClone(summaryFixture);
  const latest = 1764600120000000000n;
  const delta = BigInt(Date.now()) * 1_000_000n - latest;
  for (const rm of request.resourceMetrics as Obj[]) {
    for (const attribute of rm.resource.attributes as Obj[]) if (attribute.key === "service.name") attribute.value.stringValue = serviceOf(c);
    for (const point of rm.scopeMetrics.flatMap((sm: Obj) => sm.metrics.flatMap((m: Obj) => m.summary.dataPoints)) as Obj[]) {
      point.startTimeUnixNano = (BigInt(point.startTimeUnixNano) + delta).toString();
      point.timeUnixNano = (BigInt(point.timeUnixNano) + delta).toString();
    }
  }
  const response = await fetch(`http://127.0.0.1:${httpPort}/v1/metrics`, { method: "POST", headers: { "content-type": "application/json", ...c.requestHeaders }, body: JSON.stringify(request) });
  if (!response.ok) throw new Error(`the Collector's OTLP/HTTP receiver answered ${response.status}: ${await response.text()}`);
}

/** `count` distinct free ports on 127.0.0.1. */
async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePortOr(0));
  return [...ports];
}

async function inParallel<T>(items: T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: limit }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await run(item);
  }));
}

/** The record key the case's partition_* options make the exporter write. */
function keyKind(c: InteropCase, signal: Signal): "trace id" | "resource hash" | "none" {
  const option = (name: string) => c.exporter[name] === true;
  if (signal === "traces") return option("partition_traces_by_id") ? "trace id" : "none";
  if (signal === "logs") return option("partition_logs_by_trace_id") ? "trace id" : option("partition_logs_by_resource_attributes") ? "resource hash" : "none";
  return option("partition_metrics_by_resource_attributes") ? "resource hash" : "none";
}

/** The resources (attribute sets) and trace ids in one Kafka record, decoded here from either encoding. */
function recordContents(encoding: InteropCase["encoding"], signal: Signal, value: Buffer): { resources: Set<string>; traceIds: Set<string> } {
  const types = otlpTypes();
  const type = { traces: types.ExportTraceServiceRequest, logs: types.ExportLogsServiceRequest, metrics: types.ExportMetricsServiceRequest }[signal];
  const request: Obj = encoding === "otlp_json" ? JSON.parse(value.toString("utf8")) : type.toObject(type.decode(value), { longs: String });
  const [resourceList, scopeList, itemList] = { traces: ["resourceSpans", "scopeSpans", "spans"], logs: ["resourceLogs", "scopeLogs", "logRecords"], metrics: ["resourceMetrics", "scopeMetrics", "metrics"] }[signal];
  const resources = new Set<string>();
  const traceIds = new Set<string>();
  for (const resource of request[resourceList!] ?? []) {
    resources.add(sortedEntries(attributeMap(resource.resource?.attributes)));
    for (const scope of resource[scopeList!] ?? []) for (const item of scope[itemList!] ?? []) if (item.traceId !== undefined) traceIds.add(typeof item.traceId === "string" ? item.traceId : hexId(item.traceId));
  }
  return { resources, traceIds };
}

// ---------- what Braid stored ----------

interface StoredCase {
  traces: Obj[];
  logs: Obj[];
  metrics: Record<MetricTable, Obj[]>;
}

async function readStore(store: { query<T>(sql: string, params?: Record<string, unknown>): Promise<T[]> }, service: string): Promise<StoredCase> {
  const params = { service };
  const traces = await store.query<Obj>(
    `SELECT TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName, ScopeName, ScopeVersion,
       toString(toUnixTimestamp64Nano(Timestamp)) AS Timestamp, toString(Duration) AS Duration, StatusCode, StatusMessage, SpanAttributes, ResourceAttributes,
       Events.Name, arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS EventTimes, Events.Attributes,
       Links.TraceId, Links.SpanId, Links.TraceState, Links.Attributes, SourceLanguage, Tenant, ErrorCode
     FROM {{db}}.otel_traces WHERE ServiceName = {service:String}`,
    params,
  );
  const logs = await store.query<Obj>(
    `SELECT * EXCEPT (Timestamp), toString(toUnixTimestamp64Nano(Timestamp)) AS Timestamp FROM {{db}}.otel_logs WHERE ServiceName = {service:String}`,
    params,
  );
  const metrics = {} as Record<MetricTable, Obj[]>;
  for (const table of metricTables) {
    metrics[table] = await store.query<Obj>(
      `SELECT *, toString(toUnixTimestamp64Nano(toDateTime64(TimeUnix, 9))) AS TimeNs, toString(toUnixTimestamp64Nano(toDateTime64(StartTimeUnix, 9))) AS StartNs
         ${table === "summary" ? "" : ", arrayMap(t -> toString(toUnixTimestamp64Nano(toDateTime64(t, 9))), Exemplars.TimeUnix) AS ExemplarTimes"}
       FROM {{db}}.otel_metrics_${table} WHERE ServiceName = {service:String}`,
      params,
    );
  }
  return { traces, logs, metrics };
}

const sortedEntries = (map: Record<string, string> | undefined) => JSON.stringify(Object.entries(map ?? {}).sort());
const keyOf = {
  traces: (row: Obj) => row.SpanId as string,
  logs: (row: Obj) => `${row.Timestamp}|${row.TraceId}|${row.SpanId}|${row.Body}|${sortedEntries(row.LogAttributes)}`,
  metrics: (row: Obj) => `${row.MetricName}|${row.TimeNs}|${sortedEntries(row.Attributes)}`,
};

/** Every stored row matches one expected row (by key, then every expected column), and the counts are equal: nothing lost, nothing twice. */
function expectSameRows(label: string, stored: Obj[], expected: Obj[], key: (row: Obj) => string): void {
  expect(stored.length, `${label}: rows stored vs items the Collector received`).toBe(expected.length);
  const byKey = new Map<string, Obj[]>();
  for (const row of expected) byKey.set(key(row), [...(byKey.get(key(row)) ?? []), row]);
  for (const row of stored) {
    const candidates = byKey.get(key(row));
    expect(candidates?.length ?? 0, `${label}: a received item for the stored row ${key(row)}`).toBeGreaterThan(0);
    // Several items can share a key (metric points of one series in the same second: the store
    // keeps metric times to the second); the row must match one of them.
    const check = (want: Obj) => {
      expect(row, `${label}: stored row ${key(row)}`).toMatchObject(want);
      // toMatchObject lets a map hold more keys than expected: attribute maps must be equal.
      for (const [column, value] of Object.entries(want)) if (value && typeof value === "object" && !Array.isArray(value)) expect(row[column], `${label}: ${column} of ${key(row)}`).toEqual(value);
    };
    const matching = candidates!.findIndex((candidate) => {
      try {
        check(candidate);
        return true;
      } catch {
        return false;
      }
    });
    check(candidates!.splice(Math.max(matching, 0), 1)[0]!);
  }
}

// ---------- the run ----------

describe("the real OpenTelemetry Collector in front of Braid", () => {
  const storage = tempDir("interop");
  const kafka = new Kafka({ clientId: "collector-interop-test", brokers: kafkaBrokers.split(","), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  let sink: Sink;
  let collector: CollectorProcess | undefined;
  const braids = new Map<Encoding, { child: BraidChild; apiAddress: string; dir: string; database: string; topics: string[] }>();
  /** Per case: the Collector's counts, the records per topic, and Braid's consumption. */
  const hops = new Map<Compression, Record<Signal, { sent: number; failed: number; records: number; consumed: number; deadLettered: number }>>();
  const stored = new Map<Compression, StoredCase>();
  const recordKeys = new Map<string, { key: string | null; value: Buffer }[]>();

  beforeAll(async () => {
    await requireServices();
    requireCollectorBuild();
    await admin.connect();
    const topics = cases.flatMap((c) => signals.map((signal) => topicOf(c, signal)));
    // Three partitions, so the partition_* options decide where records go.
    await ensureTopics(kafka, topics, 3, 1);

    sink = await startSink();
    const free = await freePorts(2 * cases.length + 1);
    const ports = new Map<Compression, Ports>(cases.map((c, i) => [c.compression, { grpc: free[2 * i]!, http: free[2 * i + 1]! }]));
    const metricsPort = free.at(-1)!;
    const configFile = path.join(storage.dir, "otelcol.yaml");
    await writeCollectorConfig(configFile, collectorConfig(ports, sink.port, metricsPort));
    collector = await startCollector(configFile, metricsPort);

    // One Braid per encoding, each reading its cases' topics through one pattern per signal.
    for (const encoding of ["otlp_proto", "otlp_json"] as const) {
      const mine = cases.filter((c) => c.encoding === encoding).map((c) => c.compression);
      if (mine.length === 0) continue;
      const pattern = (signal: Signal) => `^interop_${suffix}_(${mine.join("|")})_${signal}$`;
      const dir = path.join(storage.dir, `braid-${encoding}`);
      const config = isolatedConfig(`${suffix}_${encoding}`, dir, {
        roles: ["ingest", "api"],
        kafka: { traces: { topic: pattern("traces"), encoding }, logs: { topic: pattern("logs"), encoding }, metrics: { topic: pattern("metrics"), encoding } },
      });
      const child = spawnBraid(braidEnv(config));
      braids.set(encoding, { child, apiAddress: "", dir, database: config.store.database, topics: topics.filter((topic) => mine.some((m) => topic.startsWith(`interop_${suffix}_${m}_`))) });
    }
    for (const braid of braids.values()) {
      const listening = await braid.child.waitForLog((record) => record.msg === "api listening", "Braid's API", 90_000);
      braid.apiAddress = listening.address as string;
      await braid.child.waitForLog((record) => record.msg === "joined consumer group", "Braid joining its consumer group", 90_000);
    }

    // Send: telemetrygen for traces, logs and each metric type; the summary fixture by hand.
    const runs = cases.flatMap((c) => telemetrygenRuns(c, ports.get(c.compression)!.grpc));
    await inParallel(runs, 3, (args) => runTelemetrygen(args));
    for (const c of cases) await sendSummaries(c, ports.get(c.compression)!.http);

    // The Collector has exported everything once its kafka exporters count every item as sent
    // (the OTLP/HTTP copy likewise) or as failed.
    const page = await eventually(
      () => collector!.metrics(),
      (text) =>
        cases.every((c) =>
          signals.every((signal) =>
            ["kafka", "otlp_http"].every((kind) => {
              const exporter = `${kind}/${c.compression}`;
              return sumSamples(text, sentMetric[signal], { exporter }) + sumSamples(text, failedMetric[signal], { exporter }) >= expectedCounts[signal];
            }),
          ),
        ),
      "the Collector's exporters to account for every item",
      90_000,
    );
    const records = new Map<string, number>();
    for (const topic of topics) records.set(topic, Number(sumOffsets(await endOffsets(admin, topic))));

    // Braid has consumed a topic when it has handled (stored or dead-lettered) every record on it.
    // Bounded: a topic Braid cannot read is reported by its case below, not here.
    const consumed = async () => {
      const out = new Map<string, { consumed: number; deadLettered: number }>();
      for (const braid of braids.values()) {
        for (const topic of braid.topics) {
          out.set(topic, { consumed: await metricValue(braid.apiAddress, "braid_ingest_messages_total", { topic }), deadLettered: await metricValue(braid.apiAddress, "braid_ingest_dead_letters_total", { topic }) });
        }
      }
      return out;
    };
    const handled = await eventually(consumed, (now) => topics.every((topic) => now.get(topic)!.consumed >= records.get(topic)!), "Braid to handle every record", 120_000).catch(() => consumed());
    for (const c of cases) {
      hops.set(
        c.compression,
        Object.fromEntries(
          signals.map((signal) => {
            const exporter = `kafka/${c.compression}`;
            const topic = topicOf(c, signal);
            return [signal, { sent: sumSamples(page, sentMetric[signal], { exporter }), failed: sumSamples(page, failedMetric[signal], { exporter }), records: records.get(topic)!, ...handled.get(topic)! }];
          }),
        ) as Record<Signal, { sent: number; failed: number; records: number; consumed: number; deadLettered: number }>,
      );
    }

    // Every record, with its key, read and decoded here too (Braid's codecs, registered in kafkajs).
    registerCompressionCodecs();
    const reader = kafka.consumer({ groupId: `interop_keys_${suffix}` });
    await reader.connect();
    await reader.subscribe({ topics, fromBeginning: true });
    let read = 0;
    const wanted = topics.reduce((n, topic) => n + records.get(topic)!, 0);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${read} of ${wanted} keyed records`)), 60_000);
      void reader.run({
        eachMessage: async ({ topic, message }) => {
          recordKeys.set(topic, [...(recordKeys.get(topic) ?? []), { key: message.key ? message.key.toString("latin1") : null, value: message.value! }]);
          if (++read >= wanted) (clearTimeout(timer), resolve());
        },
      });
    });
    await reader.disconnect();

    // Stop Braid (SIGTERM: a clean shutdown), then read each store.
    for (const braid of braids.values()) {
      braid.child.child.kill("SIGTERM");
      const { code } = await braid.child.exited;
      if (code !== 0) throw new Error(`braid exited with code ${code}:\n${braid.child.lines.slice(-20).join("\n")}`);
    }
    for (const [encoding, braid] of braids) {
      await withChdb(braid.dir, braid.database, async (store) => {
        for (const c of cases.filter((c) => c.encoding === encoding)) stored.set(c.compression, await readStore(store, serviceOf(c)));
      });
    }
    // The matrix as run, for the log (the assertions follow, per case).
    console.log(
      cases
        .flatMap((c) =>
          signals.map((signal) => {
            const hop = hops.get(c.compression)![signal];
            const rows = stored.get(c.compression)![signal];
            const storedRows = Array.isArray(rows) ? rows.length : Object.values(rows).reduce((n, list) => n + list.length, 0);
            return `${c.compression.padEnd(6)} ${c.encoding.padEnd(10)} ${signal.padEnd(7)} sent by the Collector ${String(hop.sent).padStart(5)}  records ${String(hop.records).padStart(4)}  handled by Braid ${String(hop.consumed).padStart(4)}  dead-lettered ${hop.deadLettered}  rows stored ${String(storedRows).padStart(5)}`;
          }),
        )
        .join("\n"),
    );
  }, 420_000);

  afterAll(async () => {
    for (const braid of braids.values()) if (braid.child.child.exitCode === null) braid.child.child.kill("SIGKILL");
    await collector?.stop();
    await sink?.close();
    const topics = cases.flatMap((c) => signals.map((signal) => topicOf(c, signal)));
    await admin.deleteTopics({ topics }).catch(() => {});
    await admin.disconnect();
    storage.cleanup();
  });

  const received = (c: InteropCase, signal: Signal) => sink.requests.get(`${c.compression}/${signal}`) ?? [];
  const context = (c: InteropCase, signal: Signal): MessageContext => ({ headers: c.headers(signal), tenant: c.tenant });

  /** Every hop counted the same items: telemetrygen's, the Collector's exporters, the records Braid handled, none dead-lettered. */
  function expectHops(c: InteropCase, signal: Signal, items: number): void {
    const hop = hops.get(c.compression)![signal];
    expect(hop.failed, `${c.compression} ${signal}: items the Collector failed to export`).toBe(0);
    expect(hop.sent, `${c.compression} ${signal}: items the Collector's kafka exporter sent`).toBe(expectedCounts[signal]);
    expect(items, `${c.compression} ${signal}: items in the Collector's OTLP/HTTP copy`).toBe(expectedCounts[signal]);
    expect(hop.deadLettered, `${c.compression} ${signal}: records Braid dead-lettered`).toBe(0);
    expect(hop.consumed, `${c.compression} ${signal}: records Braid handled of the ${hop.records} on the topic`).toBe(hop.records);
  }

  describe.each(cases)("$compression, $encoding", (c) => {
    it(`traces: ${expectedCounts.traces} spans, every one stored once with its ids, names, times, attributes, links and status`, () => {
      const expected = received(c, "traces").flatMap((request) => expectedSpans(request, context(c, "traces")));
      expectHops(c, "traces", expected.length);
      expectSameRows(`${c.compression} traces`, stored.get(c.compression)!.traces, expected, keyOf.traces);
      // telemetrygen's shape survived the trip: parent and children, links, its attributes.
      const spans = stored.get(c.compression)!.traces;
      expect(spans.filter((span) => span.SpanName === "lets-go")).toHaveLength(tracesPerCase);
      expect(new Set(spans.map((span) => span.TraceId)).size).toBe(tracesPerCase);
      expect(spans.every((span) => span.SpanAttributes["interop.case"] === c.compression && span.ResourceAttributes["deployment.environment.name"] === "interop")).toBe(true);
      // --span-links 1: each span links to one earlier span of the run (the first has none before it).
      expect(spans.filter((span) => span["Links.TraceId"].length === 1).length).toBeGreaterThanOrEqual(spans.length - 1);
    });

    it(`logs: ${expectedCounts.logs} records, every one stored once with body, severity, ids and attributes`, () => {
      const expected = received(c, "logs").flatMap((request) => expectedLogs(request, context(c, "logs")));
      expectHops(c, "logs", expected.length);
      const logs = stored.get(c.compression)!.logs;
      expectSameRows(`${c.compression} logs`, logs, expected, keyOf.logs);
      if (c.flags?.logs?.includes("--trace-id")) expect(logs.every((log) => log.TraceId === logTraceId && log.SpanId === logSpanId)).toBe(true);
      if (c.logErrorCode) expect(logs.every((log) => log.ErrorCode === c.logErrorCode && log.SeverityText === "ERROR")).toBe(true);
    });

    it(`metrics: ${pointsPerMetricType} points of each of ${metricTypes.join(", ")} and ${summaryPoints} summary points, every one stored once`, () => {
      const receivedPoints = received(c, "metrics").map((request) => expectedPoints(request, context(c, "metrics")));
      const total = receivedPoints.reduce((n, points) => n + metricTables.reduce((m, table) => m + points[table].length, 0), 0);
      expectHops(c, "metrics", total);
      for (const table of metricTables) {
        const expected = receivedPoints.flatMap((points) => points[table]);
        expect(expected.length, `${table} points received`).toBe(table === "summary" ? summaryPoints : pointsPerMetricType);
        expectSameRows(`${c.compression} ${table}`, stored.get(c.compression)!.metrics[table], expected, keyOf.metrics);
      }
      // telemetrygen's gauges have no start time (start_time_unix_nano = 0, which OTLP allows): stored as 0.
      expect(stored.get(c.compression)!.metrics.gauge.every((point) => point.StartNs === "0")).toBe(true);
      if (c.flags?.metrics?.includes("--trace-id")) {
        const points = [...stored.get(c.compression)!.metrics.sum, ...stored.get(c.compression)!.metrics.histogram];
        expect(points.length).toBeGreaterThan(0);
        expect(points.every((p) => p["Exemplars.TraceId"].includes(logTraceId))).toBe(true);
      }
    });

    it(`record keys: traces ${keyKind(c, "traces")}, logs ${keyKind(c, "logs")}, metrics ${keyKind(c, "metrics")}`, () => {
      for (const signal of signals) {
        const kind = keyKind(c, signal);
        const list = recordKeys.get(topicOf(c, signal)) ?? [];
        expect(list.length, `${signal} records`).toBe(hops.get(c.compression)![signal].records);
        const resourceByKey = new Map<string | null, Set<string>>();
        for (const { key, value } of list) {
          const { resources, traceIds } = recordContents(c.encoding, signal, value);
          if (kind === "none") expect(key).toBeNull();
          if (kind === "trace id") {
            expect(key).toMatch(/^[0-9a-f]{32}$/);
            expect([...traceIds], "every item of a record keyed by trace id has that trace id").toEqual([key]);
          }
          if (kind === "resource hash") {
            expect(key?.length, "a 16-byte hash of the resource attributes").toBe(16);
            expect(resources.size, "one resource per record keyed by resource").toBe(1);
            resourceByKey.set(key, new Set([...(resourceByKey.get(key) ?? []), ...resources]));
          }
        }
        if (kind === "resource hash") {
          // One key per resource and one resource per key (two hosts sent, plus the summary fixture's own resource for metrics).
          const resources = new Set([...resourceByKey.values()].flatMap((set) => [...set]));
          expect(resources.size, `${signal}: resources`).toBeGreaterThanOrEqual(hosts.length);
          expect(resourceByKey.size, `${signal}: distinct keys`).toBe(resources.size);
        }
      }
    });
  });
});
