// The on-call API over a real store holding an incident: list and detail, services, service map,
// logs, and the 400/404 answers. Requests go through Fastify's inject (no socket needed).
import type { FastifyInstance } from "fastify";
import { trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApi } from "../../api/index.js";
import { runCorrelation, runDetection } from "../../correlator/index.js";
import { createLogger } from "../../runtime/logger.js";
import { createMetricsRegistry } from "../../runtime/metrics.js";
import { CorrelatorSettings } from "../../schemas/config.js";
import type { LogRow } from "../../schemas/rows.js";
import { ChdbStore, migrate, type Store } from "../../store/index.js";
import { listAnomalies } from "../../api/queries/anomalies.js";
import { redSeries } from "../../api/queries/series.js";
import { tempDir } from "../support/env.js";
import { shopTraffic } from "../support/rows.js";

const storage = tempDir("api");
const settings = CorrelatorSettings.parse({});
const start = 1_800_000_000;
const faultStart = start + 600;
let store: Store;
let app: FastifyInstance;
const range = `from=${(start) * 1000}&to=${(faultStart + 300) * 1000}`;

function logRow(fields: Partial<LogRow>): LogRow {
  return {
    Timestamp: `${faultStart + 30}000000000`, TraceId: "", SpanId: "", TraceFlags: 0, SeverityText: "ERROR", SeverityNumber: 17, ServiceName: "payments", Body: "",
    ResourceSchemaUrl: "", ResourceAttributes: {}, ScopeSchemaUrl: "", ScopeName: "", ScopeVersion: "", ScopeAttributes: {}, LogAttributes: {}, EventName: "",
    LogFormat: "tracing-subscriber", ErrorCode: "", ErrorRetryable: false, ErrorFingerprint: "", ErrorMessage: "", SourceLanguage: "rust", Tenant: "default", IngestedAt: "2026-01-01T00:00:00.000Z",
    ...fields,
  };
}

beforeAll(async () => {
  store = new ChdbStore(storage.dir, "api_test");
  await migrate(store);
  const rows = shopTraffic({ startSecond: start, seconds: 900, requestsPerSecond: 3, fault: { node: "postgres", kind: "error", errorCode: "UNAVAILABLE.CONNECTION_REFUSED", fromSecond: 600, toSecond: 780 } });
  for (let i = 0; i < rows.length; i += 20_000) await store.insert("otel_traces", rows.slice(i, i + 20_000));
  const failingTrace = rows.find((row) => row.ServiceName === "payments" && row.StatusCode === "Error")!.TraceId;
  await store.insert("otel_logs", [
    logRow({ TraceId: failingTrace, Body: "query failed: error connecting to server: Connection refused (os error 111)", ErrorCode: "UNAVAILABLE.CONNECTION_REFUSED" }),
    logRow({ ServiceName: "checkout", SeverityText: "info", SeverityNumber: 9, Body: "order placed", LogFormat: "zap", SourceLanguage: "go" }),
  ]);
  for (let now = faultStart - 30; now < faultStart + 120; now += 10) {
    await runDetection(store, settings, now * 1000);
    await runCorrelation(store, settings, now * 1000);
  }
  app = await buildApi({ deps: { store, logger: createLogger("silent"), latencyBudgets: [{ service: "checkout", quantile: "p99", thresholdMs: 9 }] }, tracer: trace.getTracer("test"), registry: createMetricsRegistry(), health: [] });
});

afterAll(async () => {
  await app?.close();
  await store?.close();
  storage.cleanup();
});

const get = async (url: string) => {
  const response = await app.inject({ method: "GET", url });
  return { status: response.statusCode, body: response.json() as any };
};

