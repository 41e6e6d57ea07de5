// Fills a store with a day of a realistic system for bench/query.ts (and by hand):
//
//   tsx bench/query-load.ts --spans 10M                    # embedded chDB under .braid/bench-query/chdb
//   tsx bench/query-load.ts --spans 100M --logs 100M --path /somewhere/chdb
//   BRAID_CLICKHOUSE_URL=http://localhost:8123 tsx bench/query-load.ts --spans 10M
//
// The rows are generated inside the store by INSERT … SELECT (no client serialization): the trace
// templates of bench/query-load-model.ts go into two small tables, then each slice of the day is
// one INSERT … SELECT from numbers() joined with them (per trace: a random template, trace id,
// start time, duration scale and outcome). The rows are what ingest writes (Braid's columns and
// error columns, tenant "default") and go through the same materialized views (trace-id lookup,
// RED per 10 s); the service map's edges are computed by the correlator's own query
// (computeEdges), slice by slice, as its ticks would; a few hundred incidents over the day are
// written by the correlator's own incident code (resolved, with anomalies, timeline events,
// exemplar traces of the store). The last 90 seconds hold a fault: one service's database pool
// runs dry, so a correlator tick has a real incident to open.
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { resolvedVersion } from "../correlator/incidents.js";
import { anomalyId, incidentEvents, nextIncidentVersion, type Anomaly, type Incident, type IncidentEvent, type RootCauseCandidate } from "../correlator/index.js";
import { computeEdges, writeAnomalies, writeIncidents } from "../correlator/queries.js";
import { connectStore, migrate, type Store } from "../store/index.js";
import { seededRandom } from "./ingest-load.js";
import { faultTemplates, meanSpans, parseCount, systemModel, traceTemplates, type SystemModel, type TraceTemplate } from "./query-load-model.js";

export const TENANT = "default";
const DAY_SECONDS = 86_400;
/**
 * The fault: the last 90 seconds (after a normal baseline of more than the detector's 10 minutes),
 * three requests in ten go through the failing database.
 */
const FAULT_SECONDS = 90;
const FAULT_PER_MILLE = 300;
/** Requests that fail (2%), on their template's error path. */
const ERRORS_PER_10K = 200;
/** Spans per INSERT … SELECT at most (memory of the edge computation, the views' blocks). */
const SPANS_PER_SLICE = 1_500_000;

export interface LoadOptions {
  spans: number;
  logs: number;
  seed: number;
  templates: number;
  incidents: number;
  /** The end of the day loaded (Unix ms). */
  nowMs: number;
  log?: (line: string) => void;
}

/** What a load wrote (kept in braid_bench_load, so a benchmark can reuse the store). */
export interface LoadRecord {
  spans: number;
  logs: number;
  traces: number;
  seed: number;
  nowMs: number;
  faultService: string;
  faultCode: string;
  incidents: number;
  seconds: { templates: number; spans: number; logs: number; edges: number; incidents: number; total: number };
  /** Requested sizes (the key a benchmark compares with). */
  requested: { spans: number; logs: number };
}

const templateSpanTable = `CREATE TABLE IF NOT EXISTS {{db}}.braid_bench_template_spans (
  Template UInt32, SpanIndex UInt16, Parent Int16, ServiceName LowCardinality(String), SourceLanguage LowCardinality(String),
  ResourceAttributes Map(LowCardinality(String), String), ScopeName String, ScopeVersion String, SpanName String, SpanKind LowCardinality(String),
  OffsetNs UInt64, DurationNs UInt64, Attributes Map(LowCardinality(String), String),
  InChain Bool, SkipWhenFailed Bool, ErrDurationNs UInt64, ErrStatusMessage String, ErrAttributes Map(LowCardinality(String), String),
  ErrEventAttributes Map(LowCardinality(String), String), ErrorCode LowCardinality(String), ErrorRetryable Bool, ErrorFingerprint String, ErrorMessage String
) ENGINE = MergeTree ORDER BY (Template, SpanIndex)`;

