// On-call queries at scale (not a test): fills a store with a day of a realistic system
// (bench/query-load.ts; reused when the store already holds a load of the asked size), starts
// Braid's API on it (the real Fastify server, API keys on, a read key of the default tenant), and
// times every query an on-call engineer or Grafana sends, through HTTP, after warm-ups:
//
//   npm run bench:query                              # 10M spans, 10M log records
//   npm run bench:query -- --spans 100M              # logs the same count unless --logs
//   npm run bench:query -- --runs 30 --reload        # more runs; load again even if the store has it
//   npm run bench:query -- --correlator-only         # only the correlator ticks
//   npm run bench:query -- --correlator-only --log-slow 100   # and each tick's statements of 100 ms or more
//   npm run bench:query -- --correlator-only --correlator-shift 70   # ticks 70 s later: the incident refreshes
//   BRAID_CLICKHOUSE_URL=http://localhost:8123 npm run bench:query
//
// Each figure is printed beside floors measured in the same run (an API round trip that runs
// SELECT 1, a full scan of the table the query reads) as ratios, with the issue's targets at 100M
// beside them; the machine's load average is printed too. Then the correlator: one detection +
// correlation tick (correlator/processors.ts, called directly on the store) at the end of the
// day, a few ticks 10 s apart over the loaded fault. Results also go to bench/results/ as JSON.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { trace } from "@opentelemetry/api";
import { buildApi, generateKey } from "../api/index.js";
import { runCorrelation, runDetection } from "../correlator/index.js";
import { createLogger } from "../runtime/logger.js";
import { createMetricsRegistry } from "../runtime/metrics.js";
import { ApiSettings, CorrelatorSettings } from "../schemas/config.js";
import { migrate, type Store } from "../store/index.js";
import { freshDatabase, loadSystem, loaderArgs, loaderOptions, openBenchStore, recordedLoad, TENANT, type LoadRecord } from "./query-load.js";
import { percentile } from "./query-load-model.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    ...loaderOptions,
    runs: { type: "string", default: "20" },
    warmups: { type: "string", default: "3" },
    /** Loads again even when the store holds a load of the asked size. */
    reload: { type: "boolean", default: false },
    "correlator-ticks": { type: "string", default: "5" },
    "no-correlator": { type: "boolean", default: false },
    "correlator-only": { type: "boolean", default: false },
    /** Ticks this many seconds after the load's end: on a store whose incident is up to date, a shift past its refresh interval makes the ticks refresh it. */
    "correlator-shift": { type: "string", default: "0" },
    /** Logs every statement of the correlator ticks that takes at least this many ms (where a tick's time goes). */
    "log-slow": { type: "string" },
    /** Only the queries whose names contain one of these words (comma-separated). */
    only: { type: "string" },
  },
});
const args = loaderArgs(values);
const runs = Number(values.runs);
const warmups = Number(values.warmups);
const log = (line: string) => process.stderr.write(`[bench:query] ${line}\n`);
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(", ");

/** The issue's targets, at 100M spans / 100M log records. */
interface Target {
  quantile: "p50" | "p95";
  ms: number;
}

interface Case {
  name: string;
  /** Which floor its scan ratio is against. */
  table: "spans" | "logs";
  target?: Target;
  /** Runs the query once (the i-th run); returns the rows (or items) it answered. */
  run: (i: number) => Promise<number>;
}

interface Figure {
  name: string;
  p50: number;
  p95: number;
  max: number;
  rows: number;
  target?: Target;
  table: "spans" | "logs";
  error?: string;
}

async function timeCase(c: { name: string; run: (i: number) => Promise<number> }, times = runs, warm = warmups): Promise<{ samples: number[]; rows: number }> {
  for (let i = 0; i < warm; i++) await c.run(i);
  const samples: number[] = [];
  let rows = 0;
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    rows = await c.run(warm + i);
    samples.push(performance.now() - started);
  }
  return { samples, rows };
}

