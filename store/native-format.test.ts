// The Native writer against ClickHouse itself (embedded chDB): the bytes it writes are the bytes
// ClickHouse writes for the same values; canonical rows of every signal table stored through a
// Native block read back exactly as the same rows stored as JSONEachRow; a block encoded before a
// layout change still goes in; a replayed block is dropped, views included; values a column cannot
// hold are rejections of the data.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { drainPending } from "chdb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logLoadGenerator, loadGenerator, metricLoadGenerator, appLogLoadGenerator } from "../bench/ingest-load.js";
import { processBatch } from "../ingest/batch.js";
import { topicRoutes } from "../ingest/routing.js";
import { newNormalizeStats } from "../normalizer/index.js";
import { BraidConfig } from "../schemas/config.js";
import { rowSchemasByTable, type SignalTable } from "../schemas/rows.js";
import { ChdbStore } from "./chdb-store.js";
import { migrate } from "./migrate.js";
import { encodeNative, nativeLayout, RowEncodingError } from "./native-format.js";
import { encodeRowsForInsert } from "./row-encoding.js";
import { isStoreRejection } from "./store.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "braid-native-"));
let store: ChdbStore;
let json: ChdbStore;

beforeAll(async () => {
  store = new ChdbStore(dir, "native_test");
  json = new ChdbStore(dir, "json_test");
  await migrate(store);
  await migrate(json);
}, 180_000);
afterAll(async () => {
  await json.close();
  await store.close();
  await drainPending();
  rmSync(dir, { recursive: true, force: true });
});

/** Inserts rows as JSONEachRow, the path the Native writer replaced (the reference). */
async function insertAsJson(target: ChdbStore, table: string, rows: readonly object[]): Promise<void> {
  const body = encodeRowsForInsert(table, rows).map((row) => JSON.stringify(row)).join("\n");
  await (target as unknown as { session: { insert(p: object): Promise<unknown> } }).session.insert({ table: `${target.database}.${table}`, values: Buffer.from(body), format: "JSONEachRow" });
}

