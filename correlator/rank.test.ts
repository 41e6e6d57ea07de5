import { describe, expect, it } from "vitest";
import { anomaly, shopGraph } from "./fixtures.test-support.js";
import { rankRootCauses, type RankingEvidence } from "./rank.js";

const t0 = 1_700_000_000;

describe("root-cause ranking", () => {
  it("blames the database when the errors start at client spans to it (connection refused to postgres)", () => {
    const evidence: RankingEvidence = {
      anomalies: [anomaly("postgres", "error_rate", t0), anomaly("payments", "error_rate", t0), anomaly("checkout", "error_rate", t0 + 10), anomaly("frontend", "error_rate", t0 + 10)],
      // Every error starts at payments' client span to postgres; upstream spans only propagate it.
      origins: [{ node: "postgres", nodeType: "database", errorCode: "UNAVAILABLE.CONNECTION_REFUSED", via: "payments", count: 200 }],
      errorTraceCounts: new Map([["postgres", 200], ["payments", 200], ["checkout", 200], ["frontend", 200]]),
      totalErrorTraces: 200,
      selfTimes: [],
      graph: shopGraph,
    };
    const ranked = rankRootCauses(evidence);
    expect(ranked.map((c) => [c.node, c.score])).toEqual([
      ["postgres", 1.1],
      ["payments", 0.4],
      ["checkout", 0.34],
      ["frontend", 0.34],
    ]);
    expect(ranked[0]).toMatchObject({ nodeType: "database", errorCode: "UNAVAILABLE.CONNECTION_REFUSED" });
    expect(ranked[0]!.reason).toBe(
      "Earliest onset (22:13:20); calls from payments to it fail with UNAVAILABLE.CONNECTION_REFUSED (200 spans, 100% of the errors that start anywhere); every error trace passes through it; nothing it calls is anomalous",
    );
  });

  it("blames the service whose own spans fail when its callees are healthy (a panic in payments)", () => {
    const evidence: RankingEvidence = {
      anomalies: [anomaly("checkout", "error_rate", t0), anomaly("payments", "error_rate", t0 + 10), anomaly("frontend", "error_rate", t0)],
      origins: [
        { node: "payments", nodeType: "service", errorCode: "INTERNAL.PANIC", via: "payments", count: 90 },
        { node: "checkout", nodeType: "service", errorCode: "UNKNOWN", via: "checkout", count: 10 },
      ],
      errorTraceCounts: new Map([["payments", 90], ["checkout", 100], ["frontend", 100]]),
      totalErrorTraces: 100,
      selfTimes: [],
      graph: shopGraph,
    };
    const [top, second] = rankRootCauses(evidence);
    expect(top).toMatchObject({ node: "payments", errorCode: "INTERNAL.PANIC", score: 0.94 });
    // 0.7 × 10% origins + 0.3 × all error traces + earliest onset + own anomaly.
    expect(second).toMatchObject({ node: "checkout", score: 0.47 });
  });

  it("blames the service whose own time grew for a latency incident, not the callers that wait for it", () => {
    const evidence: RankingEvidence = {
      anomalies: [anomaly("frontend", "latency", t0), anomaly("checkout", "latency", t0), anomaly("inventory", "latency", t0)],
      origins: [],
      errorTraceCounts: new Map(),
      totalErrorTraces: 0,
      selfTimes: [
        { node: "frontend", nodeType: "service", currentMs: 2.1, baselineMs: 2, calls: 500 },
        { node: "checkout", nodeType: "service", currentMs: 3, baselineMs: 3.1, calls: 500 },
        { node: "inventory", nodeType: "service", currentMs: 305, baselineMs: 5, calls: 500 },
      ],
      graph: shopGraph,
    };
    const ranked = rankRootCauses(evidence);
    expect(ranked[0]).toMatchObject({ node: "inventory", score: 1.1 });
    expect(ranked[0]!.reason).toContain("its own time grew from 5.0 ms to 305.0 ms per call (100% of the added latency)");
    // The waiting callers tie on onset and anomaly bonuses alone; names break the tie.
    expect(ranked.slice(1).map((c) => [c.node, c.score])).toEqual([["checkout", 0.1], ["frontend", 0.1]]);
  });

  it("judges the errors alone when the slowdown beside them is spread over every service (the host starved)", () => {
    // bench:rca at a load average of 20: 503s from payments, and at the same time twenty series
    // of every branch got 3-8 times slower, each service a few ms of own time more, none most.
    const starved = ["frontend", "checkout", ...Array.from({ length: 18 }, (_, i) => `svc-${i}`)];
    const evidence: RankingEvidence = {
      anomalies: [...starved.map((node) => anomaly(node, "latency", t0)), anomaly("payments", "error_rate", t0 + 10)],
      origins: [{ node: "payments", nodeType: "service", errorCode: "UNAVAILABLE.SERVICE_UNAVAILABLE", via: "payments", count: 32 }],
      errorTraceCounts: new Map([["payments", 32], ["checkout", 32], ["frontend", 32]]),
      totalErrorTraces: 32,
      selfTimes: [...starved, "payments"].map((node) => ({ node, nodeType: "service" as const, currentMs: 9, baselineMs: 3, calls: 100 })),
      graph: shopGraph,
    };
    const ranked = rankRootCauses(evidence);
    expect(ranked[0]).toMatchObject({ node: "payments", errorCode: "UNAVAILABLE.SERVICE_UNAVAILABLE", score: 1.1 });
    expect(ranked[0]!.reason).not.toContain("own time grew");
    // With a node that explains the slowdown, latency counts again (and that node leads).
    const explained = { ...evidence, selfTimes: evidence.selfTimes.map((s) => (s.node === "svc-3" ? { ...s, currentMs: 400 } : s)) };
    expect(rankRootCauses(explained)[0]!.node).toBe("svc-3");
  });
});
