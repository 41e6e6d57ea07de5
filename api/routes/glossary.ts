// GET /api/v1/glossary: the shared error glossary with its version (the same document as
// schemas/glossary/generated/glossary.json), for dashboards and services that map codes.
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { defaultGlossary, explainMatch, nearestEntries, normalizeErrorMessage } from "../../normalizer/index.js";
import { bundledGlossary } from "../../schemas/glossary/bundled.js";
import { ErrorClass, GlossaryEntry } from "../../schemas/glossary/schema.js";
import type { ApiDeps } from "../deps.js";
import { queryInteger } from "../params.js";
import { ErrorBody } from "../schemas.js";

const GlossaryQuery = z.object({
  class: ErrorClass.optional().describe("Only entries of this class"),
  retryable: z.enum(["true", "false"]).optional().describe("Only retryable (true) or non-retryable (false) entries"),
});

const GlossaryResponse = z.object({ version: z.string(), entries: z.array(GlossaryEntry) });

const MatchQuery = z.object({
  message: z.string().min(1).max(8192).describe("The error text: an exception message, a status message, a log line's error field"),
  language: z.enum(["go", "rust"]).optional().describe("The source language: its patterns win ties"),
  exceptionType: z.string().min(1).max(512).optional().describe("exception.type, e.g. *net.OpError"),
  httpStatus: queryInteger(z.number().int().min(100).max(599)).optional(),
  grpcCode: z.string().min(1).max(64).optional().describe("gRPC status: a number or a name (UNAVAILABLE)"),
  spanKind: z.enum(["Unspecified", "Internal", "Server", "Client", "Producer", "Consumer"]).optional(),
});

const MatchResponse = z.object({
  GlossaryVersion: z.string(),
  Code: z.string(),
  Title: z.string(),
  Retryable: z.boolean(),
  Class: z.string(),
  Severity: z.string(),
  Remedy: z.string(),
  MatchedBy: z.string().describe("declared_code, message, exception_type, sql_state, grpc_code, http_status, log_level, or none (UNKNOWN)"),
  Pattern: z.string().nullable().describe("The glossary pattern that decided, as written in glossary.yaml"),
  PatternLanguage: z.string().nullable().describe("go, rust or any: the matcher list the pattern is in"),
  Fingerprint: z.string().describe("What Braid stores as ErrorFingerprint for this message"),
  NormalizedMessage: z.string().describe("The message with variable parts replaced, as fingerprinted"),
  Nearest: z.array(z.object({ Code: z.string(), Title: z.string(), Score: z.number(), SharedWords: z.array(z.string()) })).describe("For UNKNOWN: the entries whose wording is nearest"),
});

export async function glossaryRoutes(app: FastifyInstance, _deps: ApiDeps): Promise<void> {
  const glossary = bundledGlossary();
  app.withTypeProvider<ZodTypeProvider>().get(
    "/api/v1/glossary",
    {
      schema: {
        summary: "The shared error glossary: codes, meaning, retryable, class, severity, remedy and matchers, with its version",
        tags: ["errors"],
        querystring: GlossaryQuery,
        response: { 200: GlossaryResponse, 400: ErrorBody },
      },
    },
    async (request) => {
      const { class: errorClass, retryable } = request.query;
      const entries = glossary.entries.filter((entry) => (!errorClass || entry.class === errorClass) && (retryable === undefined || String(entry.retryable) === retryable));
      return { version: glossary.version, entries };
    },
  );

  app.withTypeProvider<ZodTypeProvider>().get(
    "/api/v1/glossary/match",
    {
      schema: {
        summary: "Which glossary code an error maps to, and why: the matcher and the pattern that decided (the normalizer's own matcher)",
        tags: ["errors"],
        querystring: MatchQuery,
        response: { 200: MatchResponse, 400: ErrorBody },
      },
    },
    async (request) => {
      const { message, language, exceptionType, httpStatus, grpcCode, spanKind } = request.query;
      const compiled = defaultGlossary();
      const match = explainMatch({ message, language, exceptionType, httpStatus, grpcCode, spanKind }, compiled);
      const entry = compiled.byCode.get(match.code)!;
      return {
        GlossaryVersion: compiled.version,
        Code: match.code,
        Title: entry.title,
        Retryable: match.retryable,
        Class: match.class,
        Severity: match.severity,
        Remedy: entry.remedy,
        MatchedBy: match.matchedBy,
        Pattern: match.rule?.pattern ?? null,
        PatternLanguage: match.rule?.language ?? null,
        Fingerprint: match.fingerprint,
        NormalizedMessage: normalizeErrorMessage(message),
        Nearest: match.code === "UNKNOWN" ? nearestEntries(message, compiled, 3).map((n) => ({ Code: n.code, Title: n.title, Score: n.score, SharedWords: n.sharedWords })) : [],
      };
    },
  );
}