const templateLogTable = `CREATE TABLE IF NOT EXISTS {{db}}.braid_bench_template_logs (
  Template UInt32, SpanIndex UInt16, Line UInt16, When UInt8, OffsetNs UInt64, DurationNs UInt64, At Float64,
  ServiceName LowCardinality(String), SourceLanguage LowCardinality(String), LogFormat LowCardinality(String), ResourceAttributes Map(LowCardinality(String), String),
  ScopeName String, SeverityText LowCardinality(String), SeverityNumber UInt8, Body String, LogAttributes Map(LowCardinality(String), String),
  ErrorCode LowCardinality(String), ErrorRetryable Bool, ErrorFingerprint String, ErrorMessage String
) ENGINE = MergeTree ORDER BY (Template, SpanIndex, Line)`;

const loadTable = `CREATE TABLE IF NOT EXISTS {{db}}.braid_bench_load (LoadedAt DateTime DEFAULT now(), Record String) ENGINE = MergeTree ORDER BY LoadedAt`;

/** The load recorded in the store, if any. */
export async function recordedLoad(store: Store): Promise<LoadRecord | undefined> {
  const [exists] = await store.query<{ n: string }>(`SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name = 'braid_bench_load'`, { db: store.database });
  if (Number(exists?.n ?? 0) === 0) return undefined;
  const [row] = await store.query<{ Record: string }>(`SELECT Record FROM {{db}}.braid_bench_load ORDER BY LoadedAt DESC LIMIT 1`);
  return row ? (JSON.parse(row.Record) as LoadRecord) : undefined;
}

/** The per-trace columns of one slice: hash, trace id, start, duration scale, outcome, template. */
const tracesOfSlice = `
  SELECT H, TraceId, StartNs, Scale, Failed, if(Faulty, {normal:UInt32} + sipHash64(H, 3) % {faultCount:UInt32}, H % {normal:UInt32}) AS Template
  FROM (
    SELECT sipHash64({seed:UInt64}, number + {first:UInt64}) AS H,
           lower(hex(sipHash128({seed:UInt64}, number + {first:UInt64}))) AS TraceId,
           {fromNs:Int64} + toInt64(sipHash64(H, 1) % {sliceNs:UInt64}) AS StartNs,
           0.6 + 3.0 * pow((sipHash64(H, 2) % 10000) / 10000.0, 4) AS Scale,
           {faultTemplates:UInt32} > 0 AND StartNs >= {faultFromNs:Int64} AND sipHash64(H, 4) % 1000 < {faultPerMille:UInt32} AS Faulty,
           Faulty OR sipHash64(H, 5) % 10000 < {errorsPer10k:UInt32} AS Failed
    FROM numbers({count:UInt64})
  )`;

const spanId = (index: string) => `lower(hex(reinterpretAsFixedString(sipHash64(t.H, toUInt16(${index})))))`;
/** A pod of the service's deployment per trace (three replicas), as the k8s resource detector names it. */
const podName = (table: string) => `concat(${table}.ServiceName, '-6f9c7d8b4-', ['x2k9p', 'q7m4z', 'w8n3r'][1 + cityHash64(t.H, ${table}.ServiceName) % 3])`;

