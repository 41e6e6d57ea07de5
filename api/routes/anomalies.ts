// GET /api/v1/anomalies: what the correlator found, for the service map's colours and for tools;
// GET /api/v1/anomalies/{id}/series: the anomalous series around the anomaly, with its baseline
// and onset, the way the incident page charts it.
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Anomaly } from "../../correlator/index.js";
import type { LatencyBudget } from "../../schemas/config.js";
import type { ApiDeps } from "../deps.js";
import { checkRange, resolveRange, seconds, timeRangeFields } from "../params.js";
import { getAnomaly, listAnomalies } from "../queries/anomalies.js";
import { redSeries, stepFor } from "../queries/series.js";
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
            limit: z.coerce.number().int().min(1).max(1000).default(200),
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
            Anomaly: AnomalyOut,
            Figure: AnomalyFigure.describe("The field of Points the detector compared with Baseline"),
            Baseline: z.number().describe("Error ratio (0..1) or milliseconds: the baseline median, or the budget's threshold"),
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
      const fromSeconds = anomaly.onsetAt - leadSeconds;
      // Not past now (an active anomaly's tail has not happened yet), but always past its last bucket.
      const toSeconds = Math.min(anomaly.lastSeenAt + tailSeconds, Math.max(Math.ceil(Date.now() / 1000), anomaly.lastSeenAt) + 10);
      const stepSeconds = stepFor(toSeconds - fromSeconds, 400);
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
}
