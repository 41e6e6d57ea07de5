// Moving a database from the v0.150 exporter layout to the current one loses nothing: a store
// filled in the old layout (every signal table, several daily partitions, values at their
// extremes) is upgraded by the real `npm run store:upgrade-layout` script, which is killed
// (SIGKILL) once in the middle of copying a table and once between the swap and the rename of a
// table, and resumed; afterwards every table holds the same rows (counts and checksums per
// partition equal to the old table's), the views that read otel_traces still feed their tables,
// and Braid's queries return what they returned before.
import { spawnSync } from "node:child_process";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countErrors } from "../../api/queries/errors.js";
import { logsOfTrace, searchLogs } from "../../api/queries/logs.js";
import { nodeSummaries } from "../../api/queries/services.js";
import { spansOfTrace } from "../../api/queries/traces.js";
import { refreshRollups } from "../../correlator/alerting/series.js";
import { readExemplarTraces, readSampleLogs } from "../../correlator/queries.js";
import { newNormalizeStats, normalizeAppLogLine, normalizeLogs, normalizeMetrics, normalizeTraces, type NormalizeContext } from "../../normalizer/index.js";
import { CURRENT_LAYOUT, detectLayout, LAYOUT_TABLES, LEGACY_LAYOUT, loadMigrations, migrate, recordedLayout, type Store } from "../../store/index.js";
import { backupName, checksumTerm, currentLayoutDdl, upgradeLayout } from "../../store/layout-upgrade.js";
import { tempDir, uniqueSuffix } from "../support/env.js";
import { logRequest, metricRequest, traceRequest } from "../support/otlp-arbitraries.js";
import { traceRow } from "../support/rows.js";
import { repoRoot, withChdb } from "./ingest-support.js";

const storage = tempDir("layout-upgrade");
const database = `upgrade_${uniqueSuffix()}`;
const DAY_NS = 86_400_000_000_000n;
const nowNs = BigInt(Date.now()) * 1_000_000n;
const days = 4;
/** Seconds, 10-second aligned: the histogram below starts here and the alert rollup reads up to rollupStart + 120. */
const rollupStart = ((nowNs / 1_000_000_000n - 86_400n) / 10n) * 10n;

afterAll(() => {
  if (!process.env.KEEP_UPGRADE_DIR) storage.cleanup();
  else console.log("kept", storage.dir, database);
});

/** Fills every signal table in the old layout: one partition per day, from arbitrary valid OTLP. */
async function fill(store: Store): Promise<void> {
  for (let day = 0; day < days; day++) {
    // "now" of each batch is a past day, so every fixed-up time lands in that day's partition.
    const ctx: NormalizeContext = { tenant: `tenant_${day % 2}`, ingestedAt: "2026-01-01T00:00:00.000Z", nowNanos: nowNs - BigInt(day) * DAY_NS, stats: newNormalizeStats() };
    const sample = <T>(arb: fc.Arbitrary<T>) => fc.sample(arb, { seed: 1000 + day, numRuns: 12 });
    for (const request of sample(traceRequest)) await store.insert("otel_traces", normalizeTraces(request as never, ctx));
    for (const request of sample(logRequest)) await store.insert("otel_logs", normalizeLogs(request as never, ctx));
    for (const request of sample(metricRequest)) {
      for (const [table, rows] of Object.entries(normalizeMetrics(request as never, ctx))) await store.insert(table, rows);
    }
    const lines = ['{"level":"error","ts":1,"msg":"dial tcp 10.0.0.5:5432: connect: connection refused","trace_id":"0af7651916cd43dd8448eb211c80319c"}', "plain text line"];
    await store.insert("otel_logs", lines.map((line) => normalizeAppLogLine(line, ctx)));
  }
  // Known spans and a cumulative latency histogram for the views and the queries below.
  const base = nowNs - DAY_NS;
  const histogramCtx: NormalizeContext = { tenant: "tenant_0", ingestedAt: "2026-01-01T00:00:00.000Z", nowNanos: nowNs, stats: newNormalizeStats() };
  const point = (k: number) => ({ attributes: [{ key: "http.route", value: { stringValue: "/pay" } }, { key: "http.request.method", value: { stringValue: "POST" } }], startTimeUnixNano: String(rollupStart * 1_000_000_000n - 5_000_000_000n), timeUnixNano: String((rollupStart + BigInt(k) * 10n) * 1_000_000_000n), count: String(10 * (k + 1)), sum: 1.5 * (k + 1), bucketCounts: [String(5 * (k + 1)), String(4 * (k + 1)), String(k + 1)], explicitBounds: [0.01, 0.1] });
  const histogram = { resourceMetrics: [{ resource: { attributes: [{ key: "service.name", value: { stringValue: "checkout" } }] }, scopeMetrics: [{ metrics: [{ name: "http.server.request.duration", unit: "s", histogram: { aggregationTemporality: 2, dataPoints: Array.from({ length: 11 }, (_, k) => point(k)) } }] }] }] };
  await store.insert("otel_metrics_histogram", normalizeMetrics(histogram as never, histogramCtx).otel_metrics_histogram);
  await store.insert(
    "otel_traces",
    Array.from({ length: 20 }, (_, i) =>
      traceRow({ Timestamp: String(base + BigInt(i) * 1_000_000_000n), TraceId: "0af7651916cd43dd8448eb211c80319c", SpanId: (i + 1).toString(16).padStart(16, "0"), SpanKind: "Server", ServiceName: "checkout", SpanName: "POST /pay", StatusCode: i % 4 === 0 ? "Error" : "Unset", ErrorCode: i % 4 === 0 ? "UNAVAILABLE.CONNECTION_REFUSED" : "", Tenant: "tenant_0" }),
    ),
  );
}