const insertSpans = `
INSERT INTO {{db}}.otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName, ResourceAttributes, ScopeName, ScopeVersion,
  SpanAttributes, Duration, StatusCode, StatusMessage, \`Events.Timestamp\`, \`Events.Name\`, \`Events.Attributes\`, \`Links.TraceId\`, \`Links.SpanId\`, \`Links.TraceState\`, \`Links.Attributes\`,
  ErrorCode, ErrorRetryable, ErrorFingerprint, ErrorMessage, SourceLanguage, Tenant)
SELECT
  fromUnixTimestamp64Nano(t.StartNs + toInt64(s.OffsetNs * t.Scale)) AS Timestamp,
  t.TraceId,
  ${spanId("s.SpanIndex")},
  if(s.Parent < 0, '', ${spanId("s.Parent")}),
  '',
  s.SpanName, s.SpanKind, s.ServiceName,
  mapUpdate(s.ResourceAttributes, map('k8s.pod.name', ${podName("s")}, 'service.instance.id', ${podName("s")}, 'host.name', ${podName("s")})),
  s.ScopeName, s.ScopeVersion,
  if(t.Failed AND s.InChain, s.ErrAttributes, s.Attributes),
  toUInt64(if(t.Failed AND s.InChain AND s.ErrDurationNs > 0, s.ErrDurationNs, s.DurationNs) * t.Scale) AS Dur,
  if(t.Failed AND s.InChain, 'Error', 'Unset'),
  if(t.Failed AND s.InChain, s.ErrStatusMessage, ''),
  if(t.Failed AND s.InChain AND length(s.ErrEventAttributes) > 0, [fromUnixTimestamp64Nano(t.StartNs + toInt64(s.OffsetNs * t.Scale) + toInt64(Dur) - 1000)], []),
  if(t.Failed AND s.InChain AND length(s.ErrEventAttributes) > 0, ['exception'], []),
  if(t.Failed AND s.InChain AND length(s.ErrEventAttributes) > 0, [s.ErrEventAttributes], []),
  [], [], [], [],
  if(t.Failed AND s.InChain, s.ErrorCode, ''),
  t.Failed AND s.InChain AND s.ErrorRetryable,
  if(t.Failed AND s.InChain, s.ErrorFingerprint, ''),
  if(t.Failed AND s.InChain, s.ErrorMessage, ''),
  s.SourceLanguage,
  {tenant:String}
FROM (${tracesOfSlice}) AS t
INNER JOIN {{db}}.braid_bench_template_spans AS s ON s.Template = t.Template
WHERE NOT (t.Failed AND s.SkipWhenFailed)`;

const insertLogs = `
INSERT INTO {{db}}.otel_logs (Timestamp, TraceId, SpanId, TraceFlags, SeverityText, SeverityNumber, ServiceName, Body, ResourceSchemaUrl, ResourceAttributes,
  ScopeSchemaUrl, ScopeName, ScopeVersion, ScopeAttributes, LogAttributes, EventName, ErrorCode, ErrorRetryable, ErrorFingerprint, ErrorMessage, SourceLanguage, LogFormat, Tenant)
SELECT
  fromUnixTimestamp64Nano(t.StartNs + toInt64((l.OffsetNs + l.At * l.DurationNs) * t.Scale)),
  t.TraceId,
  ${spanId("l.SpanIndex")},
  1,
  l.SeverityText, l.SeverityNumber, l.ServiceName,
  replaceOne(l.Body, '{n}', toString(sipHash64(t.H, l.Line) % 100000)),
  '',
  mapUpdate(l.ResourceAttributes, map('k8s.pod.name', ${podName("l")}, 'service.instance.id', ${podName("l")}, 'host.name', ${podName("l")})),
  '', l.ScopeName, '', map(),
  mapApply((k, v) -> (k, replaceOne(v, '{n}', toString(sipHash64(t.H, l.Line, 1) % 1000))), l.LogAttributes),
  '',
  l.ErrorCode, l.ErrorRetryable, l.ErrorFingerprint, l.ErrorMessage,
  l.SourceLanguage, l.LogFormat, {tenant:String}
FROM (${tracesOfSlice}) AS t
INNER JOIN {{db}}.braid_bench_template_logs AS l ON l.Template = t.Template
WHERE l.When = 0 OR l.When = if(t.Failed, 2, 1)`;

function spanRows(system: SystemModel, templates: readonly TraceTemplate[]): object[] {
  return templates.flatMap((template) =>
    template.spans.map((span) => {
      const service = system.services[span.service]!;
      return {
        Template: template.id, SpanIndex: span.index, Parent: span.parent, ServiceName: service.name, SourceLanguage: service.language,
        ResourceAttributes: service.resource, ScopeName: service.scopeName, ScopeVersion: service.scopeVersion, SpanName: span.spanName, SpanKind: span.kind,
        OffsetNs: span.offsetNs, DurationNs: span.durationNs, Attributes: span.attributes,
        InChain: span.error !== undefined, SkipWhenFailed: span.skipWhenFailed ?? false, ErrDurationNs: span.error?.durationNs ?? 0,
        ErrStatusMessage: span.error?.statusMessage ?? "", ErrAttributes: span.error?.attributes ?? {}, ErrEventAttributes: span.error?.exception ?? {},
        ErrorCode: span.error?.columns.ErrorCode ?? "", ErrorRetryable: span.error?.columns.ErrorRetryable ?? false,
        ErrorFingerprint: span.error?.columns.ErrorFingerprint ?? "", ErrorMessage: span.error?.columns.ErrorMessage ?? "",
      };
    }),
  );
}

