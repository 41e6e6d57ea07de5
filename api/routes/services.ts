import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ApiDeps } from "../deps.js";
import { checkRange, queryInteger, resolveRange, seconds, timeRangeFields } from "../params.js";
import { nodeOperations, nodeTotal, redSeries, stepFor, type RedPoint } from "../queries/series.js";
import { mapNodes, nodeSummaries, serviceMapEdges, type NodeSummary } from "../queries/services.js";
import { ErrorBody } from "../schemas.js";

const Red = {
  RequestsPerSecond: z.number(),
  ErrorRate: z.number().describe("Errors / calls, 0..1"),
  Calls: z.number(),
  Errors: z.number(),
  P50Ms: z.number(),
  P95Ms: z.number(),
  P99Ms: z.number(),
};

const ServiceSummary = z.object({ ServiceName: z.string(), SourceLanguage: z.string(), Operations: z.array(z.string()), ...Red });
const MapNode = z.object({ Node: z.string(), NodeType: z.enum(["service", "database", "queue", "peer"]), SourceLanguage: z.string(), ...Red });
const MapEdge = z.object({ Caller: z.string(), Callee: z.string(), CalleeType: z.string(), Calls: z.number(), Errors: z.number(), ErrorRate: z.number(), RequestsPerSecond: z.number(), P95Ms: z.number() });

const RangeQuery = checkRange(z.object({ ...timeRangeFields }));

const red = (node: NodeSummary, rangeSeconds: number) => ({
  RequestsPerSecond: Math.round((node.Calls / rangeSeconds) * 1000) / 1000,
  ErrorRate: node.Calls > 0 ? Math.round((node.Errors / node.Calls) * 10000) / 10000 : 0,
  Calls: node.Calls,
  Errors: node.Errors,
  P50Ms: node.P50Ms,
  P95Ms: node.P95Ms,
  P99Ms: node.P99Ms,
});

export async function serviceRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    "/api/v1/services",
    {
      schema: {
        summary: "RED summary (rate, errors, duration percentiles) per service and its language, over a time range",
        tags: ["services"],
        querystring: RangeQuery,
        response: { 200: z.object({ From: z.string(), To: z.string(), Services: z.array(ServiceSummary) }), 400: ErrorBody },
      },
    },
    async (request) => {
      const { fromMs, toMs } = resolveRange(request.query);
      const nodes = await nodeSummaries(deps.store, request.caller.tenant, seconds(fromMs), seconds(toMs) + 1, "service");
      const rangeSeconds = Math.max(1, (toMs - fromMs) / 1000);
      return {
        From: new Date(fromMs).toISOString(),
        To: new Date(toMs).toISOString(),
        Services: nodes.map((node) => ({ ServiceName: node.Node, SourceLanguage: node.SourceLanguage, Operations: node.Operations, ...red(node, rangeSeconds) })),
      };
    },
  );

  api.get(
    "/api/v1/service-map",
    {
      schema: {
        summary: "Services and databases with their RED figures, and caller → callee edges with call and error counts",
        tags: ["services"],
        querystring: RangeQuery,
        response: { 200: z.object({ From: z.string(), To: z.string(), Nodes: z.array(MapNode), Edges: z.array(MapEdge) }), 400: ErrorBody },
      },
    },
    async (request) => {
      const { fromMs, toMs } = resolveRange(request.query);
      const rangeSeconds = Math.max(1, (toMs - fromMs) / 1000);
      const [nodes, edges] = await Promise.all([
        nodeSummaries(deps.store, request.caller.tenant, seconds(fromMs), seconds(toMs) + 1),
        serviceMapEdges(deps.store, request.caller.tenant, seconds(fromMs), seconds(toMs) + 1),
      ]);
      return {
        From: new Date(fromMs).toISOString(),
        To: new Date(toMs).toISOString(),
        Nodes: mapNodes(nodes, edges).map((node) => ({ Node: node.Node, NodeType: node.NodeType as z.infer<typeof MapNode>["NodeType"], SourceLanguage: node.SourceLanguage, ...red(node, rangeSeconds) })),
        Edges: edges.map((edge) => ({
          Caller: edge.caller,
          Callee: edge.callee,
          CalleeType: edge.calleeType,
          Calls: edge.calls,
          Errors: edge.errors,
          ErrorRate: edge.calls > 0 ? Math.round((edge.errors / edge.calls) * 10000) / 10000 : 0,
          RequestsPerSecond: Math.round((edge.calls / rangeSeconds) * 1000) / 1000,
          P95Ms: Math.round(edge.p95Ms * 1000) / 1000,
        })),
      };
    },
  );
}

/** One point of a RED series; latencies are null for a step without calls. */
export const RedPointOut = z.object({
  Time: z.string().describe("Start of the step, ISO-8601"),
  Calls: z.number().int(),
  Errors: z.number().int(),
  ErrorRate: z.number().nullable().describe("Errors / calls, 0..1; null without calls"),
  P50Ms: z.number().nullable(),
  P95Ms: z.number().nullable(),
  P99Ms: z.number().nullable(),
});

