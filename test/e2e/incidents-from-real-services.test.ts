// End to end, on real parts only: the Go and Rust services of examples/ emit to the real Kafka,
// Braid (all roles in this process, embedded chDB, BullMQ on the real Redis) ingests, detects
// and correlates. A Rust service's panic must give exactly one incident naming it first; the
// same failure in Go and Rust one glossary code; a healthy run no incident. One file, so the
// scenarios run one after another.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runScenarioWithBraid } from "../../scripts/lib/braid-scenario.js";
import { requireServices, tempDir } from "../support/env.js";

const scenarios = path.join(path.dirname(fileURLToPath(import.meta.url)), "scenarios");
const storage = tempDir("e2e-incidents");

beforeAll(requireServices);
afterAll(() => storage.cleanup());

describe("incidents from real Go and Rust services", () => {
  it("opens exactly one incident for a panic in payments (Rust) and ranks payments first with INTERNAL.PANIC", async () => {
    const { braid, score } = await runScenarioWithBraid(path.join(scenarios, "e2e-payments-panic.yaml"), { keepBraid: true, chdbPath: storage.dir, graceSeconds: 15 });
    try {
      expect(score.incidents).toBe(1);
      expect(score.rank).toBe(1);
      expect(score.incident!.rootCauses[0]).toMatchObject({ node: "payments", errorCode: "INTERNAL.PANIC" });
      expect(score.detectionDelaySeconds).toBeLessThanOrEqual(60);

      // One user request is one trace across the Go and Rust services.
      const [joined] = await braid.store.query<{ traces: string }>(
        `SELECT count() AS traces FROM (
           SELECT TraceId FROM {{db}}.otel_traces GROUP BY TraceId
           HAVING has(groupUniqArray(ServiceName), 'frontend') AND has(groupUniqArray(ServiceName), 'payments')
             AND has(groupUniqArray(SourceLanguage), 'go') AND has(groupUniqArray(SourceLanguage), 'rust'))`,
      );
      expect(Number(joined!.traces)).toBeGreaterThan(100);
      // A Rust span's parent is a Go span of the same trace.
      const [crossing] = await braid.store.query<{ n: string }>(
        `SELECT count() AS n FROM {{db}}.otel_traces AS child
         INNER JOIN {{db}}.otel_traces AS parent ON child.TraceId = parent.TraceId AND child.ParentSpanId = parent.SpanId
         WHERE child.SourceLanguage = 'rust' AND parent.SourceLanguage = 'go'`,
      );
      expect(Number(crossing!.n)).toBeGreaterThan(100);
      // Log lines of both languages carry trace ids that exist in the store.
      const linked = await braid.store.query<{ SourceLanguage: string; n: string }>(
        `SELECT SourceLanguage, count() AS n FROM {{db}}.otel_logs
         WHERE TraceId != '' AND TraceId IN (SELECT TraceId FROM {{db}}.otel_traces) GROUP BY SourceLanguage ORDER BY SourceLanguage`,
      );
      expect(linked.map((row) => row.SourceLanguage)).toEqual(expect.arrayContaining(["go", "rust"]));
    } finally {
      await braid.stop();
    }
  });

  it("maps Go database/sql and Rust sqlx 'connection refused' to UNAVAILABLE.CONNECTION_REFUSED and blames postgres", async () => {
    const { braid, score } = await runScenarioWithBraid(path.join(scenarios, "e2e-same-failure-go-and-rust.yaml"), { keepBraid: true, chdbPath: storage.dir, graceSeconds: 15 });
    try {
      const codes = await braid.store.query<{ ServiceName: string; SourceLanguage: string; ErrorCode: string; Sample: string }>(
        `SELECT ServiceName, SourceLanguage, ErrorCode, any(StatusMessage) AS Sample FROM {{db}}.otel_traces
         WHERE SpanKind = 'Client' AND SpanAttributes['db.system'] != '' AND StatusCode = 'Error'
         GROUP BY ServiceName, SourceLanguage, ErrorCode ORDER BY ServiceName`,
      );
      expect(codes.map(({ ServiceName, SourceLanguage, ErrorCode }) => ({ ServiceName, SourceLanguage, ErrorCode }))).toEqual([
        { ServiceName: "checkout", SourceLanguage: "go", ErrorCode: "UNAVAILABLE.CONNECTION_REFUSED" },
        { ServiceName: "payments", SourceLanguage: "rust", ErrorCode: "UNAVAILABLE.CONNECTION_REFUSED" },
      ]);
      // The two languages really spell it differently.
      expect(codes[0]!.Sample).not.toBe(codes[1]!.Sample);
      expect(score.incidents).toBe(1);
      expect(score.incident!.rootCauses[0]).toMatchObject({ node: "postgres", nodeType: "database", errorCode: "UNAVAILABLE.CONNECTION_REFUSED" });
    } finally {
      await braid.stop();
    }
  });

  it("opens no incident while the shop is healthy", async () => {
    const { score } = await runScenarioWithBraid(path.join(scenarios, "e2e-fault-free.yaml"), { chdbPath: storage.dir, graceSeconds: 10 });
    expect(score.incidents).toBe(0);
  });
});