function logRows(system: SystemModel, templates: readonly TraceTemplate[]): object[] {
  return templates.flatMap((template) =>
    template.logs.map((log, line) => {
      const span = template.spans[log.span]!;
      const service = system.services[span.service]!;
      return {
        Template: template.id, SpanIndex: span.index, Line: line, When: log.when, OffsetNs: span.offsetNs, DurationNs: span.durationNs, At: log.at,
        ServiceName: service.name, SourceLanguage: service.language, LogFormat: service.logFormat, ResourceAttributes: service.resource,
        ScopeName: service.language === "go" ? `${service.name}/internal/server` : `${service.name.replaceAll("-", "_")}::handlers`,
        SeverityText: log.severityText, SeverityNumber: log.severityNumber, Body: log.body, LogAttributes: log.attributes, ...log.columns,
      };
    }),
  );
}

async function insertInBatches(store: Store, table: string, rows: readonly object[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 20_000) await store.insert(table, rows.slice(i, i + 20_000));
}

/** The service whose database fails in the fault: the tier-2 service with a SQL database that most templates reach. */
function faultServiceOf(system: SystemModel, templates: readonly TraceTemplate[]): number {
  let best = -1;
  let bestCount = -1;
  for (const service of system.services) {
    if (service.tier !== 2 || !service.datastores.some((d) => d.system !== "redis")) continue;
    const count = templates.filter((t) => t.spans.some((s) => s.service === service.index && s.kind === "Client" && s.attributes["db.system"] !== undefined && s.attributes["db.system"] !== "redis")).length;
    if (count > bestCount) [best, bestCount] = [service.index, count];
  }
  return best;
}