/** Grafana's SQL (test/fixtures/grafana), with its macros expanded as the plugin's backend does. */
function grafanaSql(name: string, database: string, from: number, to: number, traceId = ""): string {
  const text = readFileSync(path.join(repoRoot, "test/fixtures/grafana", `${name}.sql`), "utf8");
  const sql = text.split("\n").filter((line) => !line.startsWith("--")).join("\n").trim();
  return sql
    .replaceAll("$__fromTime", `toDateTime(${from})`)
    .replaceAll("$__toTime", `toDateTime(${to})`)
    .replaceAll("${__value.raw}", traceId)
    .replaceAll("__TRACE_ID__", traceId)
    .replaceAll('"otel".', `"${database}".`);
}

async function main(): Promise<void> {
  const store = openBenchStore(args);
  await migrate(store);
  let record: LoadRecord | undefined = await recordedLoad(store);
  if (!record || values.reload || record.requested.spans !== args.spans || record.requested.logs !== args.logs) {
    log(`loading ${args.spans.toLocaleString("en")} spans and ${args.logs.toLocaleString("en")} log records into ${args.clickhouseUrl ?? args.path} (database ${args.database}; load average ${load()})`);
    await freshDatabase(store);
    record = await loadSystem(store, { ...args, nowMs: Date.now(), log });
  } else {
    log(`reusing the load of ${new Date(record.nowMs).toISOString()} in ${args.clickhouseUrl ?? args.path}: ${record.spans.toLocaleString("en")} spans, ${record.logs.toLocaleString("en")} log records (loaded in ${record.seconds.total.toFixed(0)} s)`);
  }
  const now = Math.floor(record.nowMs / 1000);
  const [parts] = await store.query<{ Spans: string; Logs: string; SpansBytes: string; LogsBytes: string }>(
    `SELECT countIf(table = 'otel_traces') AS Spans, countIf(table = 'otel_logs') AS Logs,
            sumIf(bytes_on_disk, table = 'otel_traces') AS SpansBytes, sumIf(bytes_on_disk, table = 'otel_logs') AS LogsBytes
     FROM system.parts WHERE database = {db:String} AND active`,
    { db: store.database },
  );
  const figures: Figure[] = [];
  let floors: { api: number; spansScan: number; logsScan: number } | undefined;
  if (!values["correlator-only"]) {
    const measured = await queries(store, record, now);
    figures.push(...measured.figures);
    floors = measured.floors;
  }
  const ticks = values["no-correlator"] ? undefined : await correlatorTicks(values["log-slow"] ? loggingSlowStatements(store, Number(values["log-slow"])) : store, record);
  await store.close();

  const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
  const lines = [
    "",
    `bench:query — ${record.spans.toLocaleString("en")} spans, ${record.logs.toLocaleString("en")} log records, ${record.traces.toLocaleString("en")} traces, ${record.incidents} incidents over 24 h (${store.driver}; ${parts?.Spans} + ${parts?.Logs} active parts, ${(Number(parts?.SpansBytes ?? 0) / 2 ** 20).toFixed(0)} + ${(Number(parts?.LogsBytes ?? 0) / 2 ** 20).toFixed(0)} MiB on disk)`,
    `load took ${record.seconds.total.toFixed(0)} s (spans ${record.seconds.spans.toFixed(0)} s, logs ${record.seconds.logs.toFixed(0)} s, edges ${record.seconds.edges.toFixed(0)} s); ${runs} runs after ${warmups} warm-ups; ${os.cpus().length} cores, load average ${load()}`,
  ];
  if (floors) {
    lines.push(
      `floors: API round trip with SELECT 1 (GET /healthz) p50 ${fmt(floors.api)} ms; full scan of otel_traces (sum(length(TraceId))) ${fmt(floors.spansScan)} ms; of otel_logs Body (no match) ${fmt(floors.logsScan)} ms`,
      "",
      "| query | p50 ms | p95 ms | p50 / API floor | p50 / table scan | rows | target at 100M |",
      "|---|---|---|---|---|---|---|",
      ...figures.map((f) => {
        const scan = f.table === "spans" ? floors!.spansScan : floors!.logsScan;
        const target = f.target ? `${f.target.quantile} < ${f.target.ms} ms${f.error ? "" : (f.target.quantile === "p95" ? f.p95 : f.p50) < f.target.ms ? " (met here)" : " (missed here)"}` : "";
        return f.error
          ? `| ${f.name} | failed: ${f.error} | | | | | ${target} |`
          : `| ${f.name} | ${fmt(f.p50)} | ${fmt(f.p95)} | ${(f.p50 / floors!.api).toFixed(1)} | ${(f.p50 / scan).toFixed(2)} (${f.table}) | ${f.rows} | ${target} |`;
      }),
    );
  }
  if (ticks) {
    lines.push(
      "",
      `correlator (100 services × 10 operations, the day's RED series, edges and the loaded fault at ${record.faultService}): ${ticks.ticks.length} ticks 10 s apart at the day's end`,
      "| tick | detect s | correlate s | total s | anomalies | incidents written |",
      "|---|---|---|---|---|---|",
      ...ticks.ticks.map((t, i) => `| ${i + 1} | ${t.detect.toFixed(2)} | ${t.correlate.toFixed(2)} | ${(t.detect + t.correlate).toFixed(2)} | ${t.anomalies} | ${t.incidents} |`),
      `tick p50 ${ticks.p50.toFixed(2)} s, max ${ticks.max.toFixed(2)} s (target < 2 s per tick${ticks.p50 < 2 ? ", met here" : ", missed here"})`,
    );
  }
  console.log(lines.join("\n"));
  mkdirSync(path.join(repoRoot, "bench/results"), { recursive: true });
  writeFileSync(
    path.join(repoRoot, "bench/results", `query-${new Date().toISOString().replaceAll(":", "-")}.json`),
    JSON.stringify({ record, parts, floors, figures, correlator: ticks, runs, warmups, loadAverage: os.loadavg(), driver: store.driver }, null, 2),
  );
}

