import { describe, expect, it } from "vitest";
import { buildDependencyGraph, downstreamOf, undirectedDistance } from "./graph.js";
import { planGrouping } from "./group.js";
import { incidentIdFor, nextIncidentVersion } from "./incidents.js";
import { anomaly, settings, shopEdges, shopGraph } from "./fixtures.test-support.js";

const t0 = 1_700_000_000;

describe("dependency graph", () => {
  it("merges edge rows per caller/callee and knows callers, callees and distances", () => {
    const graph = buildDependencyGraph([...shopEdges, { caller: "frontend", callee: "checkout", calleeType: "service", calls: 5, errors: 2 }, { caller: "x", callee: "x", calleeType: "service", calls: 1, errors: 0 }]);
    expect(graph.edges.find((e) => e.caller === "frontend")).toEqual({ caller: "frontend", callee: "checkout", calleeType: "service", calls: 1005, errors: 2 });
    expect([...graph.nodes].sort()).toEqual(["checkout", "frontend", "inventory", "payments", "postgres", "redis"]);
    expect([...downstreamOf(graph, "checkout")].sort()).toEqual(["inventory", "payments", "postgres", "redis"]);
    expect(undirectedDistance(graph, "postgres", "checkout", 5)).toBe(2);
    expect(undirectedDistance(graph, "postgres", "redis", 5)).toBe(4);
    expect(undirectedDistance(graph, "postgres", "unknown", 5)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("grouping anomalies into incidents", () => {
  it("puts connected anomalies with close onsets into one new incident", () => {
    const anomalies = [anomaly("postgres", "error_rate", t0), anomaly("payments", "error_rate", t0 + 10), anomaly("checkout", "error_rate", t0 + 10), anomaly("frontend", "error_rate", t0 + 20)];
    const plan = planGrouping({ anomalies, openIncidents: [], graph: shopGraph, settings, now: t0 + 80 });
    // Sorted by onset, then id.
    expect(plan.opens.map((group) => group.map((a) => a.node))).toEqual([["postgres", "checkout", "payments", "frontend"]]);
    expect(plan.joins.size).toBe(0);
    expect(plan.resolves).toEqual([]);
  });

  it("keeps unconnected or far-apart anomalies in separate incidents", () => {
    const anomalies = [anomaly("postgres", "error_rate", t0), anomaly("redis", "latency", t0 + 5), anomaly("frontend", "latency", t0 + 600, { lastSeenAt: t0 + 660 })];
    const plan = planGrouping({ anomalies, openIncidents: [], graph: shopGraph, settings, now: t0 + 700 });
    expect(plan.opens.map((group) => group.map((a) => a.node))).toEqual([["postgres"], ["redis"], ["frontend"]]);
  });

  it("waits until an anomaly has persisted for its pending time (longer for latency) before it opens anything", () => {
    const fresh = anomaly("payments", "error_rate", t0, { detectedAt: t0 + 20, lastSeenAt: t0 + 20 + settings.pendingSeconds - 1 });
    expect(planGrouping({ anomalies: [fresh], openIncidents: [], graph: shopGraph, settings, now: t0 + 40 }).opens).toEqual([]);
    const slow = anomaly("payments", "latency", t0, { detectedAt: t0 + 20, lastSeenAt: t0 + 20 + settings.pendingSeconds });
    expect(planGrouping({ anomalies: [slow], openIncidents: [], graph: shopGraph, settings, now: t0 + 40 }).opens).toEqual([]);
    const persistent = { ...slow, lastSeenAt: t0 + 20 + settings.latencyPendingSeconds };
    expect(planGrouping({ anomalies: [persistent], openIncidents: [], graph: shopGraph, settings, now: t0 + 60 }).opens).toHaveLength(1);
  });

  it("opens at once when the data already shows the anomaly in two buckets, and never for a one-bucket stall however long its window shows it", () => {
    const shown = anomaly("payments", "latency", t0, { detectedAt: t0 + 20, lastSeenAt: t0 + 20, anomalousBuckets: 2 });
    expect(planGrouping({ anomalies: [shown], openIncidents: [], graph: shopGraph, settings, now: t0 + 25 }).opens).toHaveLength(1);
    // A stall in one bucket stays in the 3-bucket window for 3 windows (20 s), short of the latency pending time.
    const stall = anomaly("payments", "latency", t0, { detectedAt: t0 + 20, lastSeenAt: t0 + 40, anomalousBuckets: 1 });
    expect(planGrouping({ anomalies: [stall], openIncidents: [], graph: shopGraph, settings, now: t0 + 45 }).opens).toEqual([]);
  });

  it("adds a new anomaly connected to an open incident to that incident instead of opening another", () => {
    const first = [anomaly("postgres", "error_rate", t0), anomaly("payments", "error_rate", t0)];
    const incident = nextIncidentVersion(undefined, first, { anomalies: first, rootCauses: [], exemplarTraceIds: [], sampleLogs: [] }, t0 + 60, 1);
    const later = anomaly("frontend", "error_rate", t0 + 40);
    const plan = planGrouping({ anomalies: [...first, later], openIncidents: [incident], graph: shopGraph, settings, now: t0 + 90 });
    expect(plan.opens).toEqual([]);
    expect(plan.joins.get(incident.incidentId)?.map((a) => a.node)).toEqual(["frontend"]);
  });

  it("resolves an open incident once all its anomalies have been quiet for resolveAfterSeconds", () => {
    const own = [anomaly("payments", "error_rate", t0, { lastSeenAt: t0 + 100 })];
    const incident = nextIncidentVersion(undefined, own, { anomalies: own, rootCauses: [], exemplarTraceIds: [], sampleLogs: [] }, t0 + 100, 1);
    expect(planGrouping({ anomalies: own, openIncidents: [incident], graph: shopGraph, settings, now: t0 + 100 + settings.resolveAfterSeconds - 1 }).resolves).toEqual([]);
    expect(planGrouping({ anomalies: [], openIncidents: [incident], graph: shopGraph, settings, now: t0 + 100 + settings.resolveAfterSeconds }).resolves).toEqual([incident.incidentId]);
  });

  it("gives the same incident id to the same group, whichever process computes it", () => {
    const group = [anomaly("payments", "error_rate", t0 + 10), anomaly("postgres", "error_rate", t0)];
    expect(incidentIdFor(group)).toBe(incidentIdFor([...group].reverse()));
    expect(incidentIdFor(group)).toMatch(/^inc_[0-9a-f]{20}$/);
  });
});
