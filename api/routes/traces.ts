import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ApiDeps } from "../deps.js";
import { logsOfTrace } from "../queries/logs.js";
import { spansOfTrace, type SpanRecord } from "../queries/traces.js";
import { analyzeTrace, type AnalysisSpan } from "../trace-analysis.js";
import { LogRecord } from "./logs.js";
import { ErrorBody } from "../schemas.js";

const maxSpans = 10_000;

const TraceParams = z.object({
  traceId: z
    .string()
    .regex(/^(?!0{32}$)[0-9a-fA-F]{32}$/, "a non-zero trace id of 32 hex characters")
    .transform((value) => value.toLowerCase()),
});

const SpanOut = z.object({
  TraceId: z.string(),
  SpanId: z.string(),
  ParentSpanId: z.string(),
  ServiceName: z.string(),
  SpanName: z.string(),
  SpanKind: z.string(),
  Timestamp: z.string().describe("Start time, ISO-8601 with nanoseconds"),
  TimestampNs: z.string().describe("Start time, nanoseconds since the Unix epoch"),
  Duration: z.string().describe("Nanoseconds"),
  StatusCode: z.string(),
  StatusMessage: z.string(),
  ErrorCode: z.string(),
  ErrorRetryable: z.boolean(),
  ErrorMessage: z.string(),
  SourceLanguage: z.string(),
  Depth: z.number().int().describe("0 for a root; a span whose parent is missing from the trace is a root too"),
  StartOffsetNs: z.number().int().describe("Start after clock-skew adjustment, nanoseconds from TraceStartNs"),
  ClockSkewNs: z.number().int().describe("The clock-skew adjustment added to this span's start (0 when its clock agrees with its caller's)"),
  CriticalPathNs: z.number().int().describe("This span's own time on the trace's critical path (0 when off the path)"),
  SpanAttributes: z.record(z.string(), z.string()),
  ResourceAttributes: z.record(z.string(), z.string()),
  Events: z.array(z.object({ Timestamp: z.string(), Name: z.string(), Attributes: z.record(z.string(), z.string()) })),
  Links: z.array(z.object({ TraceId: z.string(), SpanId: z.string() })),
});

const CriticalSection = z.object({
  SpanId: z.string(),
  ServiceName: z.string(),
  SpanName: z.string(),
  StartOffsetNs: z.number().int().describe("Nanoseconds from TraceStartNs"),
  DurationNs: z.number().int(),
});

const LatencyAttribution = z.object({
  TotalNs: z.number().int().describe("The root span's duration: the sum of every row below"),
  Services: z.array(
    z.object({
      Node: z.string(),
      NodeType: z.enum(["service", "database", "queue", "peer"]),
      CriticalPathNs: z.number().int().describe("Own time of the node's spans on the critical path (a callee without spans of its own: the whole time of the calls to it)"),
      Share: z.number().describe("CriticalPathNs / TotalNs, 0..1"),
    }),
  ),
  Hops: z.array(
    z.object({
      Caller: z.string(),
      Callee: z.string(),
      CriticalPathNs: z.number().int().describe("Time the caller's call spans waited beyond the callee's own span (network, queues, serialization), or calls to a service of the trace that never answered"),
      Share: z.number(),
    }),
  ),
  Budgets: z.array(
    z.object({
      ServiceName: z.string(),
      Operation: z.string().nullable().describe("null: the budget covers every operation of the service"),
      Quantile: z.enum(["p50", "p95", "p99"]),
      ThresholdMs: z.number(),
      EntrySpanId: z.string().describe("The service's longest entry span (server, consumer or root) in this trace matching the budget"),
      EntryMs: z.number(),
      CriticalPathMs: z.number().describe("The service's own time on the critical path"),
      Exceeded: z.boolean().describe("EntryMs > ThresholdMs"),
    }),
  ),
});

export const TraceResponse = z.object({
  TraceId: z.string(),
  SpanCount: z.number().int(),
  TraceStartNs: z.string().describe("Start of the earliest span after clock-skew adjustment, nanoseconds since the Unix epoch"),
  RootSpanId: z.string().describe("The span the critical path is computed from: the earliest span without a parent in the trace"),
  CriticalPath: z.array(CriticalSection).describe("Sections of spans in time order, covering the root span without gaps: see docs/trace-analysis.md"),
  LatencyAttribution,
  Services: z.array(z.object({ ServiceName: z.string(), SourceLanguage: z.string(), SpanCount: z.number().int(), ErrorCount: z.number().int() })),
  Truncated: z.boolean().describe(`True when the trace has more than ${maxSpans} spans and only the first are returned`),
  Spans: z.array(SpanOut),
  Logs: z.array(LogRecord).describe("Log records carrying this trace id, in time order"),
});

