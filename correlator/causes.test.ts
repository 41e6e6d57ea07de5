import { describe, expect, it } from "vitest";
import type { OriginCount } from "./boundary.js";
import { causeEvidence, restrictMemberships, separateCauses } from "./causes.js";
import { anomaly, shopGraph } from "./fixtures.test-support.js";
import { rankRootCauses, type SelfTime } from "./rank.js";

const t0 = 1_700_000_000;
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const origin = (node: string, errorCode: string, traces: number[], fields: Partial<OriginCount> = {}): OriginCount => ({
  node, nodeType: node === "postgres" || node === "redis" ? "database" : "service", errorCode, via: node, count: traces.length, traces, ...fields,
});
const nodesOf = (causes: ReturnType<typeof separateCauses>) => causes.map((c) => c.nodes);

describe("separating independent causes", () => {
  it("splits a panic in payments and redis timeouts under inventory: disjoint error traces, far apart, different codes", () => {
    const causes = separateCauses(
      [origin("payments", "INTERNAL.PANIC", range(0, 120)), origin("redis", "DEADLINE_EXCEEDED.CLIENT_TIMEOUT", range(120, 200), { via: "inventory", boundary: "peer" })],
      shopGraph,
    );
    expect(nodesOf(causes)).toEqual([["payments"], ["redis"]]);
    expect(causes.map((c) => c.traces.size)).toEqual([120, 80]);
  });

  it("keeps one database failure seen from two callers as one cause", () => {
    const causes = separateCauses(
      [origin("postgres", "UNAVAILABLE.CONNECTION_REFUSED", range(0, 100), { via: "payments" }), origin("postgres", "UNAVAILABLE.CONNECTION_REFUSED", range(100, 180), { via: "checkout" })],
      shopGraph,
    );
    expect(nodesOf(causes)).toEqual([["postgres"]]);
  });

  it("keeps one timeout cascading up the call chain as one cause, though each request gave up at a different hop", () => {
    // Slow payments: some orders time out at checkout → payments, others at frontend → checkout.
    const causes = separateCauses(
      [origin("payments", "DEADLINE_EXCEEDED.HTTP_CLIENT_TIMEOUT", range(0, 90), { via: "checkout", boundary: "answered_slow" }), origin("frontend", "DEADLINE_EXCEEDED.HTTP_CLIENT_TIMEOUT", range(90, 150), { boundary: "caller_deadline" })],
      shopGraph,
    );
    expect(nodesOf(causes)).toEqual([["payments", "frontend"]]);
  });

  it("keeps a fault and what it triggers in the same requests together (retries amplifying errors upstream)", () => {
    const causes = separateCauses([origin("postgres", "UNAVAILABLE.CONNECTION_REFUSED", range(0, 100), { via: "payments" }), origin("checkout", "DEADLINE_EXCEEDED.CLIENT_TIMEOUT", range(20, 90))], shopGraph);
    expect(nodesOf(causes)).toEqual([["postgres", "checkout"]]);
  });

  it("separates failures in the same requests that are far apart and fail differently", () => {
    const causes = separateCauses([origin("postgres", "NOT_FOUND.NO_ROWS", range(0, 100), { via: "payments" }), origin("redis", "DEADLINE_EXCEEDED.CLIENT_TIMEOUT", range(0, 100), { via: "inventory" })], shopGraph);
    expect(nodesOf(causes)).toEqual([["postgres"], ["redis"]]);
  });

  it("separates two panics in one call chain: a panic does not propagate as a panic", () => {
    const causes = separateCauses([origin("frontend", "INTERNAL.PANIC", range(0, 60)), origin("payments", "INTERNAL.PANIC", range(60, 160))], shopGraph);
    expect(nodesOf(causes)).toEqual([["payments"], ["frontend"]]);
  });

  it("lets small origins join the cause whose traces they share, else the largest, instead of standing alone", () => {
    const causes = separateCauses(
      [origin("payments", "INTERNAL.PANIC", range(0, 100)), origin("redis", "DEADLINE_EXCEEDED.CLIENT_TIMEOUT", range(100, 180), { via: "inventory" }), origin("checkout", "UNKNOWN", [150, 151, 152]), origin("frontend", "UNKNOWN", [999])],
      shopGraph,
    );
    expect(nodesOf(causes)).toEqual([["payments", "frontend"], ["redis", "checkout"]]);
  });

  it("ranks each cause on its own evidence: each injected cause first in its own list", () => {
    const panic = origin("payments", "INTERNAL.PANIC", range(0, 120));
    const timeout = origin("redis", "DEADLINE_EXCEEDED.CLIENT_TIMEOUT", range(120, 200), { via: "inventory", boundary: "peer" });
    const members = new Map([
      ["payments", range(0, 120)],
      ["redis", range(120, 200)],
      ["inventory", range(120, 200)],
      ["checkout", range(0, 200)],
      ["frontend", range(0, 200)],
    ]);
    const anomalies = [anomaly("payments", "error_rate", t0), anomaly("redis", "error_rate", t0 + 20), anomaly("inventory", "error_rate", t0 + 20), anomaly("checkout", "error_rate", t0), anomaly("frontend", "error_rate", t0)];
    const tops = separateCauses([panic, timeout], shopGraph).map((cause) => {
      const counts = restrictMemberships(members, cause.traces);
      const ranked = rankRootCauses({ anomalies: anomalies.filter((a) => counts.has(a.node)), origins: cause.origins, errorTraceCounts: counts, totalErrorTraces: cause.traces.size, selfTimes: [], graph: shopGraph });
      return ranked.map((c) => c.node);
    });
    expect(tops[0]![0]).toBe("payments");
    expect(tops[0]).not.toContain("redis");
    expect(tops[1]![0]).toBe("redis");
    expect(tops[1]).not.toContain("payments");
  });

  it("keeps another cause's slowdown out of a cause's ranking (bench:rca two-faults-payments-panic-redis-timeout, 2026-12-02)", () => {
    // As measured: redis got 47 ms slower under inventory's timeouts and is the earliest latency
    // anomaly; none of the panic's error traces pass through it.
    const panic = origin("payments", "INTERNAL.PANIC", range(0, 107));
    const timeout = origin("redis", "DEADLINE_EXCEEDED.CLIENT_TIMEOUT", range(107, 236), { via: "inventory", boundary: "peer" });
    const members = new Map([
      ["payments", range(0, 107)],
      ["redis", range(107, 236)],
      ["inventory", range(107, 236)],
      ["checkout", range(0, 236)],
      ["frontend", range(0, 236)],
    ]);
    const anomalies = [
      ...["redis", "inventory", "checkout", "frontend"].map((node) => anomaly(node, "latency", t0)),
      ...["redis", "inventory", "payments", "checkout", "frontend"].map((node) => anomaly(node, "error_rate", t0)),
    ];
    const self = (node: string, currentMs: number): SelfTime => ({ node, nodeType: node === "redis" ? "database" : "service", currentMs, baselineMs: 0, calls: 1000 });
    const selfTimes = [self("redis", 46.9), self("inventory", 2.7), self("payments", 3.5), self("checkout", 1.5)];
    const causes = separateCauses([panic, timeout], shopGraph);
    const panicCause = causes.find((c) => c.nodes[0] === "payments");
    const timeoutCause = causes.find((c) => c.nodes[0] === "redis");
    const rank = (cause: typeof panicCause, evidence: ReturnType<typeof causeEvidence>) =>
      rankRootCauses({ ...evidence, origins: cause!.origins, totalErrorTraces: cause!.traces.size, graph: shopGraph }).map((c) => c.node);

    const panicRanking = rank(panicCause, causeEvidence(members, panicCause!.traces, anomalies, selfTimes));
    expect(panicRanking[0]).toBe("payments");
    expect(panicRanking).not.toContain("redis");
    expect(rank(timeoutCause, causeEvidence(members, timeoutCause!.traces, anomalies, selfTimes))[0]).toBe("redis");
    // Given every latency anomaly and every node's own time (as before), redis outranked the panic's origin.
    const counts = restrictMemberships(members, panicCause!.traces);
    const everything = { errorTraceCounts: counts, anomalies: anomalies.filter((a) => a.kind !== "error_rate" || counts.has(a.node)), selfTimes };
    expect(rank(panicCause, everything)[0]).toBe("redis");
  });

  it("returns one cause when only one node stands out, and none without origins", () => {
    expect(nodesOf(separateCauses([origin("payments", "INTERNAL.PANIC", range(0, 100)), origin("checkout", "UNKNOWN", [1, 2])], shopGraph))).toEqual([["payments", "checkout"]]);
    expect(separateCauses([], shopGraph)).toEqual([]);
  });
});
