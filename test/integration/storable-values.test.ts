// Every value OTLP allows is storable: arbitrary valid OTLP requests, generated from the official
// protos and encoded as the Collector's otlp_proto and otlp_json write them, go through Braid's
// decoders, the normalizer and a real chDB insert into every signal table, and the store must
// accept every row (an insert error here is what stalls a partition in production). Raw Go/Rust
// log lines take the same path. The fix-ups that make this true are listed in normalizer/README.md.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeJsonLogs, decodeJsonMetrics, decodeJsonTraces } from "../../ingest/decoders/otlp-json.js";
import { decodeProtoLogs, decodeProtoMetrics, decodeProtoTraces } from "../../ingest/decoders/otlp-proto.js";
import { validateLogs, validateTraces } from "../../ingest/decoders/validate.js";
import { newNormalizeStats, normalizeAppLogLine, normalizeLogs, normalizeMetrics, normalizeTraces, type NormalizeContext } from "../../normalizer/index.js";
import { rowSchemasByTable, type SignalTable } from "../../schemas/rows.js";
import { ChdbStore, CURRENT_LAYOUT, detectLayout, LEGACY_LAYOUT, migrate, type Store } from "../../store/index.js";
import { tempDir, uniqueSuffix } from "../support/env.js";
import { encodeJson, encodeProto, expectedRows, logRequest, metricRequest, traceRequest, type SignalRequest } from "../support/otlp-arbitraries.js";

const signalTables = Object.keys(rowSchemasByTable) as SignalTable[];
const storage = tempDir("storable");
const stores: Store[] = [];
let store: Store;
let run = 0;

afterAll(async () => {
  for (const s of stores) await s.close();
  storage.cleanup();
});

type Encoding = "otlp_proto" | "otlp_json";
const decoders = {
  otlp_proto: { traces: (b: Buffer) => validateTraces(decodeProtoTraces(b)), logs: (b: Buffer) => validateLogs(decodeProtoLogs(b)), metrics: decodeProtoMetrics },
  otlp_json: { traces: (b: Buffer) => validateTraces(decodeJsonTraces(b)), logs: (b: Buffer) => validateLogs(decodeJsonLogs(b)), metrics: decodeJsonMetrics },
};

function context(tenant: string): NormalizeContext {
  return { tenant, ingestedAt: new Date().toISOString(), stats: newNormalizeStats() };
}

/** Decode → normalize, as ingest does for one Kafka message. */
function rowsOf(signal: SignalRequest, encoding: Encoding, value: Buffer, ctx: NormalizeContext): Partial<Record<SignalTable, object[]>> {
  if (signal === "traces") return { otel_traces: normalizeTraces(decoders[encoding].traces(value), ctx) };
  if (signal === "logs") return { otel_logs: normalizeLogs(decoders[encoding].logs(value), ctx) };
  return { ...normalizeMetrics(decoders[encoding].metrics(value), ctx) };
}

/** Rows per signal table of one tenant, in one round trip. */
async function storedCounts(tenant: string): Promise<Record<string, number>> {
  const sql = signalTables.map((table) => `SELECT '${table}' AS t, count() AS n FROM {{db}}.${table} WHERE Tenant = {tenant:String}`).join(" UNION ALL ");
  const rows = await store.query<{ t: string; n: string }>(sql, { tenant });
  return Object.fromEntries(rows.filter((row) => Number(row.n) > 0).map((row) => [row.t, Number(row.n)]));
}

async function storeAll(rows: Partial<Record<SignalTable, object[]>>): Promise<void> {
  for (const [table, list] of Object.entries(rows)) {
    // The normalizer's contract first (a failure here names the field), then ClickHouse's.
    for (const row of list) rowSchemasByTable[table as SignalTable].parse(row);
    await store.insert(table, list);
  }
}

const property = (signal: SignalRequest, encoding: Encoding, requests: fc.Arbitrary<object>) =>
  fc.asyncProperty(requests, async (request) => {
    const tenant = `run_${++run}`;
    const value = encoding === "otlp_proto" ? encodeProto(signal, request) : encodeJson(signal, request);
    await storeAll(rowsOf(signal, encoding, value, context(tenant)));
    expect(await storedCounts(tenant)).toEqual(expectedRows(signal, request));
  });

// Bounded so the file stays a few seconds of `npm test`; FC_NUM_RUNS raises it for a soak.
const numRuns = Number(process.env.FC_NUM_RUNS ?? 25);