describe("on-call API", () => {
  it("lists the incident with its top root-cause candidate, filterable by status and service", async () => {
    const { status, body } = await get(`/api/v1/incidents?${range}`);
    expect(status).toBe(200);
    expect(body.Total).toBe(1);
    expect(body.Incidents[0]).toMatchObject({ Status: "open", TopRootCause: { Node: "postgres", NodeType: "database", ErrorCode: "UNAVAILABLE.CONNECTION_REFUSED" } });
    expect((await get(`/api/v1/incidents?${range}&status=resolved`)).body.Total).toBe(0);
    expect((await get(`/api/v1/incidents?${range}&service=payments`)).body.Total).toBe(1);
    expect((await get(`/api/v1/incidents?${range}&service=nosuch`)).body.Total).toBe(0);
  });

  it("shows an incident's timeline, anomalies, ranked candidates with reasons, exemplar traces and sample logs", async () => {
    const id = (await get(`/api/v1/incidents?${range}`)).body.Incidents[0].IncidentId;
    const { status, body } = await get(`/api/v1/incidents/${id}`);
    expect(status).toBe(200);
    expect(body.Timeline[0]).toMatchObject({ Kind: "opened" });
    expect(body.Timeline.filter((e: { Kind: string }) => e.Kind === "anomaly_added").length).toBe(body.Anomalies.length);
    expect(body.RootCauses[0].Reason).toMatch(/calls from payments to it fail with UNAVAILABLE.CONNECTION_REFUSED/);
    expect(body.ExemplarTraceIds.length).toBeGreaterThan(0);
    expect(body.SampleLogs[0]).toMatchObject({ ServiceName: "payments", ErrorCode: "UNAVAILABLE.CONNECTION_REFUSED" });
  });

  it("answers 404 for an unknown incident and 400 naming the field for a malformed one", async () => {
    expect((await get(`/api/v1/incidents/inc_${"0".repeat(20)}`)).status).toBe(404);
    const bad = await get("/api/v1/incidents/nope");
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain("params.incidentId");
  });

  it("rejects unbounded or inverted time ranges and bad pagination with 400", async () => {
    expect((await get("/api/v1/incidents?from=1700000000000&to=1600000000000")).body.message).toContain("`from` must be before `to`");
    expect((await get("/api/v1/services?from=1600000000000&to=1700000000000")).body.message).toContain("at most 7 days");
    const limit = await get("/api/v1/incidents?limit=100000");
    expect(limit.status).toBe(400);
    expect(limit.body.message).toContain("querystring.limit");
  });

  it("summarizes RED per service with its language", async () => {
    const { body } = await get(`/api/v1/services?${range}`);
    const payments = body.Services.find((s: { ServiceName: string }) => s.ServiceName === "payments");
    expect(payments).toMatchObject({ SourceLanguage: "rust", Calls: 900 * 3, Errors: 180 * 3, Operations: ["POST /charge"] });
    expect(body.Services.map((s: { ServiceName: string }) => s.ServiceName)).toEqual(["checkout", "frontend", "inventory", "payments"]);
  });

  it("draws the service map with databases as nodes and edges with error counts", async () => {
    const { body } = await get(`/api/v1/service-map?${range}`);
    expect(body.Nodes.find((n: { Node: string }) => n.Node === "postgres")).toMatchObject({ NodeType: "database", Errors: 180 * 3 });
    const edge = body.Edges.find((e: { Caller: string; Callee: string }) => e.Caller === "payments" && e.Callee === "postgres");
    expect(edge).toMatchObject({ CalleeType: "database" });
    expect(edge.Errors).toBeGreaterThan(0);
  });

  it("searches logs by severity, glossary code and text", async () => {
    const wide = `from=${start * 1000}&to=${(faultStart + 300) * 1000}`;
    expect((await get(`/api/v1/logs?${wide}`)).body.Logs).toHaveLength(2);
    expect((await get(`/api/v1/logs?${wide}&severity=error`)).body.Logs.map((l: { ServiceName: string }) => l.ServiceName)).toEqual(["payments"]);
    expect((await get(`/api/v1/logs?${wide}&code=UNAVAILABLE.CONNECTION_REFUSED&q=os%20error%20111`)).body.Logs).toHaveLength(1);
    expect((await get(`/api/v1/logs?${wide}&q=no-such-text`)).body.Logs).toHaveLength(0);
    expect((await get(`/api/v1/logs?${wide}&code=not-a-code`)).status).toBe(400);
  });

  it("serves an OpenAPI document that lists every route", async () => {
    const { body } = await get("/api/docs/openapi.json");
    expect(Object.keys(body.paths).sort()).toEqual([
      "/api/v1/alerts",
      "/api/v1/alerts/notifications",
      "/api/v1/alerts/{fingerprint}",
      "/api/v1/anomalies",
      "/api/v1/anomalies/{anomalyId}/series",
      "/api/v1/audit",
      "/api/v1/changes",
      "/api/v1/errors",
      "/api/v1/glossary",
      "/api/v1/glossary/match",
      "/api/v1/incidents",
      "/api/v1/incidents/{incidentId}",
      "/api/v1/incidents/{incidentId}/series",
      "/api/v1/keys",
      "/api/v1/keys/{keyId}",
      "/api/v1/logs",
      "/api/v1/rules",
      "/api/v1/rules/{name}",
      "/api/v1/service-map",
      "/api/v1/services",
      "/api/v1/services/{service}",
      "/api/v1/services/{service}/series",
      "/api/v1/silences",
      "/api/v1/silences/{id}",
      "/api/v1/slos",
      "/api/v1/traces/{traceId}",
      "/api/v1/whoami",
      "/healthz",
    ]);
  });

  it("filters incidents by glossary code", async () => {
    expect((await get(`/api/v1/incidents?${range}&code=UNAVAILABLE.CONNECTION_REFUSED`)).body.Total).toBe(1);
    expect((await get(`/api/v1/incidents?${range}&code=INTERNAL.PANIC`)).body.Total).toBe(0);
    expect((await get(`/api/v1/incidents?${range}&code=not-a-code`)).status).toBe(400);
  });

  it("returns a trace's critical path and its latency attribution per service against the configured budgets", async () => {
    // Request 0 of shopTraffic: frontend 0–11.5 ms > checkout 1.2–10.7 > payments 2.2–7.2 > postgres 3–6, checkout > inventory 7.2–9.7 > redis 8–9.
    const { status, body } = await get(`/api/v1/traces/${"1".padStart(32, "0")}`);
    expect(status).toBe(200);
    const id = (k: number) => (16 + k).toString(16).padStart(16, "0");
    expect(body.RootSpanId).toBe(id(1));
    const msOf = (ns: number) => ns / 1e6;
    expect(body.CriticalPath.map((s: { SpanId: string; StartOffsetNs: number; DurationNs: number }) => [s.SpanId, msOf(s.StartOffsetNs), msOf(s.DurationNs)])).toEqual([
      [id(1), 0, 1.2],
      [id(2), 1.2, 1],
      [id(3), 2.2, 0.8],
      [id(4), 3, 3],
      [id(3), 6, 1.2],
      [id(5), 7.2, 0.8],
      [id(6), 8, 1],
      [id(5), 9, 0.7],
      [id(2), 9.7, 1],
      [id(1), 10.7, 0.8],
    ]);
    expect(body.LatencyAttribution.TotalNs).toBe(11_500_000);
    expect(body.LatencyAttribution.Services.map((s: { Node: string; NodeType: string; CriticalPathNs: number }) => [s.Node, s.NodeType, msOf(s.CriticalPathNs)])).toEqual([
      ["postgres", "database", 3],
      ["checkout", "service", 2],
      ["frontend", "service", 2],
      ["payments", "service", 2],
      ["inventory", "service", 1.5],
      ["redis", "database", 1],
    ]);
    expect(body.LatencyAttribution.Hops).toEqual([]);
    expect(body.LatencyAttribution.Budgets).toEqual([{ ServiceName: "checkout", Operation: null, Quantile: "p99", ThresholdMs: 9, EntrySpanId: id(2), EntryMs: 9.5, CriticalPathMs: 2, Exceeded: true }]);
    const checkout = body.Spans.find((s: { SpanId: string }) => s.SpanId === id(2));
    expect(checkout).toMatchObject({ StartOffsetNs: 1_200_000, ClockSkewNs: 0, CriticalPathNs: 2_000_000 });
  });

  it("gives one service's RED summary per operation, and 404 for a service without calls", async () => {
    const { status, body } = await get(`/api/v1/services/payments?${range}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ Node: "payments", NodeType: "service", SourceLanguage: "rust", Calls: 2700, Errors: 540 });
    expect(body.Operations).toEqual([expect.objectContaining({ Operation: "POST /charge", Calls: 2700, Errors: 540, ErrorRate: 0.2 })]);
    expect((await get(`/api/v1/services/postgres?${range}&nodeType=database`)).body).toMatchObject({ NodeType: "database", Operations: [expect.objectContaining({ Operation: "SELECT payments" })] });
    const missing = await get(`/api/v1/services/nosuch?${range}`);
    expect(missing.status).toBe(404);
    expect(missing.body.message).toContain("no service nosuch with calls");
  });

  it("gives a node's RED series in steps, every step present, latencies null where there were no calls", async () => {
    const from = start * 1000;
    const { body } = await get(`/api/v1/services/payments/series?from=${from}&to=${(start + 1200) * 1000}&step=60`);
    expect(body).toMatchObject({ Node: "payments", StepSeconds: 60, Operation: null });
    expect(body.Points).toHaveLength(20);
    expect(body.Points[0]).toMatchObject({ Time: new Date(from).toISOString(), Calls: 180, Errors: 0, ErrorRate: 0 });
    // The fault (seconds 600–780) is steps 10–12; traffic ends at 900 s.
    expect(body.Points.slice(10, 13).map((p: { ErrorRate: number }) => p.ErrorRate)).toEqual([1, 1, 1]);
    expect(body.Points[19]).toMatchObject({ Calls: 0, ErrorRate: null, P95Ms: null });
    expect(body.Points.reduce((sum: number, p: { Calls: number }) => sum + p.Calls, 0)).toBe(2700);
    const byOperation = await get(`/api/v1/services/payments/series?from=${from}&to=${(start + 1200) * 1000}&operation=${encodeURIComponent("GET /nothing")}`);
    expect(byOperation.body.Points.every((p: { Calls: number }) => p.Calls === 0)).toBe(true);
    expect((await get(`/api/v1/services/payments/series?${range}&step=15`)).body.message).toContain("querystring.step");
    expect((await get(`/api/v1/services/payments/series?from=${from}&to=${from + 86_400_000}&step=10`)).body.message).toContain("more than 2000 points");
  });

  it("lists anomalies and gives an anomaly's series with its baseline, from before the onset", async () => {
    const { body } = await get(`/api/v1/anomalies?${range}`);
    expect(body.Anomalies.length).toBeGreaterThan(0);
    const anomaly = body.Anomalies.find((a: { Node: string; Kind: string }) => a.Node === "postgres" && a.Kind === "error_rate");
    expect(anomaly).toBeDefined();
    expect((await get(`/api/v1/anomalies?${range}&node=inventory`)).body.Anomalies).toEqual([]);
    const series = await get(`/api/v1/anomalies/${anomaly.AnomalyId}/series`);
    expect(series.status).toBe(200);
    expect(series.body).toMatchObject({ Figure: "ErrorRate", Baseline: 0, StepSeconds: 10 });
    expect(Date.parse(series.body.From)).toBe(Date.parse(anomaly.OnsetAt) - 600_000);
    const onset = series.body.Points.find((p: { Time: string }) => p.Time === anomaly.OnsetAt);
    expect(onset.ErrorRate).toBe(1);
    expect(series.body.Points[0].ErrorRate).toBe(0);
    expect((await get(`/api/v1/anomalies/anm_${"0".repeat(20)}/series`)).status).toBe(404);
    expect((await get("/api/v1/anomalies/nope/series")).status).toBe(400);
  });

  it("gives every anomaly series of an incident on one time axis, each as its own request would", async () => {
    const incidentId = (await get(`/api/v1/incidents?${range}`)).body.Incidents[0].IncidentId;
    const { status, body } = await get(`/api/v1/incidents/${incidentId}/series`);
    expect(status).toBe(200);
    const detail = (await get(`/api/v1/incidents/${incidentId}`)).body;
    expect(body.Series.map((s: { Anomaly: { AnomalyId: string } }) => s.Anomaly.AnomalyId)).toEqual(detail.Anomalies.map((a: { AnomalyId: string }) => a.AnomalyId));
    expect(Date.parse(body.From)).toBe(Math.min(...detail.Anomalies.map((a: { OnsetAt: string }) => Date.parse(a.OnsetAt))) - 600_000);
    for (const series of body.Series) {
      expect(series.Points).toHaveLength(body.Series[0].Points.length);
      // The same figures as the anomaly's own series, on the shared axis.
      const own = (await get(`/api/v1/anomalies/${series.Anomaly.AnomalyId}/series`)).body;
      const byTime = new Map(series.Points.map((p: { Time: string }) => [p.Time, p]));
      for (const point of own.Points) if (byTime.has(point.Time) && own.StepSeconds === body.StepSeconds) expect(byTime.get(point.Time)).toEqual(point);
      expect(series.Figure).toBe(own.Figure);
    }
    expect((await get(`/api/v1/incidents/inc_${"0".repeat(20)}/series`)).status).toBe(404);
  });

  it("scopes the new queries to the caller's tenant", async () => {
    const window = { fromSeconds: start, toSeconds: faultStart + 300 };
    expect(await listAnomalies(store, { tenant: "someone-else", ...window, limit: 10 })).toEqual([]);
    expect((await listAnomalies(store, { tenant: "default", ...window, limit: 10 })).length).toBeGreaterThan(0);
    const series = (tenant: string) => redSeries(store, { tenant, node: "payments", nodeType: "service", ...window, stepSeconds: 600 });
    expect((await series("someone-else")).every((p) => p.calls === 0)).toBe(true);
    expect((await series("*")).reduce((sum, p) => sum + p.calls, 0)).toBe(2700);
  });
});