/** Writes a day of the system into the store (which must be migrated and hold no other load). */
export async function loadSystem(store: Store, options: LoadOptions): Promise<LoadRecord> {
  const log = options.log ?? (() => {});
  const started = performance.now();
  const lap = () => (performance.now() - started) / 1000;
  const system = systemModel(options.seed);
  const normal = traceTemplates(system, { templates: options.templates, logsPerSpan: options.logs / options.spans, seed: options.seed + 4 });
  const faultService = faultServiceOf(system, normal);
  const fault = faultTemplates(system, normal, faultService, { templates: options.templates, logsPerSpan: options.logs / options.spans, seed: options.seed + 4 });
  await store.exec(`DROP TABLE IF EXISTS {{db}}.braid_bench_template_spans`);
  await store.exec(`DROP TABLE IF EXISTS {{db}}.braid_bench_template_logs`);
  await store.exec(templateSpanTable);
  await store.exec(templateLogTable);
  await insertInBatches(store, "braid_bench_template_spans", spanRows(system, [...normal, ...fault]));
  await insertInBatches(store, "braid_bench_template_logs", logRows(system, [...normal, ...fault]));
  const templatesSeconds = lap();
  log(`${system.services.length} services, ${system.operations} operations, ${normal.length} trace templates (${meanSpans(normal).toFixed(1)} spans on average) + ${fault.length} of the fault at ${system.services[faultService]!.name}'s database (${templatesSeconds.toFixed(1)} s)`);

  const endNs = BigInt(options.nowMs) * 1_000_000n - 5_000_000_000n;
  const startNs = endNs - BigInt(DAY_SECONDS) * 1_000_000_000n;
  const faultFromNs = endNs - BigInt(FAULT_SECONDS) * 1_000_000_000n;
  const traces = Math.round(options.spans / meanSpans(normal));
  const slices = Math.max(24, Math.ceil(options.spans / SPANS_PER_SLICE));
  const sliceNs = (endNs - startNs) / BigInt(slices);
  const sliceParams = (i: number) => {
    const first = Math.floor((traces * i) / slices);
    const next = Math.floor((traces * (i + 1)) / slices);
    return {
      seed: options.seed, first, count: next - first, fromNs: (startNs + sliceNs * BigInt(i)).toString(), sliceNs: sliceNs.toString(),
      normal: normal.length, faultCount: Math.max(fault.length, 1), faultTemplates: fault.length, faultFromNs: faultFromNs.toString(),
      faultPerMille: FAULT_PER_MILLE, errorsPer10k: ERRORS_PER_10K, tenant: TENANT,
    };
  };
  const sliceSeconds = (i: number) => Number((startNs + sliceNs * BigInt(i)) / 1_000_000_000n);

  let spansSeconds = 0;
  let logsSeconds = 0;
  let edgesSeconds = 0;
  const timed = async (work: () => Promise<void>) => {
    const t0 = performance.now();
    await work();
    return (performance.now() - t0) / 1000;
  };
  for (let i = 0; i < slices; i++) {
    spansSeconds += await timed(() => store.exec(insertSpans, sliceParams(i)));
    if (options.logs > 0) logsSeconds += await timed(() => store.exec(insertLogs, sliceParams(i)));
    // A slice's edges once the next slice is in (a call's answer may start in it).
    if (i > 0) edgesSeconds += await timed(() => computeEdges(store, sliceSeconds(i - 1), sliceSeconds(i)));
    if (i % Math.max(1, Math.floor(slices / 8)) === 0 || i === slices - 1) log(`slice ${i + 1}/${slices}: spans ${spansSeconds.toFixed(0)} s, logs ${logsSeconds.toFixed(0)} s, edges ${edgesSeconds.toFixed(0)} s`);
  }
  edgesSeconds += await timed(() => computeEdges(store, sliceSeconds(slices - 1), sliceSeconds(slices) + 60));

  const [counts] = await store.query<{ Spans: string; Logs: string; Traces: string }>(
    `SELECT (SELECT count() FROM {{db}}.otel_traces) AS Spans, (SELECT count() FROM {{db}}.otel_logs) AS Logs, (SELECT count() FROM {{db}}.otel_traces_trace_id_ts) AS Traces`,
  );
  const incidentsStarted = performance.now();
  const incidents = await writeDayOfIncidents(store, system, options, Number(startNs / 1_000_000_000n), Number(faultFromNs / 1_000_000_000n) - 1800);
  const incidentsSeconds = (performance.now() - incidentsStarted) / 1000;
  await store.exec(`DROP TABLE IF EXISTS {{db}}.braid_bench_template_spans`);
  await store.exec(`DROP TABLE IF EXISTS {{db}}.braid_bench_template_logs`);

  const record: LoadRecord = {
    spans: Number(counts?.Spans ?? 0), logs: Number(counts?.Logs ?? 0), traces, seed: options.seed, nowMs: options.nowMs,
    faultService: system.services[faultService]!.name, faultCode: fault[0]?.errorCode ?? "", incidents,
    seconds: { templates: templatesSeconds, spans: spansSeconds, logs: logsSeconds, edges: edgesSeconds, incidents: incidentsSeconds, total: lap() },
    requested: { spans: options.spans, logs: options.logs },
  };
  await store.exec(loadTable);
  await store.insert("braid_bench_load", [{ Record: JSON.stringify(record) }]);
  log(`loaded ${record.spans.toLocaleString("en")} spans, ${record.logs.toLocaleString("en")} log records, ${incidents} incidents in ${record.seconds.total.toFixed(0)} s`);
  return record;
}

/**
 * Incidents over the day as the correlator writes them: each opened on 1–3 anomalies (the
 * failing node's error rate, its callers' and its database's), updated once, resolved after
 * 5–60 minutes; exemplar traces are failed traces of the store from the incident's minutes.
 */
