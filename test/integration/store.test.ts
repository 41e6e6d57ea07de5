// The same store contract against each driver: embedded chDB always, a ClickHouse server when
// BRAID_TEST_CLICKHOUSE_URL is set (skipped, and reported as skipped, otherwise).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChdbStore, ClickHouseStore, CURRENT_LAYOUT, detectLayout, loadMigrations, migrate, recordedLayout, type Store } from "../../store/index.js";
import { traceRow } from "../support/rows.js";
import { tempDir, uniqueSuffix } from "../support/env.js";

const serverUrl = process.env.BRAID_TEST_CLICKHOUSE_URL;
const storage = tempDir("store");

const drivers: { name: string; skip: boolean; open: (database: string) => Store }[] = [
  { name: "chdb", skip: false, open: (database) => new ChdbStore(storage.dir, database) },
  { name: "clickhouse server", skip: !serverUrl, open: (database) => new ClickHouseStore({ url: serverUrl!, database }) },
];

afterAll(() => storage.cleanup());

for (const driver of drivers) {
  describe.skipIf(driver.skip)(`store contract: ${driver.name}`, () => {
    const database = `store_test_${uniqueSuffix()}`;
    let store: Store;

    beforeAll(async () => {
      store = driver.open(database);
      await migrate(store);
    });
    afterAll(async () => {
      await store?.exec(`DROP DATABASE IF EXISTS ${database}`).catch(() => {});
      await store?.close();
    });

    it("applies every migration of the current layout once, records the layout, and is a no-op on the next start", async () => {
      const applied = await store.query<{ Version: number }>("SELECT Version FROM {{db}}.braid_schema_migrations ORDER BY Version");
      const expected = loadMigrations().filter((m) => !m.layout || m.layout === CURRENT_LAYOUT);
      expect(applied.map((row) => Number(row.Version))).toEqual(expected.map((m) => m.version));
      expect(await migrate(store)).toEqual([]);
      expect((await detectLayout(store)).layout).toBe(CURRENT_LAYOUT);
      expect(await recordedLayout(store)).toMatchObject({ Layout: CURRENT_LAYOUT, ExporterVersion: "v0.165.1", Event: "created" });
      const tables = await store.query<{ name: string }>("SELECT name FROM system.tables WHERE database = {database:String} ORDER BY name", { database });
      expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(["otel_traces", "otel_traces_trace_id_ts", "otel_logs", "otel_metrics_gauge", "otel_metrics_sum", "otel_metrics_histogram", "otel_metrics_exponential_histogram", "otel_metrics_summary"]));
    });

    it("round-trips a row with nanosecond timestamps, maps and nested columns", async () => {
      const row = traceRow({
        Timestamp: "1700000000123456789", TraceId: "0af7651916cd43dd8448eb211c80319c", SpanId: "b7ad6b7169203331", ParentSpanId: "", TraceState: "",
        SpanName: "GET /", SpanKind: "Server", ServiceName: "frontend", ResourceAttributes: { "service.name": "frontend" }, ScopeName: "s", ScopeVersion: "1",
        SpanAttributes: { "http.request.method": "GET" }, Duration: "18446744073709551615", StatusCode: "Error", StatusMessage: "boom",
        "Events.Timestamp": ["1700000000123456790"], "Events.Name": ["exception"], "Events.Attributes": [{ "exception.type": "io" }],
        "Links.TraceId": [], "Links.SpanId": [], "Links.TraceState": [], "Links.Attributes": [],
        ErrorCode: "INTERNAL.PANIC", ErrorRetryable: false, ErrorFingerprint: "f", ErrorMessage: "boom", SourceLanguage: "go", Tenant: "t1", IngestedAt: "2026-01-01T00:00:00.000Z",
      });
      await store.insert("otel_traces", [row]);
      const [back] = await store.query<Record<string, unknown>>(
        "SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ns, Duration, SpanAttributes, Events.Name, Events.Attributes, ErrorCode FROM {{db}}.otel_traces WHERE SpanId = {id:String}",
        { id: row.SpanId },
      );
      expect(back).toEqual({ ns: "1700000000123456789", Duration: "18446744073709551615", SpanAttributes: { "http.request.method": "GET" }, "Events.Name": ["exception"], "Events.Attributes": [{ "exception.type": "io" }], ErrorCode: "INTERNAL.PANIC" });
    });

    it("drops a replayed insert that carries the same deduplication token", async () => {
      const rows = ["a1", "a2", "a3"].map((id) => traceRow({ SpanId: id.padStart(16, "0"), ServiceName: "dedup" }));
      await store.insert("otel_traces", rows, { dedupToken: "token-1" });
      await store.insert("otel_traces", rows, { dedupToken: "token-1" });
      await store.insert("otel_traces", rows.slice(0, 1), { dedupToken: "token-2" });
      const [count] = await store.query<{ n: string }>("SELECT count() AS n FROM {{db}}.otel_traces WHERE ServiceName = 'dedup'");
      expect(count!.n).toBe("4");
    });

    it("binds parameters as values, so SQL in a parameter is only data", async () => {
      const hostile = "x' OR 1=1 --";
      const rows = await store.query<{ v: string }>("SELECT {v:String} AS v", { v: hostile });
      expect(rows).toEqual([{ v: hostile }]);
      const none = await store.query("SELECT SpanId FROM {{db}}.otel_traces WHERE ServiceName = {s:String}", { s: hostile });
      expect(none).toEqual([]);
    });

    it("names the table and the cause when an insert fails", async () => {
      await expect(store.insert("no_such_table", [{ a: 1 }])).rejects.toThrow(/store insert failed: no_such_table/);
      await expect(store.insert("bad name;", [{ a: 1 }])).rejects.toThrow(/not a plain identifier/);
    });
  });
}
