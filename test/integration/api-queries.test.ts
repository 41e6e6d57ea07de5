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
  app = await buildApi({ deps: { store, logger: createLogger("silent") }, tracer: trace.getTracer("test"), registry: createMetricsRegistry(), health: [] });
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
      "/api/v1/alerts", "/api/v1/alerts/notifications", "/api/v1/alerts/{fingerprint}", "/api/v1/errors", "/api/v1/glossary", "/api/v1/glossary/match", "/api/v1/incidents", "/api/v1/incidents/{incidentId}", "/api/v1/logs",
      "/api/v1/rules", "/api/v1/rules/{name}", "/api/v1/service-map", "/api/v1/services", "/api/v1/silences", "/api/v1/silences/{id}", "/api/v1/slos", "/api/v1/traces/{traceId}", "/healthz",
    ]);
  });
});