async function queries(store: Store, record: LoadRecord, now: number): Promise<{ figures: Figure[]; floors: { api: number; spansScan: number; logsScan: number } }> {
  const bootstrapKey = generateKey().key;
  const app = await buildApi({
    deps: { store, logger: createLogger("warn") },
    tracer: trace.getTracer("bench-query"),
    registry: createMetricsRegistry(),
    health: [{ name: "store", check: () => store.ping() }],
    // Production settings but the rate limit: the benchmark is one client sending hundreds of requests.
    settings: ApiSettings.parse({ port: 0, rateLimitPerMinute: 1_000_000, auth: { bootstrapKey } }),
  });
  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  try {
    const created = await fetch(`${address}/api/v1/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${bootstrapKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "bench-query", tenant: TENANT, scopes: ["read"] }),
    });
    if (created.status !== 201) throw new Error(`creating the read key: ${created.status} ${await created.text()}`);
    const key = ((await created.json()) as { Key: string }).Key;
    const get = async (url: string, count: (body: any) => number): Promise<number> => {
      const response = await fetch(`${address}${url}`, { headers: { authorization: `Bearer ${key}` } });
      const body = await response.json();
      if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
      return count(body);
    };

    const hour = { from: (now - 3600) * 1000, to: now * 1000 };
    const day = { from: (now - 86_400) * 1000, to: now * 1000 };
    const range = (r: { from: number; to: number }) => `from=${r.from}&to=${r.to}`;
    const traceIds = (await store.query<{ TraceId: string }>(`SELECT TraceId FROM {{db}}.otel_traces_trace_id_ts ORDER BY cityHash64(TraceId) LIMIT 64`)).map((r) => r.TraceId);
    const incidentIds = (await store.query<{ IncidentId: string }>(`SELECT IncidentId FROM {{db}}.braid_incidents FINAL WHERE Tenant = {tenant:String} ORDER BY cityHash64(IncidentId) LIMIT 64`, { tenant: TENANT })).map((r) => r.IncidentId);
    const services = (await store.query<{ ServiceName: string }>(`SELECT DISTINCT Node AS ServiceName FROM {{db}}.braid_red_10s WHERE NodeType = 'service' ORDER BY cityHash64(Node)`)).map((r) => r.ServiceName);
    const pick = <T>(list: readonly T[], i: number) => list[i % list.length]!;
    // Distinct texts (case varies too: the search is case-insensitive) so that no run repeats another's filter.
    const frequentTexts = ["query failed", "request failed", "upstream call failed", "giving up after 2 retries"].flatMap((t) => [t, t.toUpperCase(), t[0]!.toUpperCase() + t.slice(1), t.split(" ").slice(0, 2).join(" "), t.split(" ").slice(-2).join(" ")]);
    const grafana = (name: string, from: number, to: number, traceId = "") => grafanaSql(name, store.database, from, to, traceId);

    const cases: Case[] = [
      { name: "trace by id", table: "spans", target: { quantile: "p95", ms: 100 }, run: (i) => get(`/api/v1/traces/${pick(traceIds, i)}`, (b) => b.Spans?.length ?? 0) },
      { name: "incident detail", table: "spans", target: { quantile: "p95", ms: 300 }, run: (i) => get(`/api/v1/incidents/${pick(incidentIds, i)}`, (b) => b.Timeline?.length ?? 0) },
      { name: "incident list (24 h)", table: "spans", run: () => get(`/api/v1/incidents?${range(day)}`, (b) => b.Incidents.length) },
      { name: "services with RED (1 h)", table: "spans", target: { quantile: "p95", ms: 500 }, run: () => get(`/api/v1/services?${range(hour)}`, (b) => b.Services.length) },
      { name: "services with RED (24 h)", table: "spans", run: () => get(`/api/v1/services?${range(day)}`, (b) => b.Services.length) },
      { name: "service map (1 h)", table: "spans", target: { quantile: "p95", ms: 500 }, run: () => get(`/api/v1/service-map?${range(hour)}`, (b) => b.Nodes.length + b.Edges.length) },
      { name: "service map (24 h)", table: "spans", run: () => get(`/api/v1/service-map?${range(day)}`, (b) => b.Nodes.length + b.Edges.length) },
      { name: "logs by service + severity (1 h)", table: "logs", run: (i) => get(`/api/v1/logs?${range(hour)}&service=${pick(services, i)}&severity=warn`, (b) => b.Logs.length) },
      { name: "logs by service + severity (24 h)", table: "logs", run: (i) => get(`/api/v1/logs?${range(day)}&service=${pick(services, i)}&severity=warn`, (b) => b.Logs.length) },
      // Text searches: a frequent phrase (error lines, a few per thousand) and a rare one (a cache key, a few lines a day),
      // each run its own text: ClickHouse's query condition cache would answer a repeated filter from memory.
      { name: "log text search, frequent (1 h)", table: "logs", run: (i) => get(`/api/v1/logs?${range(hour)}&q=${encodeURIComponent(pick(frequentTexts, i))}`, (b) => b.Logs.length) },
      { name: "log text search, frequent (24 h)", table: "logs", target: { quantile: "p95", ms: 2000 }, run: (i) => get(`/api/v1/logs?${range(day)}&q=${encodeURIComponent(pick(frequentTexts, i))}`, (b) => b.Logs.length) },
      { name: "log text search, rare (24 h)", table: "logs", target: { quantile: "p95", ms: 2000 }, run: (i) => get(`/api/v1/logs?${range(day)}&q=${encodeURIComponent(`cache hit for key ${10_007 + i * 7919}`)}`, (b) => b.Logs.length) },
      { name: "errors by glossary code (24 h)", table: "spans", run: () => get(`/api/v1/errors?${range(day)}`, (b) => b.Errors?.length ?? b.Groups?.length ?? 0) },
      { name: "Grafana trace search (1 h)", table: "spans", run: async () => (await store.query(grafana("trace-search", now - 3600, now))).length },
      { name: "Grafana trace by id", table: "spans", run: async (i) => (await store.query(grafana("trace-by-id", now - 3600, now, pick(traceIds, i)))).length },
      { name: "Grafana log search (1 h)", table: "logs", run: async () => (await store.query(grafana("log-search", now - 3600, now))).length },
      { name: "Grafana log search (24 h)", table: "logs", run: async () => (await store.query(grafana("log-search", now - 86_400, now))).length },
    ];
    const only = values.only?.split(",").map((w) => w.trim()).filter(Boolean);
    const selected = only ? cases.filter((c) => only.some((w) => c.name.includes(w))) : cases;

    const api = await timeCase({ name: "floor", run: () => get("/healthz", () => 1) });
    const spansScan = await timeCase({ name: "spans scan", run: async () => (await store.query(`SELECT sum(length(TraceId)) AS n FROM {{db}}.otel_traces SETTINGS use_query_condition_cache = 0`)).length }, 5, 1);
    const logsScan = await timeCase({ name: "logs scan", run: async () => (await store.query(`SELECT count() AS n FROM {{db}}.otel_logs WHERE positionCaseInsensitiveUTF8(Body, 'zq no such text') > 0 SETTINGS use_query_condition_cache = 0`)).length }, 5, 1);
    const floors = { api: percentile(api.samples, 50), spansScan: percentile(spansScan.samples, 50), logsScan: percentile(logsScan.samples, 50) };
    log(`floors: API ${floors.api.toFixed(2)} ms, spans scan ${floors.spansScan.toFixed(0)} ms, logs scan ${floors.logsScan.toFixed(0)} ms (load average ${load()})`);

    const figures: Figure[] = [];
    for (const c of selected) {
      try {
        const { samples, rows } = await timeCase(c);
        figures.push({ name: c.name, table: c.table, target: c.target, rows, p50: percentile(samples, 50), p95: percentile(samples, 95), max: Math.max(...samples) });
        log(`${c.name}: p50 ${percentile(samples, 50).toFixed(1)} ms, p95 ${percentile(samples, 95).toFixed(1)} ms, ${rows} rows`);
      } catch (err) {
        figures.push({ name: c.name, table: c.table, target: c.target, rows: 0, p50: Number.NaN, p95: Number.NaN, max: Number.NaN, error: (err as Error).message.split("\n")[0]!.slice(0, 200) });
        log(`${c.name}: failed: ${(err as Error).message}`);
      }
    }
    return { figures, floors };
  } finally {
    await app.close();
  }
}

interface Tick {
  detect: number;
  correlate: number;
  anomalies: number;
  incidents: number;
}

/** The store, logging each query or exec that takes at least `ms` (its first words and its time). */
function loggingSlowStatements(store: Store, ms: number): Store {
  const timed =
    <A extends unknown[], R>(run: (sql: string, ...rest: A) => Promise<R>) =>
    async (sql: string, ...rest: A): Promise<R> => {
      const t0 = performance.now();
      try {
        return await run(sql, ...rest);
      } finally {
        const took = performance.now() - t0;
        if (took >= ms) log(`  ${took.toFixed(0)} ms: ${sql.replace(/\s+/g, " ").slice(0, 160)}`);
      }
    };
  const query = timed(store.query.bind(store));
  const exec = timed(store.exec.bind(store));
  return new Proxy(store, {
    get(target, property) {
      if (property === "query") return query;
      if (property === "exec") return exec;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Detection + correlation ticks 10 s apart ending at the load's end, on the loaded store. */
async function correlatorTicks(store: Store, record: LoadRecord): Promise<{ ticks: Tick[]; p50: number; max: number }> {
  const settings = CorrelatorSettings.parse({});
  const count = Number(values["correlator-ticks"]);
  const ticks: Tick[] = [];
  for (let i = 0; i < count; i++) {
    const nowMs = record.nowMs + Number(values["correlator-shift"]) * 1000 - (count - 1 - i) * 10_000;
    const t0 = performance.now();
    const detection = await runDetection(store, settings, nowMs);
    const t1 = performance.now();
    const correlation = await runCorrelation(store, settings, nowMs);
    const t2 = performance.now();
    ticks.push({ detect: (t1 - t0) / 1000, correlate: (t2 - t1) / 1000, anomalies: detection.anomalies.length, incidents: correlation.incidents.length });
    log(`correlator tick ${i + 1}: detect ${((t1 - t0) / 1000).toFixed(2)} s (${detection.anomalies.length} anomalies), correlate ${((t2 - t1) / 1000).toFixed(2)} s (${correlation.incidents.length} incidents: ${correlation.incidents.map((x) => x.title).join("; ").slice(0, 200)})`);
  }
  const totals = ticks.map((t) => t.detect + t.correlate);
  return { ticks, p50: percentile(totals, 50), max: Math.max(...totals) };
}

await main();
