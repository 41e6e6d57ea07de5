// GET /api/v1/anomalies: what the correlator found, for the service map's colours and for tools;
// GET /api/v1/anomalies/{id}/series: the anomalous series around the anomaly, with its baseline
// and onset, the way the incident page charts it.
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Anomaly } from "../../correlator/index.js";
import type { LatencyBudget } from "../../schemas/config.js";
import type { ApiDeps } from "../deps.js";
import { checkRange, queryInteger, resolveRange, seconds, timeRangeFields } from "../params.js";
import { getAnomaly, listAnomalies } from "../queries/anomalies.js";
import { getIncident } from "../queries/incidents.js";
import { redSeries, redSeriesOf, stepFor } from "../queries/series.js";
import { ErrorBody } from "../schemas.js";
import { AnomalyOut, apiAnomaly } from "./incidents.js";
import { RedPointOut, apiRedPoint } from "./services.js";

/** History shown before the onset: the detector's default baseline (correlator.baselineMinutes). */
const leadSeconds = 600;
/** Shown after the anomaly was last seen. */
const tailSeconds = 120;

const AnomalyFigure = z.enum(["ErrorRate", "P50Ms", "P95Ms", "P99Ms"]);

/** The figure the detector compared with the baseline: error ratio, p95, or the budget's quantile. */
export function anomalyFigure(anomaly: Pick<Anomaly, "kind" | "node" | "operation">, budgets: readonly LatencyBudget[]): z.infer<typeof AnomalyFigure> {
  if (anomaly.kind === "error_rate") return "ErrorRate";
  if (anomaly.kind === "latency") return "P95Ms";
  const budget = budgets.find((b) => b.service === anomaly.node && (b.operation === undefined || b.operation === anomaly.operation));
  return budget?.quantile === "p50" ? "P50Ms" : budget?.quantile === "p95" ? "P95Ms" : "P99Ms";
}

/** From before the earliest onset to after the last sighting (not past now, always past the last bucket). */
function seriesRange(anomalies: readonly Pick<Anomaly, "onsetAt" | "lastSeenAt">[]): { fromSeconds: number; toSeconds: number; stepSeconds: number } {
  const fromSeconds = Math.min(...anomalies.map((a) => a.onsetAt)) - leadSeconds;
  const lastSeen = Math.max(...anomalies.map((a) => a.lastSeenAt));
  const toSeconds = Math.min(lastSeen + tailSeconds, Math.max(Math.ceil(Date.now() / 1000), lastSeen) + 10);
  return { fromSeconds, toSeconds, stepSeconds: stepFor(toSeconds - fromSeconds, 400) };
}

const SeriesOfAnomaly = {
  Anomaly: AnomalyOut,
  Figure: AnomalyFigure.describe("The field of Points the detector compared with Baseline"),
  Baseline: z.number().describe("Error ratio (0..1) or milliseconds: the baseline median, or the budget's threshold"),
};

export async function anomalyRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    "/api/v1/anomalies",
    {
      schema: {
        summary: "Anomalies active at some point of a time range (onset before its end, last seen after its start), newest onset first",
        tags: ["incidents"],
        querystring: checkRange(
          z.object({
            ...timeRangeFields,
            node: z.string().min(1).max(256).optional().describe("Only anomalies of this service or database"),
            limit: queryInteger(z.number().int().min(1).max(1000)).default(200),
          }),
        ),
        response: { 200: z.object({ From: z.string(), To: z.string(), Anomalies: z.array(AnomalyOut) }), 400: ErrorBody },
      },
    },
    async (request) => {
      const { fromMs, toMs } = resolveRange(request.query);
      const anomalies = await listAnomalies(deps.store, { tenant: request.caller.tenant, fromSeconds: seconds(fromMs), toSeconds: seconds(toMs) + 1, node: request.query.node, limit: request.query.limit });
      return { From: new Date(fromMs).toISOString(), To: new Date(toMs).toISOString(), Anomalies: anomalies.map(apiAnomaly) };
    },
  );

  api.get(
    "/api/v1/anomalies/:anomalyId/series",
    {
      schema: {
        summary: "The series an anomaly was found in (error rate or latency per step), from before its onset to after it was last seen, with the baseline it was compared with",
        tags: ["incidents"],
        params: z.object({ anomalyId: z.string().regex(/^anm_[0-9a-f]{20}$/, "an anomaly id like anm_ followed by 20 hex characters") }),
        response: {
          200: z.object({
            ...SeriesOfAnomaly,
            From: z.string(),
            To: z.string(),
            StepSeconds: z.number().int(),
            Points: z.array(RedPointOut),
          }),
          400: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const anomaly = await getAnomaly(deps.store, request.caller.tenant, request.params.anomalyId);
      if (!anomaly) return reply.code(404).send({ statusCode: 404, error: "Not Found", message: `anomaly ${request.params.anomalyId} was not found` });
      const { fromSeconds, toSeconds, stepSeconds } = seriesRange([anomaly]);
      const points = await redSeries(deps.store, { tenant: anomaly.tenant, node: anomaly.node, nodeType: anomaly.nodeType, operation: anomaly.operation, fromSeconds, toSeconds, stepSeconds });
      return {
        Anomaly: apiAnomaly(anomaly),
        Figure: anomalyFigure(anomaly, deps.latencyBudgets ?? []),
        Baseline: anomaly.baseline,
        From: new Date(fromSeconds * 1000).toISOString(),
        To: new Date(toSeconds * 1000).toISOString(),
        StepSeconds: stepSeconds,
        Points: points.map(apiRedPoint),
      };
    },
  );

  api.get(
    "/api/v1/incidents/:incidentId/series",
    {
      schema: {
        summary: "The series of every anomaly of an incident on one time axis (from before the earliest onset to after the last sighting), each with its baseline: one request for the incident's charts",
        tags: ["incidents"],
        params: z.object({ incidentId: z.string().regex(/^inc_[0-9a-f]{20}$/, "an incident id like inc_ followed by 20 hex characters") }),
        response: {
          200: z.object({
            IncidentId: z.string(),
            From: z.string(),
            To: z.string(),
            StepSeconds: z.number().int(),
            Series: z.array(z.object({ ...SeriesOfAnomaly, Points: z.array(RedPointOut) })),
          }),
          400: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const found = await getIncident(deps.store, request.caller.tenant, request.params.incidentId);
      if (!found) return reply.code(404).send({ statusCode: 404, error: "Not Found", message: `incident ${request.params.incidentId} was not found` });
      const { incident, anomalies } = found;
      if (anomalies.length === 0) {
        const at = new Date(incident.startedAt * 1000).toISOString();
        return { IncidentId: incident.incidentId, From: at, To: at, StepSeconds: 10, Series: [] };
      }
      const range = seriesRange(anomalies);
      const series = await redSeriesOf(deps.store, incident.tenant, anomalies.map((a) => ({ node: a.node, nodeType: a.nodeType, operation: a.operation })), range);
      return {
        IncidentId: incident.incidentId,
        From: new Date(range.fromSeconds * 1000).toISOString(),
        To: new Date(range.toSeconds * 1000).toISOString(),
        StepSeconds: range.stepSeconds,
        Series: anomalies.map((anomaly, i) => ({ Anomaly: apiAnomaly(anomaly), Figure: anomalyFigure(anomaly, deps.latencyBudgets ?? []), Baseline: anomaly.baseline, Points: series[i]!.map(apiRedPoint) })),
      };
    },
  );
}