async function writeDayOfIncidents(store: Store, system: SystemModel, options: LoadOptions, from: number, to: number): Promise<number> {
  const random = seededRandom(options.seed + 99);
  const slots = new Map(
    (await store.query<{ Slot: number; Traces: string[] }>(
      `SELECT intDiv(toUInt32(toDateTime(Timestamp)), 300) * 300 AS Slot, groupArray(3)(TraceId) AS Traces FROM {{db}}.otel_traces
       WHERE StatusCode = 'Error' AND ParentSpanId = '' AND Tenant = {tenant:String} GROUP BY Slot`,
      { tenant: TENANT },
    )).map((row) => [Number(row.Slot), row.Traces]),
  );
  const deep = system.services.filter((s) => s.tier >= 2);
  const codes = ["RESOURCE_EXHAUSTED.POOL_TIMEOUT", "UNAVAILABLE.CONNECTION_REFUSED", "DEADLINE_EXCEEDED.DB_STATEMENT_TIMEOUT", "UNAUTHENTICATED.TLS_CERT_EXPIRED", "INTERNAL.PANIC", "UNAVAILABLE.DNS"];
  const anomalies: Anomaly[] = [];
  const incidents: Incident[] = [];
  const events: IncidentEvent[] = [];
  let version = options.nowMs * 1000;
  for (let i = 0; i < options.incidents; i++) {
    const service = deep[Math.floor(random() * deep.length)]!;
    const caller = system.services.find((s) => s.callees.includes(service.index));
    const code = codes[Math.floor(random() * codes.length)]!;
    const onset = from + Math.floor(random() * (to - from - 3600));
    const lasts = 300 + Math.floor(random() * 3300);
    const op = service.operations[Math.floor(random() * 10)]!.serverName;
    const anomaly = (node: string, nodeType: Anomaly["nodeType"], operation: string, kind: Anomaly["kind"], at: number): Anomaly => {
      const calls = 200 + Math.floor(random() * 2000);
      const errors = kind === "error_rate" ? Math.floor(calls * (0.1 + random() * 0.5)) : 0;
      return {
        tenant: TENANT, node, nodeType, operation, kind, anomalyId: anomalyId({ tenant: TENANT, node, nodeType, operation }, kind, at),
        onsetAt: at, detectedAt: at + 40, lastSeenAt: onset + lasts, score: 6 + random() * 20,
        observed: kind === "error_rate" ? errors / calls : 300 + random() * 2000, baseline: kind === "error_rate" ? 0.01 : 40 + random() * 80, baselineSpread: kind === "error_rate" ? 0.005 : 10,
        calls, errors, errorCodes: errors ? { [code]: errors } : {}, anomalousBuckets: 3, version: ++version,
      };
    };
    const first = [anomaly(service.name, "service", op, "error_rate", onset)];
    if (random() < 0.6 && caller) first.push(anomaly(caller.name, "service", caller.operations[0]!.serverName, "latency", onset + 10));
    const later = service.datastores[0] && random() < 0.5 ? [anomaly(`${service.datastores[0].host}:${service.datastores[0].port}`, "database", service.datastores[0].operations[0]!.spanName, "latency", onset + 20)] : [];
    const exemplars = [...(slots.get(Math.floor(onset / 300) * 300) ?? []), ...(slots.get(Math.floor(onset / 300) * 300 + 300) ?? [])].slice(0, 5);
    const rootCauses: RootCauseCandidate[] = [service.name, caller?.name, service.datastores[0]?.host].filter((n): n is string => !!n).map((node, rank) => ({
      node, nodeType: rank === 2 ? "database" : "service", score: Math.round((0.9 - rank * 0.3) * 1000) / 1000,
      reason: rank === 0 ? `${Math.round(60 + random() * 35)}% of the failing requests start with ${code} at ${node}, and it failed first` : `on the failing path of ${Math.round(10 + random() * 30)}% of the error traces`,
      errorCode: rank === 0 ? code : "", boundary: rank === 0 ? "own" : undefined,
      evidence: { originErrors: rank === 0 ? 400 : 5, originShare: rank === 0 ? 0.9 : 0.02, errorTraceShare: 0.95 - rank * 0.3, selfTimeMs: 12 + rank, baselineSelfTimeMs: 8, earliestOnset: rank === 0, anomalyKinds: rank === 0 ? ["error_rate"] : ["latency"] },
    }));
    const sampleLogs = exemplars.slice(0, 3).map((traceId, k) => ({ timestamp: new Date((onset + 5 + k) * 1000).toISOString(), serviceName: service.name, severityText: "ERROR", body: "query failed", traceId, errorCode: code }));
    const facts = (group: Anomaly[]) => ({
      anomalies: group, rootCauses, exemplarTraceIds: exemplars, sampleLogs,
      causes: [{ node: service.name, nodeType: "service" as const, errorCode: code, errorTraces: 300, share: 1, rootCauses, exemplarTraceIds: exemplars.slice(0, 3) }],
    });
    const opened = nextIncidentVersion(undefined, first, facts(first), onset + 40, ++version);
    const all = [...first, ...later];
    const updated = nextIncidentVersion(opened, later.length ? later : first, facts(all), onset + 100, ++version);
    const resolved = resolvedVersion(updated, onset + lasts, ++version);
    anomalies.push(...all);
    incidents.push(opened, updated, resolved);
    events.push(...incidentEvents(undefined, opened, first), ...incidentEvents(opened, updated, all), ...incidentEvents(updated, resolved, []));
  }
  await writeAnomalies(store, anomalies);
  // Each version its own insert, as the correlator writes them tick by tick (one part per tick).
  for (let i = 0; i < incidents.length; i += 30) await writeIncidents(store, incidents.slice(i, i + 30), events.filter((e) => incidents.slice(i, i + 30).some((x) => x.incidentId === e.incidentId)));
  return options.incidents;
}