interface TableStats {
  partitions: Record<string, { rows: number; checksum: string }>;
}

/**
 * Rows and a checksum of every stored column per partition, each column read as the type it has
 * in `typesOf` (the new table), so the old and the new table are compared value for value.
 */
async function tableStats(store: Store, table: string, typesOf: string): Promise<TableStats> {
  const columns = await store.query<{ name: string; type: string }>(
    "SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {table:String} AND default_kind IN ('', 'DEFAULT') AND name IN (SELECT name FROM system.columns WHERE database = {db:String} AND table = {source:String}) ORDER BY position",
    { db: store.database, table: typesOf, source: table },
  );
  const expr = columns.map((c) => checksumTerm(`\`${c.name}\``, c.type)).join(", ");
  const rows = await store.query<{ p: string; rows: string; checksum: string }>(`SELECT _partition_id AS p, toString(count()) AS rows, toString(sum(cityHash64(${expr}))) AS checksum FROM {{db}}.${table} GROUP BY p ORDER BY p`);
  return { partitions: Object.fromEntries(rows.map((r) => [r.p, { rows: Number(r.rows), checksum: r.checksum }])) };
}

function runUpgrade(failpoints?: string, args: string[] = []): { status: number | null; signal: NodeJS.Signals | null; output: string } {
  const result = spawnSync(process.execPath, ["--import", "tsx", path.join(repoRoot, "scripts/store-upgrade-layout.ts"), ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, BRAID_CHDB_PATH: storage.dir, BRAID_CLICKHOUSE_DATABASE: database, ...(failpoints ? { BRAID_LAYOUT_UPGRADE_FAILPOINTS: failpoints } : {}) },
    encoding: "utf8",
    timeout: 300_000,
  });
  return { status: result.status, signal: result.signal, output: `${result.stdout}\n${result.stderr}` };
}

/** Each result list sorted by its rows' JSON, so ties in ORDER BY do not make two equal results differ. */
const canonical = (results: Record<string, unknown[]>) => Object.fromEntries(Object.entries(results).map(([k, rows]) => [k, rows.map((r) => JSON.stringify(r)).sort()]));

