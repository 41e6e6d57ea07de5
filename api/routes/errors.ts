// GET /api/v1/errors: how often each glossary code occurred per service and language in a time
// range (spans and logs together), with sample messages; UNKNOWN errors per fingerprint.
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { bundledGlossary } from "../../schemas/glossary/bundled.js";
import { ErrorClass, ErrorSeverity } from "../../schemas/glossary/schema.js";
import { SourceLanguage } from "../../schemas/rows.js";
import type { ApiDeps } from "../deps.js";
import { checkRange, queryInteger, resolveRange, timeRangeFields } from "../params.js";
import { countErrors } from "../queries/errors.js";
import { ErrorBody } from "../schemas.js";

const ErrorsQuery = checkRange(
  z.object({
    ...timeRangeFields,
    service: z.string().min(1).max(256).optional(),
    language: SourceLanguage.optional().describe("SourceLanguage: go, rust, …"),
    code: z
      .string()
      .regex(/^[A-Z][A-Z_]*(\.[A-Z0-9][A-Z0-9_]*)?$/, "a glossary code such as UNAVAILABLE.CONNECTION_REFUSED or UNKNOWN")
      .optional(),
    fingerprint: z.string().regex(/^[0-9a-f]{16}$/, "16 lowercase hex characters").optional(),
    limit: queryInteger(z.number().int().min(1).max(1000)).default(100),
  }),
);

export const ErrorGroup = z.object({
  ErrorCode: z.string(),
  Title: z.string().describe("The glossary entry's title ('' for a code not in this glossary version)"),
  Class: ErrorClass.or(z.literal("")),
  Severity: ErrorSeverity.or(z.literal("")),
  ServiceName: z.string(),
  SourceLanguage: z.string(),
  ErrorFingerprint: z.string().describe("Set for UNKNOWN groups: one group per fingerprint"),
  Count: z.number().int(),
  SpanCount: z.number().int(),
  LogCount: z.number().int(),
  Retryable: z.boolean(),
  FirstSeen: z.string().describe("Nanoseconds since the epoch"),
  LastSeen: z.string(),
  SampleMessages: z.array(z.string()),
});

const ErrorsResponse = z.object({
  From: z.string().describe("ISO-8601"),
  To: z.string(),
  GlossaryVersion: z.string(),
  Errors: z.array(ErrorGroup),
});

export async function errorsRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const glossary = bundledGlossary();
  const entries = new Map(glossary.entries.map((entry) => [entry.code, entry]));
  app.withTypeProvider<ZodTypeProvider>().get(
    "/api/v1/errors",
    {
      schema: {
        summary: "Error counts per glossary code, service and language over a time range, with sample messages; UNKNOWN per fingerprint",
        tags: ["errors"],
        querystring: ErrorsQuery,
        response: { 200: ErrorsResponse, 400: ErrorBody },
      },
    },
    async (request) => {
      const { fromMs, toMs } = resolveRange(request.query);
      const { service, language, code, fingerprint, limit } = request.query;
      const groups = await countErrors(deps.store, { tenant: request.caller.tenant, fromMs, toMs, service, language, code, fingerprint, limit });
      return {
        From: new Date(fromMs).toISOString(),
        To: new Date(toMs).toISOString(),
        GlossaryVersion: glossary.version,
        Errors: groups.map((group): z.infer<typeof ErrorGroup> => {
          const entry = entries.get(group.ErrorCode);
          return { ...group, Title: entry?.title ?? "", Class: entry?.class ?? "", Severity: entry?.severity ?? "" };
        }),
      };
    },
  );
}