export async function traceRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get(
    "/api/v1/traces/:traceId",
    {
      schema: {
        summary:
          "All spans of one trace across services (start order, depth in the span tree, glossary code of each error), its critical path, the latency attribution per service and hop against the configured budgets, and the log lines of the trace",
        tags: ["traces"],
        params: TraceParams,
        response: { 200: TraceResponse, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const { traceId } = request.params;
      const rows = await spansOfTrace(deps.store, request.caller.tenant, traceId, maxSpans + 1);
      if (rows.length === 0) return reply.code(404).send({ statusCode: 404, error: "Not Found", message: `trace ${traceId} was not found` });
      const spans = rows.slice(0, maxSpans);
      const depthOf = spanDepths(spans);
      const firstNs = spans[0]!.TimestampNs;
      const lastNs = spans.reduce((max, span) => {
        const end = BigInt(span.TimestampNs) + BigInt(span.Duration);
        return end > max ? end : max;
      }, 0n);
      const logs = await logsOfTrace(deps.store, request.caller.tenant, traceId, firstNs, lastNs.toString());
      const analysis = analyzeTrace(spans.map(toAnalysisSpan), deps.latencyBudgets ?? [])!;
      const byId = new Map(spans.map((span) => [span.SpanId, span]));
      const services = new Map<string, { ServiceName: string; SourceLanguage: string; SpanCount: number; ErrorCount: number }>();
      for (const span of spans) {
        const entry = services.get(span.ServiceName) ?? { ServiceName: span.ServiceName, SourceLanguage: span.SourceLanguage, SpanCount: 0, ErrorCount: 0 };
        entry.SpanCount += 1;
        if (span.StatusCode === "Error") entry.ErrorCount += 1;
        services.set(span.ServiceName, entry);
      }
      return {
        TraceId: traceId,
        SpanCount: spans.length,
        Services: [...services.values()],
        Truncated: rows.length > maxSpans,
        TraceStartNs: analysis.traceStartNs.toString(),
        RootSpanId: analysis.rootSpanId,
        CriticalPath: analysis.criticalPath.map((section) => ({
          SpanId: section.spanId,
          ServiceName: byId.get(section.spanId)?.ServiceName ?? "",
          SpanName: byId.get(section.spanId)?.SpanName ?? "",
          StartOffsetNs: section.startOffsetNs,
          DurationNs: section.endOffsetNs - section.startOffsetNs,
        })),
        LatencyAttribution: {
          TotalNs: analysis.attribution.totalNs,
          Services: analysis.attribution.services.map((s) => ({ Node: s.node, NodeType: s.nodeType, CriticalPathNs: s.criticalPathNs, Share: s.share })),
          Hops: analysis.attribution.hops.map((h) => ({ Caller: h.caller, Callee: h.callee, CriticalPathNs: h.criticalPathNs, Share: h.share })),
          Budgets: analysis.attribution.budgets.map((b) => ({
            ServiceName: b.service,
            Operation: b.operation,
            Quantile: b.quantile,
            ThresholdMs: b.thresholdMs,
            EntrySpanId: b.entrySpanId,
            EntryMs: b.entryMs,
            CriticalPathMs: b.criticalPathMs,
            Exceeded: b.exceeded,
          })),
        },
        Spans: spans.map((span) => ({
          TraceId: span.TraceId,
          SpanId: span.SpanId,
          ParentSpanId: span.ParentSpanId,
          ServiceName: span.ServiceName,
          SpanName: span.SpanName,
          SpanKind: span.SpanKind,
          Timestamp: span.Timestamp,
          TimestampNs: span.TimestampNs,
          Duration: span.Duration,
          StatusCode: span.StatusCode,
          StatusMessage: span.StatusMessage,
          ErrorCode: span.ErrorCode,
          ErrorRetryable: span.ErrorRetryable,
          ErrorMessage: span.ErrorMessage,
          SourceLanguage: span.SourceLanguage,
          Depth: depthOf.get(span.SpanId) ?? 0,
          StartOffsetNs: Number(BigInt(span.TimestampNs) + BigInt(analysis.clockSkewNs.get(span.SpanId) ?? 0) - analysis.traceStartNs),
          ClockSkewNs: analysis.clockSkewNs.get(span.SpanId) ?? 0,
          CriticalPathNs: analysis.criticalNsBySpan.get(span.SpanId) ?? 0,
          SpanAttributes: span.SpanAttributes,
          ResourceAttributes: span.ResourceAttributes,
          Events: span["Events.Name"].map((name, i) => ({
            Timestamp: span["Events.Timestamp"][i] ?? "",
            Name: name,
            Attributes: span["Events.Attributes"][i] ?? {},
          })),
          Links: span["Links.TraceId"].map((linkTraceId, i) => ({ TraceId: linkTraceId, SpanId: span["Links.SpanId"][i] ?? "" })),
        })),
        Logs: logs,
      };
    },
  );
}

/** The fields the critical-path analysis reads; a span's clock is its service's on its host. */
function toAnalysisSpan(span: SpanRecord): AnalysisSpan {
  const host = span.ResourceAttributes["host.name"] || span.ResourceAttributes["service.instance.id"] || "";
  return {
    spanId: span.SpanId,
    parentSpanId: span.ParentSpanId,
    serviceName: span.ServiceName,
    spanName: span.SpanName,
    spanKind: span.SpanKind,
    startNs: BigInt(span.TimestampNs),
    durationNs: BigInt(span.Duration),
    peer: span.Peer,
    peerType: span.PeerType,
    clockKey: `${span.ServiceName}\u0000${host}`,
  };
}

/** Depth of each span in its trace's tree; orphans (parent not received) count as roots. */
export function spanDepths(spans: readonly { SpanId: string; ParentSpanId: string }[]): Map<string, number> {
  const parentOf = new Map(spans.map((span) => [span.SpanId, span.ParentSpanId]));
  const depths = new Map<string, number>();
  const depth = (spanId: string, seen: Set<string>): number => {
    const known = depths.get(spanId);
    if (known !== undefined) return known;
    const parent = parentOf.get(spanId);
    // A cycle (malformed ids) or a missing parent ends the walk.
    const value = parent && parentOf.has(parent) && !seen.has(parent) ? depth(parent, seen.add(spanId)) + 1 : 0;
    depths.set(spanId, value);
    return value;
  };
  for (const span of spans) depth(span.SpanId, new Set());
  return depths;
}