async function queryResults(store: Store) {
  const from = Number((nowNs - BigInt(days + 1) * DAY_NS) / 1_000_000_000n);
  const to = Number(nowNs / 1_000_000_000n) + 3600;
  return {
    logs: await searchLogs(store, { tenant: "*", fromSeconds: from, toSeconds: to, limit: 1000, offset: 0 }),
    traceLogs: await logsOfTrace(store, "*", "0af7651916cd43dd8448eb211c80319c", String(nowNs - BigInt(days) * DAY_NS), String(nowNs)),
    errors: await countErrors(store, { tenant: "*", fromMs: from * 1000, toMs: to * 1000, limit: 100 }),
    spans: await spansOfTrace(store, "*", "0af7651916cd43dd8448eb211c80319c", 1000),
    services: await nodeSummaries(store, "*", from, to),
    sampleLogs: await readSampleLogs(store, "tenant_0", ["checkout", "unknown_service"], ["0af7651916cd43dd8448eb211c80319c"], from, to),
    exemplars: await readExemplarTraces(store, "tenant_0", ["checkout"], from, to),
    red: await store.query("SELECT Tenant, Node, Operation, toString(Bucket) AS b, sum(Calls) AS calls, sum(Errors) AS errors FROM {{db}}.braid_red_10s GROUP BY Tenant, Node, Operation, b ORDER BY Tenant, Node, Operation, b"),
    alertSpans: await store.query("SELECT Tenant, ServiceName, Operation, toString(Bucket) AS b, sum(Calls) AS calls FROM {{db}}.braid_alert_spans_10s GROUP BY Tenant, ServiceName, Operation, b ORDER BY Tenant, ServiceName, Operation, b"),
    metricRollup: await (async () => {
      const rollupTo = Number(rollupStart) + 120;
      await refreshRollups(store, rollupTo, { serverMetrics: ["http.server.request.duration"], clientMetrics: [], hours: false });
      return store.query("SELECT Family, Metric, Tenant, Service, Operation, toString(Bucket) AS b, Calls, Errors, Latency FROM {{db}}.braid_alert_rollup_10s FINAL WHERE Source = 'metrics' ORDER BY b, Operation");
    })(),
    traceTs: await store.query("SELECT TraceId, toString(min(Start)) AS s, toString(max(End)) AS e FROM {{db}}.otel_traces_trace_id_ts GROUP BY TraceId ORDER BY TraceId"),
  };
}

