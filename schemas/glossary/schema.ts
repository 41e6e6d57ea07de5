// The glossary's shape, validated at load: a bad entry fails with the path of the field, so an
// edit to glossary.yaml cannot ship a pattern that does not compile or a duplicated code.
import { z } from "zod";

/** gRPC canonical status codes by name (google.rpc.Code), index = numeric value. */
export const grpcCodeNames = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
] as const;
export const GrpcCodeName = z.enum(grpcCodeNames);
export type GrpcCodeName = z.infer<typeof GrpcCodeName>;

export const ErrorClass = z.enum(["transient", "caller_error", "server_bug"]).describe(
  "transient: may succeed on retry; caller_error: the request or caller is wrong; server_bug: needs a fix or an operator",
);
export type ErrorClass = z.infer<typeof ErrorClass>;

export const ErrorSeverity = z.enum(["info", "warning", "error", "critical"]);
export type ErrorSeverity = z.infer<typeof ErrorSeverity>;

/** Span kinds as written in the SpanKind column. */
export const SpanKindName = z.enum(["Unspecified", "Internal", "Server", "Client", "Producer", "Consumer"]);

// Substring literals are matched by an ASCII automaton (normalizer/aho-corasick.ts).
const asciiLiteral = (s: string) => /^[\x20-\x7e]+$/.test(s);

const lowercaseLiteral = z
  .string()
  .min(2)
  .refine((s) => s === s.toLowerCase(), "must be lowercase (matching is case-insensitive on lowercased text)")
  .refine(asciiLiteral, "must be printable ASCII");

/** A case-insensitive substring, a whole-message equality, or an anchored regex. */
export const MessagePattern = z.union([
  z.string().min(3).refine(asciiLiteral, "must be printable ASCII").describe("case-insensitive substring"),
  z
    .object({
      equals: z.string().min(1).describe("the whole trimmed message, case-insensitive"),
      priority: z.number().int().optional().describe("overrides the entry's priority for this pattern"),
    })
    .strict(),
  z
    .object({
      regex: z
        .string()
        .min(1)
        .refine((source) => {
          try {
            new RegExp(source, "i");
            return true;
          } catch {
            return false;
          }
        }, "must be a valid JavaScript regular expression")
        .describe("JavaScript regex, applied case-insensitively"),
      anchor: lowercaseLiteral.describe("lowercase literal every match contains; the regex runs only when it occurs"),
      priority: z.number().int().optional().describe("overrides the entry's priority for this pattern"),
    })
    .strict(),
]);
export type MessagePattern = z.infer<typeof MessagePattern>;

export const LanguageMatchers = z
  .object({
    messages: z.array(MessagePattern).default([]),
    exceptionTypes: z.array(z.string().min(1)).default([]).describe("exact exception.type / error.type values"),
  })
  .strict();
export type LanguageMatchers = z.infer<typeof LanguageMatchers>;

export const EntryMatchers = z
  .object({
    go: LanguageMatchers.optional(),
    rust: LanguageMatchers.optional(),
    any: LanguageMatchers.optional(),
    grpcCodes: z.array(GrpcCodeName).default([]),
    httpStatus: z.array(z.number().int().min(100).max(599)).default([]),
    sqlStates: z.array(z.string().regex(/^[0-9A-Z]{5}$/, "five-character SQLSTATE")).default([]),
    logLevels: z.array(lowercaseLiteral).default([]).describe("source log level names (lowercase) that by themselves mean this code"),
    keywords: z
      .array(lowercaseLiteral.refine((s) => /^[a-z][a-z0-9 '-]*[a-z0-9]$/.test(s), "a lowercase word or phrase of letters, digits, spaces, - and '"))
      .default([])
      .describe("last resort before UNKNOWN: whole words or phrases of a generic error text (\"redis timeout\"); the one nearest the end of the text wins"),
    spanKinds: z.array(SpanKindName).optional().describe("restricts grpcCodes and httpStatus to these span kinds"),
  })
  .strict();
export type EntryMatchers = z.infer<typeof EntryMatchers>;

const codePattern = /^[A-Z][A-Z_]*(\.[A-Z0-9][A-Z0-9_]*)?$/;

export const GlossaryEntry = z
  .object({
    code: z.string().regex(codePattern, "CANONICAL_CODE or CANONICAL_CODE.REFINEMENT in upper snake case"),
    title: z.string().min(1),
    description: z.string().min(1),
    retryable: z.boolean(),
    class: ErrorClass,
    severity: ErrorSeverity,
    remedy: z.string().min(1),
    priority: z.number().int().default(0).describe("higher wins among matches of the same tier"),
    match: EntryMatchers.default({ grpcCodes: [], httpStatus: [], sqlStates: [], logLevels: [], keywords: [] }),
  })
  .strict()
  .refine((entry) => (grpcCodeNames as readonly string[]).includes(entry.code.split(".")[0]!), {
    message: "the code must start with a gRPC canonical code name (e.g. UNAVAILABLE.…)",
    path: ["code"],
  });
export type GlossaryEntry = z.infer<typeof GlossaryEntry>;

export const Glossary = z
  .object({
    version: z.string().regex(/^\d+\.\d+\.\d+$/, "semantic version MAJOR.MINOR.PATCH"),
    entries: z.array(GlossaryEntry).min(1),
  })
  .strict()
  .superRefine((glossary, ctx) => {
    const seen = new Map<string, number>();
    glossary.entries.forEach((entry, index) => {
      const previous = seen.get(entry.code);
      if (previous !== undefined) {
        ctx.addIssue({ code: "custom", path: ["entries", index, "code"], message: `duplicate code ${entry.code} (also entries[${previous}])` });
      }
      seen.set(entry.code, index);
    });
    const keywordOwner = new Map<string, string>();
    glossary.entries.forEach((entry, index) => {
      entry.match.keywords.forEach((keyword, k) => {
        const owner = keywordOwner.get(keyword);
        if (owner !== undefined) ctx.addIssue({ code: "custom", path: ["entries", index, "match", "keywords", k], message: `keyword "${keyword}" is already ${owner}'s` });
        keywordOwner.set(keyword, entry.code);
      });
    });
    if (!seen.has("UNKNOWN")) ctx.addIssue({ code: "custom", path: ["entries"], message: "an UNKNOWN entry is required (the no-match result)" });
  });
export type Glossary = z.infer<typeof Glossary>;
/** The glossary as written in YAML (defaults not yet applied). */
export type GlossaryInput = z.input<typeof Glossary>;

/** Formats zod issues as "path: message" lines, for errors that say which field to fix. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join(".") : "(root)"}: ${issue.message}`).join("; ");
}