describe("Native blocks", () => {
  it("are the bytes ClickHouse writes for the same values, for every type the signal tables use", async () => {
    await store.exec(`CREATE TABLE {{db}}.all_types (
      s String, lc LowCardinality(String), u8 UInt8, b Bool, u32 UInt32, i32 Int32, u64 UInt64, i64 Int64, f Float64,
      t9 DateTime64(9), t3 DateTime64(3), dt DateTime, m Map(LowCardinality(String), String), a Array(String),
      am Array(Map(LowCardinality(String), String)), at Array(DateTime64(9)), af Array(Float64), au Array(UInt64)
    ) ENGINE = MergeTree ORDER BY tuple()`);
    const shared = { "service.name": "checkout", "k8s.pod.name": "checkout-7d9f-x1" };
    const rows = [
      { s: "plain", lc: "Server", u8: 255, b: true, u32: 4294967295, i32: -2147483648, u64: "18446744073709551615", i64: "-9223372036854775808", f: -0.5, t9: "1700000000123456789", t3: "2026-11-25T11:53:00.123Z", dt: "1700000000999999999", m: shared, a: ["x", ""], am: [{ a: "1" }, {}], at: ["0", "9223372036854775807"], af: [NaN, Infinity, -Infinity], au: ["0", "12345678901234567"] },
      { s: "ünïcødé \u{1F600} \u0000 \n\n tab\t 'q' \"dq\" \\", lc: "", u8: 0, b: false, u32: 0, i32: 7, u64: "0", i64: "42", f: 1e308, t9: "0", t3: "1970-01-01T00:00:00.000Z", dt: "0", m: shared, a: [], am: [], at: [], af: [], au: [] },
      { s: "x".repeat(300), lc: "y".repeat(200), u8: 1, b: true, u32: 1, i32: 0, u64: 9007199254740991, i64: "9223372036854775807", f: 0, t9: "9999999999999999999", t3: "2026-01-01T00:00:00.000Z", dt: "4294967296000000000", m: { ["k".repeat(100)]: "v".repeat(5000), ü: "ö" }, a: ["é"], am: [{ ["x".repeat(60)]: "" }], at: ["1"], af: [1.5], au: [1] },
    ];
    const columns = await store.columns("all_types");
    const block = encodeNative(nativeLayout(columns)!, rows);
    await store.insertEncoded("all_types", block);
    const written = Buffer.from((await (store as unknown as { session: { queryAsync(sql: string, o: object): Promise<{ bytes(): Uint8Array }> } }).session.queryAsync(
      `SELECT ${block.columns.map((name, i) => `CAST(${name} AS ${block.types[i]}) AS ${name}`).join(", ")} FROM native_test.all_types FORMAT Native`,
      { format: "Native" },
    )).bytes());
    expect(Buffer.from(block.data).toString("hex")).toBe(written.toString("hex"));
    const [back] = await store.query<Record<string, unknown>>("SELECT toString(t9) AS t9, toString(dt) AS dt, u64, i64 FROM {{db}}.all_types WHERE s = 'x' || '' OR length(s) = 300");
    expect(back).toEqual({ t9: "2262-04-11 23:47:16.854775807", dt: "2106-02-07 06:28:15", u64: "9007199254740991", i64: "9223372036854775807" });
  });

  it("store canonical rows of every signal table exactly as JSONEachRow stored them", async () => {
    const config = BraidConfig.parse({ kafka: { traces: { topic: "t" }, logs: { topic: "l" }, metrics: { topic: "m" }, appLogs: { topic: "a", encoding: "app_log" } } });
    const options = { routes: topicRoutes(config), tenancy: config.tenancy, limits: config.limits, maxMessageBytes: 1 << 24, stats: newNormalizeStats(), now: () => new Date() };
    const message = (topic: string, value: Buffer, offset: number) => ({ topic, partition: 0, offset: String(offset), key: null, value, headers: {}, timestamp: String(Date.now()) });
    const traces = loadGenerator(5), logs = logLoadGenerator(6), metrics = metricLoadGenerator(7), lines = appLogLoadGenerator(8);
    const messages = [
      ...Array.from({ length: 3 }, (_, k) => message("t", traces.message(120), k)),
      ...Array.from({ length: 3 }, (_, k) => message("l", logs.message(80).value, k)),
      ...Array.from({ length: 3 }, (_, k) => message("m", metrics.message(90).value, k)),
      ...Array.from({ length: 40 }, (_, k) => message("a", lines.message(1).value, k)),
    ];
    const result = processBatch(messages, options);
    expect(result.deadLetters).toEqual([]);
    const tables = [...result.rows.keys()];
    expect(tables.sort()).toEqual(["otel_logs", "otel_metrics_gauge", "otel_metrics_histogram", "otel_metrics_sum", "otel_traces"]);
    for (const [table, rows] of result.rows) {
      for (const row of rows) rowSchemasByTable[table as SignalTable].parse(row);
      await store.insert(table, rows);
      await insertAsJson(json, table, rows);
      const dump = async (target: ChdbStore) => (await target.query<Record<string, unknown>>(`SELECT * FROM {{db}}.${table} ORDER BY ${table === "otel_traces" ? "SpanId" : "tuple(*)"} FORMAT JSONEachRow`)).map((row) => JSON.stringify(row));
      const [viaNative, viaJson] = [await dump(store), await dump(json)];
      expect(viaNative.length).toBe(rows.length);
      expect(viaNative).toEqual(viaJson);
    }
    // The views see the same: RED series and the trace-id lookup.
    for (const sql of ["SELECT Node, Operation, Bucket, sum(Calls) AS c, sum(Errors) AS e FROM {{db}}.braid_red_10s GROUP BY ALL ORDER BY ALL", "SELECT TraceId, min(Start) AS s, max(End) AS e FROM {{db}}.otel_traces_trace_id_ts GROUP BY TraceId ORDER BY TraceId"]) {
      expect(await store.query(sql)).toEqual(await json.query(sql));
    }
  });

  it("drop a replayed block with the same token, in the table and its views", async () => {
    const rows = processTraces(60);
    await store.exec("TRUNCATE TABLE {{db}}.otel_traces");
    await store.exec("TRUNCATE TABLE {{db}}.braid_red_10s");
    for (let k = 0; k < 3; k++) await store.insert("otel_traces", rows, { dedupToken: "replay-test" });
    const [{ n }] = (await store.query<{ n: string }>("SELECT count() AS n FROM {{db}}.otel_traces")) as [{ n: string }];
    const [{ calls }] = (await store.query<{ calls: string }>("SELECT sum(Calls) AS calls FROM {{db}}.braid_red_10s")) as [{ calls: string }];
    expect(Number(n)).toBe(rows.length);
    const [{ expected }] = (await store.query<{ expected: string }>("SELECT countIf(SpanKind IN ('Server', 'Consumer', 'Client', 'Producer') OR ParentSpanId = '') AS expected FROM {{db}}.otel_traces")) as [{ expected: string }];
    expect(Number(calls)).toBe(Number(expected));
  });

  it("still go in after the table's columns changed (a layout upgrade while Braid runs)", async () => {
    await store.exec("CREATE TABLE {{db}}.changing (TimeUnix DateTime64(9), Name String, Old String, Value Float64) ENGINE = MergeTree ORDER BY tuple()");
    const block = encodeNative(nativeLayout(await store.columns("changing"))!, [{ TimeUnix: "1700000000123456789", Name: "a", Old: "gone", Value: 1 }]);
    await store.exec("ALTER TABLE {{db}}.changing DROP COLUMN Old, MODIFY COLUMN TimeUnix DateTime, ADD COLUMN New String DEFAULT 'new'");
    await store.insertEncoded("changing", block);
    expect(await store.query("SELECT toString(TimeUnix) AS t, Name, Value, New FROM {{db}}.changing")).toEqual([{ t: "2023-11-14 22:13:20", Name: "a", Value: 1, New: "new" }]);
  });

  it("reject values a column cannot hold as data (isolated and dead-lettered, never retried)", async () => {
    for (const bad of [{ Duration: "-1" }, { Timestamp: "yesterday" }, { "Events.Timestamp": "not a list" }]) {
      const row = { ...processTraces(1)[0]!, ...bad };
      const err = await store.insert("otel_traces", [row]).then(() => undefined, (e: unknown) => e);
      expect(isStoreRejection(err)).toBe(true);
      expect((err as Error).cause).toBeInstanceOf(RowEncodingError);
      expect((err as Error).message).toMatch(/^store insert failed: otel_traces: column /);
    }
  });
});

function processTraces(spans: number): object[] {
  const config = BraidConfig.parse({ kafka: { traces: { topic: "t" } } });
  const options = { routes: topicRoutes(config), tenancy: config.tenancy, limits: config.limits, maxMessageBytes: 1 << 24, stats: newNormalizeStats() };
  const value = loadGenerator(9).message(spans);
  return processBatch([{ topic: "t", partition: 0, offset: "0", key: null, value, headers: {}, timestamp: String(Date.now()) }], options).rows.get("otel_traces") ?? [];
}
