import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ApiDeps } from "../deps.js";
import { checkRange, paginationFields, resolveRange, seconds, timeRangeFields } from "../params.js";
import { searchLogs } from "../queries/logs.js";
import { ErrorBody } from "../schemas.js";

/** OTLP SeverityNumber ranges: TRACE 1-4, DEBUG 5-8, INFO 9-12, WARN 13-16, ERROR 17-20, FATAL 21-24. */
const severityFloor = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 } as const;

export const LogRecord = z.object({
  Timestamp: z.string(),
  ServiceName: z.string(),
  SeverityText: z.string(),
  SeverityNumber: z.number(),
  Body: z.string(),
  TraceId: z.string(),
  SpanId: z.string(),
  ErrorCode: z.string(),
  SourceLanguage: z.string(),
  LogFormat: z.string(),
  LogAttributes: z.record(z.string(), z.string()),
});

const LogQuery = checkRange(
  z.object({
    ...timeRangeFields,
    ...paginationFields,
    service: z.string().min(1).max(256).optional(),
    severity: z.enum(["trace", "debug", "info", "warn", "error", "fatal"]).optional().describe("Minimum severity"),
    code: z.string().regex(/^[A-Z_]+(\.[A-Z0-9_]+)*$/, "a glossary code such as UNAVAILABLE.CONNECTION_REFUSED").optional(),
    q: z.string().min(1).max(512).optional().describe("Text the body contains (case-insensitive)"),
    traceId: z.string().regex(/^[0-9a-f]{32}$/, "32 lowercase hex characters").optional(),
  }),
);

export async function logRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get(
    "/api/v1/logs",
    {
      schema: {
        summary: "Search log records by service, minimum severity, glossary code, text and trace id, newest first",
        tags: ["logs"],
        querystring: LogQuery,
        response: { 200: z.object({ Limit: z.number(), Offset: z.number(), Logs: z.array(LogRecord) }), 400: ErrorBody },
      },
    },
    async (request) => {
      const { fromMs, toMs } = resolveRange(request.query);
      const { limit, offset, service, severity, code, q, traceId } = request.query;
      const logs = await searchLogs(deps.store, {
        tenant: request.caller.tenant,
        fromSeconds: seconds(fromMs),
        toSeconds: seconds(toMs) + 1,
        service,
        minSeverityNumber: severity ? severityFloor[severity] : undefined,
        errorCode: code,
        text: q,
        traceId,
        limit,
        offset,
      });
      return { Limit: limit, Offset: offset, Logs: logs };
    },
  );
}