export const apiRedPoint = (point: RedPoint): z.infer<typeof RedPointOut> => ({
  Time: new Date(point.time * 1000).toISOString(),
  Calls: point.calls,
  Errors: point.errors,
  ErrorRate: point.calls > 0 ? Math.round((point.errors / point.calls) * 10000) / 10000 : null,
  P50Ms: point.p50Ms,
  P95Ms: point.p95Ms,
  P99Ms: point.p99Ms,
});

const NodeTypeOut = z.enum(["service", "database", "queue", "peer"]);
const NodeParams = z.object({ service: z.string().min(1).max(256).describe("A service name, or the name of a callee without spans (a database, queue or other peer) with its nodeType") });
const nodeTypeField = NodeTypeOut.default("service").describe("database, queue, peer: a callee seen only from its callers' call spans");

const SeriesQuery = checkRange(
  z.object({
    ...timeRangeFields,
    nodeType: nodeTypeField,
    operation: z.string().min(1).max(512).optional().describe("One operation (span name of the entry spans); default: all"),
    step: queryInteger(z.number().int().min(10).max(86_400).multipleOf(10, "a multiple of the 10-second bucket")).optional().describe("Seconds per point; default: at most 360 points"),
  }),
).superRefine((query, ctx) => {
  const { fromMs, toMs } = resolveRange(query);
  if (query.step && (toMs - fromMs) / 1000 / query.step > 2000) ctx.addIssue({ code: "custom", path: ["step"], message: "the range and step give more than 2000 points" });
});

const OperationOut = z.object({ Operation: z.string(), ...Red });

export async function serviceDetailRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    "/api/v1/services/:service",
    {
      schema: {
        summary: "One service (or database): its RED summary and the RED figures of each of its operations over a time range",
        tags: ["services"],
        params: NodeParams,
        querystring: checkRange(z.object({ ...timeRangeFields, nodeType: nodeTypeField })),
        response: {
          200: z.object({ Node: z.string(), NodeType: NodeTypeOut, SourceLanguage: z.string(), From: z.string(), To: z.string(), ...Red, Operations: z.array(OperationOut) }),
          400: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const { fromMs, toMs } = resolveRange(request.query);
      const rangeSeconds = Math.max(1, (toMs - fromMs) / 1000);
      const ref = { tenant: request.caller.tenant, node: request.params.service, nodeType: request.query.nodeType, fromSeconds: seconds(fromMs), toSeconds: seconds(toMs) + 1 };
      const [total, operations] = await Promise.all([nodeTotal(deps.store, ref), nodeOperations(deps.store, ref)]);
      if (!total) {
        return reply.code(404).send({ statusCode: 404, error: "Not Found", message: `no ${ref.nodeType} ${ref.node} with calls between ${new Date(fromMs).toISOString()} and ${new Date(toMs).toISOString()}` });
      }
      const redOf = (o: { calls: number; errors: number; p50Ms: number; p95Ms: number; p99Ms: number }) =>
        red({ Node: ref.node, NodeType: ref.nodeType, SourceLanguage: "", Operations: [], Calls: o.calls, Errors: o.errors, P50Ms: o.p50Ms, P95Ms: o.p95Ms, P99Ms: o.p99Ms }, rangeSeconds);
      return {
        Node: ref.node,
        NodeType: ref.nodeType,
        SourceLanguage: total.sourceLanguage,
        From: new Date(fromMs).toISOString(),
        To: new Date(toMs).toISOString(),
        ...redOf(total),
        Operations: operations.map((o) => ({ Operation: o.operation, ...redOf(o) })),
      };
    },
  );

  api.get(
    "/api/v1/services/:service/series",
    {
      schema: {
        summary: "RED over time of one service (or database), all operations or one: calls, errors, error rate, p50/p95/p99 per step",
        tags: ["services"],
        params: NodeParams,
        querystring: SeriesQuery,
        response: {
          200: z.object({ Node: z.string(), NodeType: NodeTypeOut, Operation: z.string().nullable(), From: z.string(), To: z.string(), StepSeconds: z.number().int(), Points: z.array(RedPointOut) }),
          400: ErrorBody,
        },
      },
    },
    async (request) => {
      const { fromMs, toMs } = resolveRange(request.query);
      const stepSeconds = request.query.step ?? stepFor((toMs - fromMs) / 1000);
      const points = await redSeries(deps.store, {
        tenant: request.caller.tenant,
        node: request.params.service,
        nodeType: request.query.nodeType,
        operation: request.query.operation,
        fromSeconds: seconds(fromMs),
        toSeconds: Math.ceil(toMs / 1000),
        stepSeconds,
      });
      return {
        Node: request.params.service,
        NodeType: request.query.nodeType,
        Operation: request.query.operation ?? null,
        From: new Date(fromMs).toISOString(),
        To: new Date(toMs).toISOString(),
        StepSeconds: stepSeconds,
        Points: points.map(apiRedPoint),
      };
    },
  );
}
