import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Anomaly, Incident } from "../../correlator/index.js";
import type { ApiDeps } from "../deps.js";
import { checkRange, paginationFields, resolveRange, seconds, timeRangeFields } from "../params.js";
import { getIncident, listIncidents, type IncidentEventRow } from "../queries/incidents.js";
import { alertsOfIncident } from "../queries/alerts.js";
import { ErrorBody } from "../schemas.js";
import { Alert, apiAlert } from "./alerts.js";

const iso = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString();

const RootCause = z.object({
  Node: z.string().describe("A service, or a callee seen from its callers' client spans (a database, a queue, a peer that never answers with spans)"),
  NodeType: z.enum(["service", "database", "queue", "peer"]),
  Score: z.number(),
  Reason: z.string(),
  ErrorCode: z.string().describe("Glossary code of the errors that start at this node"),
  Boundary: z
    .enum(["own", "caller", "peer", "unanswered", "answered_transport", "answered_slow", "caller_deadline"])
    .nullable()
    .describe("How its errors were attributed: own spans; the caller's own doing on a call; a callee without spans; a call that never reached it; its spans succeeded but the call failed on the way; timed out while it was slow; the caller's own deadline"),
  Callers: z.array(z.string()).describe("For errors at a boundary: the callers whose calls to it fail (the edges to look at)"),
  Cause: z.number().nullable().describe("Which independent cause it explains (1-based), when the incident has several"),
  Evidence: z.object({
    OriginErrors: z.number(),
    OriginShare: z.number(),
    ErrorTraceShare: z.number(),
    SelfTimeMs: z.number(),
    BaselineSelfTimeMs: z.number(),
    EarliestOnset: z.boolean(),
    AnomalyKinds: z.array(z.string()),
  }),
});

const IncidentSummary = z.object({
  IncidentId: z.string(),
  Tenant: z.string(),
  Status: z.enum(["open", "resolved"]),
  Title: z.string(),
  StartedAt: z.string(),
  UpdatedAt: z.string(),
  ResolvedAt: z.string().nullable(),
  Services: z.array(z.string()),
  ErrorCodes: z.record(z.string(), z.number()),
  TopRootCause: RootCause.nullable(),
});

export const AnomalyOut = z.object({
  AnomalyId: z.string(),
  Node: z.string(),
  NodeType: z.string(),
  Operation: z.string(),
  Kind: z.string(),
  OnsetAt: z.string(),
  DetectedAt: z.string(),
  LastSeenAt: z.string(),
  Score: z.number(),
  Observed: z.number().describe("Error ratio (0..1) or p95 latency in ms over the detection window"),
  Baseline: z.number(),
  Calls: z.number(),
  Errors: z.number(),
  ErrorCodes: z.record(z.string(), z.number()),
});

const Cause = z.object({
  Node: z.string(),
  NodeType: z.enum(["service", "database", "queue", "peer"]),
  ErrorCode: z.string(),
  ErrorTraces: z.number().describe("Error traces this cause explains"),
  Share: z.number().describe("Its share of the incident's error traces"),
  RootCauses: z.array(RootCause).describe("Candidates ranked on this cause's own evidence"),
  ExemplarTraceIds: z.array(z.string()),
});

const IncidentDetail = IncidentSummary.extend({
  Operations: z.array(z.string()),
  RootCauses: z.array(RootCause),
  Causes: z.array(Cause).describe("Independent causes (disjoint error traces, or far apart with different codes), largest first; one for a single fault"),
  Changes: z
    .array(z.object({ ChangeId: z.string(), Node: z.string(), At: z.string(), Kind: z.string(), What: z.string(), Detail: z.record(z.string(), z.string()) }))
    .describe("Changes shortly before the onset: new service versions seen in the spans, announced deploys, config and feature-flag changes"),
  Timeline: z.array(z.object({ At: z.string(), Kind: z.string(), Message: z.string(), Detail: z.record(z.string(), z.unknown()) })),
  Anomalies: z.array(AnomalyOut),
  ExemplarTraceIds: z.array(z.string()),
  SampleLogs: z.array(z.object({ Timestamp: z.string(), ServiceName: z.string(), SeverityText: z.string(), Body: z.string(), TraceId: z.string(), ErrorCode: z.string() })),
  Alerts: z.array(Alert).describe("Alerts that fired while the incident was open, on its services"),
});

function apiRootCause(candidate: Incident["rootCauses"][number]): z.infer<typeof RootCause> {
  const e = candidate.evidence;
  return {
    Node: candidate.node,
    NodeType: candidate.nodeType,
    Score: candidate.score,
    Reason: candidate.reason,
    ErrorCode: candidate.errorCode,
    Boundary: candidate.boundary ?? null,
    Callers: candidate.callers ?? [],
    Cause: candidate.cause ?? null,
    Evidence: {
      OriginErrors: e.originErrors,
      OriginShare: e.originShare,
      ErrorTraceShare: e.errorTraceShare,
      SelfTimeMs: e.selfTimeMs,
      BaselineSelfTimeMs: e.baselineSelfTimeMs,
      EarliestOnset: e.earliestOnset,
      AnomalyKinds: e.anomalyKinds,
    },
  };
}

