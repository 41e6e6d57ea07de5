import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { TraceIdHex } from "../../schemas/rows.js";
import type { ApiDeps } from "../deps.js";
import { logsOfTrace } from "../queries/logs.js";
import { spansOfTrace } from "../queries/traces.js";
import { LogRecord } from "./logs.js";
import { ErrorBody } from "../schemas.js";

const maxSpans = 10_000;

const TraceParams = z.object({
  traceId: z
    .string()
    .transform((value) => value.toLowerCase())
    .pipe(TraceIdHex.refine((value) => value.length === 32 && value !== "0".repeat(32), "a non-zero trace id of 32 hex characters")),
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
  SpanAttributes: z.record(z.string(), z.string()),
  ResourceAttributes: z.record(z.string(), z.string()),
  Events: z.array(z.object({ Timestamp: z.string(), Name: z.string(), Attributes: z.record(z.string(), z.string()) })),
  Links: z.array(z.object({ TraceId: z.string(), SpanId: z.string() })),
});

export const TraceResponse = z.object({
  TraceId: z.string(),
  SpanCount: z.number().int(),
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
        summary: "All spans of one trace across services (start order, depth in the span tree, glossary code of each error) and the log lines of the trace",
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
