import { describe, expect, it } from "vitest";
import { anomaly } from "./fixtures.test-support.js";
import { incidentEvents, nextIncidentVersion, opensIncident, resolvedVersion } from "./incidents.js";
import { largestGrowthShare } from "./rank.js";
import type { RootCauseCandidate } from "./types.js";

const t0 = 1_700_000_000;
const candidate = (node: string, errorCode = ""): RootCauseCandidate => ({
  node,
  nodeType: node === "postgres" ? "database" : "service",
  score: 1,
  reason: `${node} did it`,
  errorCode,
  evidence: { originErrors: 1, originShare: 1, errorTraceShare: 1, selfTimeMs: 0, baselineSelfTimeMs: 0, earliestOnset: true, anomalyKinds: ["error_rate"] },
});

describe("incident lifecycle", () => {
  const first = [anomaly("postgres", "error_rate", t0, { errorCodes: { "UNAVAILABLE.CONNECTION_REFUSED": 120 } }), anomaly("payments", "error_rate", t0 + 10, { errorCodes: { "UNAVAILABLE.CONNECTION_REFUSED": 80 } })];
  const opened = nextIncidentVersion(undefined, first, { anomalies: first, rootCauses: [candidate("postgres", "UNAVAILABLE.CONNECTION_REFUSED")], exemplarTraceIds: ["t1"], sampleLogs: [] }, t0 + 40, 10);

  it("opens with a title that names the top candidate, its code and the affected services", () => {
    expect(opened).toMatchObject({
      status: "open",
      title: "postgres UNAVAILABLE.CONNECTION_REFUSED: errors in postgres, payments",
      startedAt: t0,
      updatedAt: t0 + 40,
      services: ["payments", "postgres"],
      errorCodes: { "UNAVAILABLE.CONNECTION_REFUSED": 120 },
      anomalyIds: ["anm_payments_error_rate", "anm_postgres_error_rate"],
      version: 10,
    });
  });

  it("writes opened, one anomaly_added per anomaly and root_cause_changed events, with stable ids", () => {
    const events = incidentEvents(undefined, opened, first);
    expect(events.map((e) => [e.kind, e.at])).toEqual([
      ["opened", t0],
      ["anomaly_added", t0],
      ["anomaly_added", t0 + 10],
      ["root_cause_changed", t0 + 40],
    ]);
    expect(events[1]!.message).toBe("postgres op: error rate 50.0% (baseline 1.0%)");
    expect(incidentEvents(undefined, opened, first).map((e) => e.eventId)).toEqual(events.map((e) => e.eventId));
  });

  it("grows when an anomaly joins, and records a change of top candidate only when it changes", () => {
    const joined = [...first, anomaly("checkout", "error_rate", t0 + 20)];
    const grown = nextIncidentVersion(opened, joined, { anomalies: joined, rootCauses: [candidate("postgres", "UNAVAILABLE.CONNECTION_REFUSED")], exemplarTraceIds: [], sampleLogs: [] }, t0 + 60, 11);
    expect(grown.incidentId).toBe(opened.incidentId);
    expect(incidentEvents(opened, grown, joined).map((e) => e.kind)).toEqual(["anomaly_added"]);
    const reranked = nextIncidentVersion(grown, joined, { anomalies: joined, rootCauses: [candidate("payments")], exemplarTraceIds: [], sampleLogs: [] }, t0 + 70, 12);
    expect(incidentEvents(grown, reranked, joined).map((e) => [e.kind, e.detail])).toEqual([["root_cause_changed", { node: "payments", score: 1, previous: "postgres" }]]);
  });

  it("resolves once, at the time its anomalies were last seen", () => {
    const resolved = resolvedVersion(opened, t0 + 100, 13);
    expect(resolved).toMatchObject({ status: "resolved", resolvedAt: t0 + 100, version: 13 });
    expect(incidentEvents(opened, resolved, []).map((e) => [e.kind, e.at])).toEqual([["resolved", t0 + 100]]);
    expect(incidentEvents(resolved, resolved, [])).toEqual([]);
  });
});

describe("which groups open an incident", () => {
  const settings = { minExplainedSlowdownShare: 0.3 };
  const self = (node: string, baselineMs: number, currentMs: number) => ({ node, nodeType: "service" as const, baselineMs, currentMs, calls: 100 });
  const facts = (selfTimes: ReturnType<typeof self>[]) => ({ anomalies: [], rootCauses: [], exemplarTraceIds: [], sampleLogs: [], largestGrowthShare: largestGrowthShare(selfTimes) });

  it("opens a slowdown that one node explains, and not one spread thin over every service", () => {
    const slow = [anomaly("checkout", "latency", t0), anomaly("frontend", "latency", t0)];
    // payments' own time went from 13 ms to 285 ms: 96% of the added time (bench:rca, payments slow).
    expect(opensIncident(slow, facts([self("payments", 13, 285), self("checkout", 4, 9), self("frontend", 0.4, 2)]), settings)).toBe(true);
    // CPU starvation (bench:rca, the steady Train-Ticket run at load 10): ten services each a few ms slower.
    const starved = Array.from({ length: 10 }, (_, i) => self(`ts-${i}`, 3 + i, 8 + i * 1.3));
    expect(largestGrowthShare(starved)).toBeLessThan(0.2);
    expect(opensIncident(slow, facts(starved), settings)).toBe(false);
  });

  it("always opens a group with errors, and a slowdown whose own times are unknown", () => {
    const starved = Array.from({ length: 10 }, (_, i) => self(`ts-${i}`, 3, 8));
    expect(opensIncident([anomaly("payments", "error_rate", t0), anomaly("checkout", "latency", t0)], facts(starved), settings)).toBe(true);
    expect(opensIncident([anomaly("checkout", "latency", t0)], facts([]), settings)).toBe(true);
    expect(largestGrowthShare([self("a", 5, 4)])).toBe(1);
    // Without a baseline (history shorter than the baseline window) growth is unknown, not spread.
    const unmeasured = Array.from({ length: 10 }, (_, i) => self(`ts-${i}`, 0, 5));
    expect(opensIncident([anomaly("checkout", "latency", t0)], facts([...unmeasured, self("mysql", 0, 61)]), settings)).toBe(true);
  });
});
