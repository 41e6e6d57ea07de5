import { describe, expect, it } from "vitest";
import { anomaly } from "./fixtures.test-support.js";
import { incidentEvents, nextIncidentVersion, resolvedVersion } from "./incidents.js";
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