/** The one place where the correlator's incident becomes the API's shape. */
export function apiIncidentSummary(incident: Incident): z.infer<typeof IncidentSummary> {
  return {
    IncidentId: incident.incidentId,
    Tenant: incident.tenant,
    Status: incident.status,
    Title: incident.title,
    StartedAt: iso(incident.startedAt),
    UpdatedAt: iso(incident.updatedAt),
    ResolvedAt: incident.resolvedAt === null ? null : iso(incident.resolvedAt),
    Services: incident.services,
    ErrorCodes: incident.errorCodes,
    TopRootCause: incident.rootCauses[0] ? apiRootCause(incident.rootCauses[0]) : null,
  };
}

export function apiAnomaly(a: Anomaly): z.infer<typeof AnomalyOut> {
  return {
    AnomalyId: a.anomalyId, Node: a.node, NodeType: a.nodeType, Operation: a.operation, Kind: a.kind, OnsetAt: iso(a.onsetAt), DetectedAt: iso(a.detectedAt), LastSeenAt: iso(a.lastSeenAt),
    Score: a.score, Observed: a.observed, Baseline: a.baseline, Calls: a.calls, Errors: a.errors, ErrorCodes: a.errorCodes,
  };
}

const ListQuery = checkRange(
  z.object({
    ...timeRangeFields,
    ...paginationFields,
    status: z.enum(["open", "resolved"]).optional(),
    service: z.string().min(1).max(256).optional(),
    code: z.string().regex(/^[A-Z][A-Z_]*(\.[A-Z0-9][A-Z0-9_]*)?$/, "a glossary code such as UNAVAILABLE.CONNECTION_REFUSED").optional().describe("Incidents whose errors include this glossary code"),
  }),
);

export async function incidentRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    "/api/v1/incidents",
    {
      schema: {
        summary: "Incidents active in a time range, newest first, with their top root-cause candidate",
        tags: ["incidents"],
        querystring: ListQuery,
        response: { 200: z.object({ Total: z.number(), Limit: z.number(), Offset: z.number(), Incidents: z.array(IncidentSummary) }), 400: ErrorBody },
      },
    },
    async (request) => {
      const { fromMs, toMs } = resolveRange(request.query);
      const { limit, offset, status, service, code } = request.query;
      const { total, incidents } = await listIncidents(deps.store, { tenant: request.caller.tenant, status, service, code, fromSeconds: seconds(fromMs), toSeconds: seconds(toMs) + 1, limit, offset });
      return { Total: total, Limit: limit, Offset: offset, Incidents: incidents.map(apiIncidentSummary) };
    },
  );

  api.get(
    "/api/v1/incidents/:incidentId",
    {
      schema: {
        summary: "One incident: timeline, anomalies, ranked root-cause candidates with reasons, exemplar traces and sample logs",
        tags: ["incidents"],
        params: z.object({ incidentId: z.string().regex(/^inc_[0-9a-f]{20}$/, "an incident id like inc_ followed by 20 hex characters") }),
        response: { 200: IncidentDetail, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const found = await getIncident(deps.store, request.caller.tenant, request.params.incidentId);
      if (!found) return reply.code(404).send({ statusCode: 404, error: "Not Found", message: `incident ${request.params.incidentId} was not found` });
      const { incident, events, anomalies } = found;
      return {
        ...apiIncidentSummary(incident),
        Operations: incident.operations,
        RootCauses: incident.rootCauses.map(apiRootCause),
        Changes: (incident.changes ?? []).map((c) => ({ ChangeId: c.changeId, Node: c.node, At: iso(c.at), Kind: c.kind, What: c.what, Detail: c.detail })),
        Causes: (incident.causes ?? []).map((cause) => ({
          Node: cause.node, NodeType: cause.nodeType, ErrorCode: cause.errorCode, ErrorTraces: cause.errorTraces, Share: cause.share,
          RootCauses: cause.rootCauses.map(apiRootCause), ExemplarTraceIds: cause.exemplarTraceIds,
        })),
        Timeline: events.map((event: IncidentEventRow) => ({ At: event.At, Kind: event.Kind, Message: event.Message, Detail: JSON.parse(event.Detail || "{}") as Record<string, unknown> })),
        Anomalies: anomalies.map(apiAnomaly),
        ExemplarTraceIds: incident.exemplarTraceIds,
        SampleLogs: incident.sampleLogs.map((log) => ({ Timestamp: log.timestamp, ServiceName: log.serviceName, SeverityText: log.severityText, Body: log.body, TraceId: log.traceId, ErrorCode: log.errorCode })),
        Alerts: (await alertsOfIncident(deps.store, request.caller.tenant, incident.incidentId)).map((a) => apiAlert(a)),
      };
    },
  );
}