describe("npm run store:upgrade-layout", () => {
  const before: Record<string, TableStats> = {};
  let resultsBefore: Awaited<ReturnType<typeof queryResults>>;

  beforeAll(async () => {
    await withChdb(storage.dir, database, async (store) => {
      await migrate(store, { newDatabaseLayout: LEGACY_LAYOUT });
      await fill(store);
      expect((await detectLayout(store)).layout).toBe(LEGACY_LAYOUT);
      resultsBefore = await queryResults(store);
      for (const [name, rows] of Object.entries(resultsBefore)) expect(rows.length, `${name} has rows to compare`).toBeGreaterThan(0);
      for (const table of LAYOUT_TABLES) {
        // The old table's contents, read as the new layout's types (from a scratch table of that layout).
        await store.exec(currentLayoutDdl(table, `${table}__types`));
        before[table] = await tableStats(store, table, `${table}__types`);
        await store.exec(`DROP TABLE {{db}}.${table}__types`);
      }
    });
  });

  it("is killed in the middle of copying a table, and again between a swap and its rename", async () => {
    const first = runUpgrade("partition-inserted=10");
    expect(first.signal, first.output).toBe("SIGKILL");
    await withChdb(storage.dir, database, async (store) => {
      const report = await detectLayout(store);
      expect(report.layout, JSON.stringify(report)).not.toBe(CURRENT_LAYOUT);
      expect(Object.values(report.tables)).toContain(LEGACY_LAYOUT);
    });
    const second = runUpgrade("exchanged=2");
    expect(second.signal, second.output).toBe("SIGKILL");
    expect(second.output).toMatch(/copied by an earlier run/);
  });

  it("resumes, copies every row of every table and swaps them in", async () => {
    const last = runUpgrade();
    expect(last.status, last.output).toBe(0);
    expect(last.output).toMatch(/done: the database is in the exporter-v0\.165\.1 layout/);
    await withChdb(storage.dir, database, async (store) => {
      expect((await detectLayout(store)).layout).toBe(CURRENT_LAYOUT);
      expect(await recordedLayout(store)).toMatchObject({ Layout: CURRENT_LAYOUT, Event: "upgraded" });
      for (const table of LAYOUT_TABLES) {
        const backup = backupName(table);
        const old = await tableStats(store, backup, table);
        const now = await tableStats(store, table, table);
        expect(Object.keys(now.partitions).length, table).toBeGreaterThanOrEqual(table === "otel_traces" || table === "otel_logs" ? days : 1);
        expect(now, table).toEqual(old);
        expect(old, `${table}: the old table is untouched by the upgrade`).toEqual(before[table]);
      }
      // The current layout's migrations are recorded, so the next start applies nothing.
      const applied = await store.query<{ Version: number }>("SELECT Version FROM {{db}}.braid_schema_migrations");
      expect(applied.map((r) => Number(r.Version))).toEqual(expect.arrayContaining(loadMigrations().filter((m) => m.layout === CURRENT_LAYOUT).map((m) => m.version)));
      expect(await migrate(store)).toEqual([]);
    });
  });

  it("keeps Braid's queries and views working: the same results as before, and new spans still feed the views", async () => {
    await withChdb(storage.dir, database, async (store) => {
      // Same rows; rows with equal sort keys may come back in another order from another layout.
      expect(canonical(await queryResults(store))).toEqual(canonical(resultsBefore));
      const span = traceRow({ Timestamp: String(nowNs), TraceId: "1af7651916cd43dd8448eb211c80319c", SpanId: "00000000000000ff", SpanKind: "Server", ServiceName: "after-upgrade", SpanName: "GET /", Tenant: "tenant_0" });
      await store.insert("otel_traces", [span]);
      expect(await store.query("SELECT sum(Calls) AS calls FROM {{db}}.braid_red_10s WHERE Node = 'after-upgrade'")).toEqual([{ calls: "1" }]);
      expect(await store.query("SELECT count() AS n FROM {{db}}.otel_traces_trace_id_ts WHERE TraceId = '1af7651916cd43dd8448eb211c80319c'")).toEqual([{ n: "1" }]);
    });
  });

  it("is a no-op on a database in the current layout, and drops the backups when asked", async () => {
    const again = runUpgrade(undefined, ["--drop-backups"]);
    expect(again.status, again.output).toBe(0);
    expect(again.output).toMatch(/already in the exporter-v0\.165\.1 layout/);
    expect(again.output).toMatch(/dropped otel_logs__exporter_v0150/);
    await withChdb(storage.dir, database, async (store) => {
      const tables = await store.query<{ name: string }>("SELECT name FROM system.tables WHERE database = {db:String} AND name LIKE '%\\_\\_%'", { db: database });
      expect(tables).toEqual([]);
    });
  });
});

describe("rows written while a table is being copied", () => {
  it("are copied by a catch-up pass before the swap", async () => {
    const db = `upgrade_live_${uniqueSuffix()}`;
    await withChdb(storage.dir, db, async (store) => {
      await migrate(store, { newDatabaseLayout: LEGACY_LAYOUT });
      const span = (i: number, day: number) => traceRow({ Timestamp: String(nowNs - BigInt(day) * DAY_NS + BigInt(i)), SpanId: (i + 1).toString(16).padStart(16, "0"), ServiceName: "live" });
      await store.insert("otel_traces", [0, 1].flatMap((day) => Array.from({ length: 10 }, (_, i) => span(i, day))));
      const events: string[] = [];
      let wrote = false;
      await upgradeLayout(store, {
        dropBackups: true,
        onProgress: async (event) => {
          if (event.kind === "partition-copied") events.push(`${event.table}:${event.partition}`);
          // An ingest that was not stopped: 5 more spans land in the partition just copied.
          if (event.kind === "partition-copied" && event.table === "otel_traces" && !wrote) {
            wrote = true;
            await store.insert("otel_traces", Array.from({ length: 5 }, (_, i) => span(100 + i, 1)));
          }
        },
      });
      const traces = events.filter((e) => e.startsWith("otel_traces:"));
      expect(traces.length).toBe(3); // two partitions, one of them copied again
      expect(await store.query("SELECT count() AS n FROM {{db}}.otel_traces")).toEqual([{ n: "25" }]);
      expect((await detectLayout(store)).layout).toBe(CURRENT_LAYOUT);
    });
  });
});