// Both layouts a database can have: the current one (new databases) and v0.150 (databases made
// by earlier Braid releases), whose column types differ (metric times are DateTime64(9) there).
for (const layout of [CURRENT_LAYOUT, LEGACY_LAYOUT]) {
  describe(`layout ${layout}`, () => {
    beforeAll(async () => {
      store = new ChdbStore(storage.dir, `storable_${layout.replace(/\W/g, "_")}_${uniqueSuffix()}`);
      stores.push(store);
      await migrate(store, { newDatabaseLayout: layout });
      expect((await detectLayout(store)).layout).toBe(layout);
    });

    describe("every value OTLP allows is stored, never an insert error", () => {
      for (const encoding of ["otlp_proto", "otlp_json"] as const) {
        it(`traces (${encoding})`, async () => {
          await fc.assert(property("traces", encoding, traceRequest), { numRuns });
        });
        it(`logs (${encoding})`, async () => {
          await fc.assert(property("logs", encoding, logRequest), { numRuns });
        });
        it(`metrics of every type (${encoding})`, async () => {
          await fc.assert(property("metrics", encoding, metricRequest), { numRuns });
        });
      }

      it("raw Go/Rust log lines: arbitrary text, JSON and logger-shaped JSON", async () => {
        const anything = fc.anything({ withNullPrototype: false, maxDepth: 2 });
        const loggerShaped = fc.record(
          { level: fc.oneof(fc.constantFrom("info", "ERROR", "ERROR+2", "dpanic", "TRCE"), fc.string(), fc.integer()), ts: anything, time: anything, timestamp: anything, msg: anything, message: anything, fields: anything, target: anything, span: anything, error: anything, trace_id: anything, "dd.trace_id": anything, "service.name": anything },
          { requiredKeys: [] },
        );
        const line = fc.oneof(fc.string({ unit: "binary" }), fc.json(), loggerShaped.map((o) => JSON.stringify(o) ?? ""), fc.constantFrom('{"msg":"\\ud800 lone","level":"error"}', "\ud800", "x".repeat(100_000)));
        await fc.assert(
          fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 20 }), async (lines) => {
            const tenant = `run_${++run}`;
            const ctx = context(tenant);
            // Kafka delivers bytes: the line is decoded from UTF-8 as ingest does.
            await storeAll({ otel_logs: lines.map((l) => normalizeAppLogLine(Buffer.from(l, "utf8").toString("utf8"), ctx)) });
            expect(await storedCounts(tenant)).toEqual({ otel_logs: lines.length });
          }),
          { numRuns },
        );
      });
    });

    describe("values the columns cannot hold as sent are stored with their documented fix-up", () => {
      const tenant = `fixups_${layout}`;
      const t = `${Math.floor(Date.now() / 1000) - 60}123456789`;
      const point = (fields: object) => ({ attributes: [], timeUnixNano: t, ...fields });
      const request = {
        resourceMetrics: [
          {
            scopeMetrics: [
              {
                metrics: [
                  // telemetrygen's gauges: start_time_unix_nano = 0.
                  { name: "gauge.zero.start", gauge: { dataPoints: [point({ startTimeUnixNano: "0", asDouble: NaN, exemplars: [{ asInt: "5", timeUnixNano: "0" }] })] } },
                  { name: "sum.far.start", sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [point({ startTimeUnixNano: "18446744073709551615", asDouble: -Infinity })] } },
                  { name: "histogram.huge", histogram: { aggregationTemporality: 1, dataPoints: [point({ count: "18446744073709551615", sum: Infinity, bucketCounts: ["18446744073709551615", "0"], explicitBounds: [NaN] })] } },
                ],
              },
            ],
          },
        ],
      };

      it("keeps NaN and ±Infinity, stores a zero start time as the epoch and a time past 2262 as its last instant", async () => {
        const ctx = context(tenant);
        await storeAll(rowsOf("metrics", "otlp_proto", encodeProto("metrics", request), ctx));
        const [gauge] = await store.query<Record<string, unknown>>(
          "SELECT toString(StartTimeUnix) AS start, toString(Value) AS value, arrayMap(x -> toString(toUnixTimestamp64Nano(toDateTime64(x, 9))), Exemplars.TimeUnix) AS exemplarTimes, toString(toUnixTimestamp64Nano(toDateTime64(TimeUnix, 9))) AS time FROM {{db}}.otel_metrics_gauge WHERE Tenant = {tenant:String}",
          { tenant },
        );
        // The v0.165.1 layout keeps metric times to the second (DateTime), as the exporter does.
        const stored = layout === LEGACY_LAYOUT ? t : `${t.slice(0, -9)}000000000`;
        expect(gauge).toEqual({ start: layout === LEGACY_LAYOUT ? "1970-01-01 00:00:00.000000000" : "1970-01-01 00:00:00", value: "nan", exemplarTimes: [stored], time: stored });
        const [sum] = await store.query<Record<string, unknown>>("SELECT toString(StartTimeUnix) AS start, toString(Value) AS value FROM {{db}}.otel_metrics_sum WHERE Tenant = {tenant:String}", { tenant });
        // DateTime ends in 2106: ClickHouse writes later times as its last second.
        expect(sum).toEqual({ start: layout === LEGACY_LAYOUT ? "2262-04-11 23:47:16.854775807" : "2106-02-07 06:28:15", value: "-inf" });
        const [histogram] = await store.query<Record<string, unknown>>("SELECT Count, toString(Sum) AS sum, BucketCounts, toString(ExplicitBounds) AS bounds FROM {{db}}.otel_metrics_histogram WHERE Tenant = {tenant:String}", { tenant });
        expect(histogram).toEqual({ Count: "18446744073709551615", sum: "inf", BucketCounts: ["18446744073709551615", "0"], bounds: "[nan]" });
        expect(ctx.stats?.clampedValues).toBe(1);
      });
    });
  });
}