export interface LoaderArgs {
  spans: number;
  logs: number;
  path: string;
  database: string;
  clickhouseUrl?: string;
  seed: number;
  templates: number;
  incidents: number;
}

export const loaderOptions = {
  spans: { type: "string", default: "10M" },
  /** Log records; the same count as spans by default. */
  logs: { type: "string" },
  /** chDB data directory (embedded store). */
  path: { type: "string", default: ".braid/bench-query/chdb" },
  database: { type: "string", default: "braid_bench" },
  /** A ClickHouse server instead of embedded chDB (BRAID_CLICKHOUSE_URL by default). */
  "clickhouse-url": { type: "string", default: process.env.BRAID_CLICKHOUSE_URL },
  seed: { type: "string", default: "7" },
  templates: { type: "string", default: "4000" },
  incidents: { type: "string", default: "300" },
} as const;

export function loaderArgs(values: Record<string, string | boolean | undefined>): LoaderArgs {
  const spans = parseCount(String(values.spans ?? "10M"));
  return {
    spans, logs: values.logs === undefined ? spans : parseCount(String(values.logs)), path: String(values.path), database: String(values.database),
    clickhouseUrl: values["clickhouse-url"] ? String(values["clickhouse-url"]) : undefined,
    seed: Number(values.seed), templates: Number(values.templates), incidents: Number(values.incidents),
  };
}

export function openBenchStore(args: LoaderArgs): Store {
  return connectStore({ clickhouseUrl: args.clickhouseUrl, clickhouseUser: process.env.BRAID_CLICKHOUSE_USER, clickhousePassword: process.env.BRAID_CLICKHOUSE_PASSWORD, database: args.database, chdbDataDir: args.path });
}

/** Empties the database (a new load) and migrates it. */
export async function freshDatabase(store: Store): Promise<void> {
  await store.exec(`DROP DATABASE IF EXISTS {{db}} SYNC`);
  await migrate(store);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({ options: loaderOptions });
  const args = loaderArgs(values);
  const store = openBenchStore(args);
  await freshDatabase(store);
  await loadSystem(store, { ...args, nowMs: Date.now(), log: (line) => process.stderr.write(`[load] ${line}\n`) });
  await store.close();
}
