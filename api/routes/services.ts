import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ApiDeps } from "../deps.js";
import { checkRange, resolveRange, seconds, timeRangeFields } from "../params.js";
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
