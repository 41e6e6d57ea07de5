// `braid check`: the policy file a service team keeps in its repository, and the JSON report the
// check writes (--format json). Both are contracts with Go and Rust teams' CI, so both are zod
// schemas here and exported as JSON Schema (schemas/json/check-*.schema.json).
import { z } from "zod";
import { Signal } from "./config.js";

/** Every rule `braid check` applies, with the severity it has unless the policy says otherwise. */
export const checkRules = {
  "decode.failed": { severity: "error", title: "Messages Braid cannot decode (they would go to the dead-letter topic)" },
  "resource.attribute_missing": { severity: "error", title: "Required resource attributes" },
  "logs.trace_context_missing": { severity: "warning", title: "Log records without trace context" },
  "logs.trace_context_invalid": { severity: "error", title: "Log lines whose trace or span id Braid cannot read" },
  "semconv.renamed": { severity: "warning", title: "Deprecated semantic-convention names Braid renames" },
  "semconv.unknown_close": { severity: "warning", title: "Unknown attribute names close to a semantic-convention name" },
  "glossary.coverage": { severity: "warning", title: "Share of errors that map to a glossary code" },
  "glossary.unknown": { severity: "warning", title: "Errors no glossary entry matches (UNKNOWN)" },
  "glossary.declared_code_unknown": { severity: "error", title: "Declared braid.error.code values the glossary does not know" },
  "cardinality.span_name": { severity: "warning", title: "Span names with ids or many distinct values" },
  "cardinality.metric_attribute": { severity: "warning", title: "Metric attributes with ids, raw URLs or many distinct values" },
  "timestamp.out_of_range": { severity: "error", title: "Timestamps Braid replaces (missing, too old, in the future)" },
  "limits.attribute_dropped": { severity: "warning", title: "Attributes dropped beyond Braid's per-item limit" },
  "limits.value_truncated": { severity: "warning", title: "Attribute values truncated at Braid's length limit" },
} as const satisfies Record<string, { severity: "error" | "warning" | "info"; title: string }>;

export type CheckRuleId = keyof typeof checkRules;
export const CheckRuleId = z.enum(Object.keys(checkRules) as [CheckRuleId, ...CheckRuleId[]]);
export const FindingSeverity = z.enum(["error", "warning", "info"]);
export type FindingSeverity = z.infer<typeof FindingSeverity>;

const share = z.number().min(0).max(1);

export const CheckPolicy = z
  .object({
    $schema: z.string().optional().describe("Ignored; lets editors find this schema"),
    version: z.literal(1).default(1).describe("Policy format version"),
    failOn: z.enum(["error", "warning"]).optional().describe("Default of --fail-on: the lowest severity that fails the check"),
    requiredResourceAttributes: z
      .array(z.string().min(1))
      .default(["service.name", "service.version", "deployment.environment.name", "telemetry.sdk.language"])
      .describe("Resource attributes every OTLP resource must carry (raw log lines must name their service)"),
    logs: z
      .object({
        traceContext: z
          .enum(["errors", "all", "off"])
          .default("errors")
          .describe("Which log records must carry a trace id: error-level ones (default), all, or none"),
        minTraceContextShare: share.default(1).describe("Share of those records that must carry one"),
      })
      .strict()
      .prefault({}),
    glossary: z
      .object({
        minCoverage: share.default(0.9).describe("Share of errors that must map to a known glossary code"),
      })
      .strict()
      .prefault({}),
    cardinality: z
      .object({
        maxDistinctSpanNames: z.number().int().positive().default(100).describe("Distinct span names per service before it is a cardinality risk"),
        maxDistinctMetricAttributeValues: z.number().int().positive().default(100).describe("Distinct values of one attribute of one metric"),
      })
      .strict()
      .prefault({}),
    limits: z
      .object({
        maxAttributesPerItem: z.number().int().positive().optional().describe("Braid's limits.maxAttributesPerItem (default: Braid's default)"),
        maxAttributeValueLength: z.number().int().positive().optional().describe("Braid's limits.maxAttributeValueLength"),
        maxMessageBytes: z.number().int().positive().optional().describe("Braid's kafka.maxMessageBytes"),
      })
      .strict()
      .prefault({}),
    severities: z
      .partialRecord(CheckRuleId, z.enum(["error", "warning", "info", "off"]))
      .default({})
      .describe("Severity per rule; off disables a rule"),
    allow: z
      .array(
        z
          .object({
            rule: CheckRuleId,
            service: z.string().min(1).optional().describe("Service name or glob (default: every service)"),
            subject: z.string().min(1).optional().describe("What the finding is about, or a glob: the attribute, span name, fingerprint, code…"),
            reason: z.string().min(1).describe("Why this is allowed; printed in the report"),
          })
          .strict(),
      )
      .default([])
      .describe("Allowed exceptions: matching findings are reported as allowed and never fail the check"),
  })
  .strict();
export type CheckPolicy = z.infer<typeof CheckPolicy>;
export type CheckPolicyInput = z.input<typeof CheckPolicy>;

export const Finding = z.object({
  rule: CheckRuleId,
  severity: FindingSeverity,
  service: z.string().describe("service.name of the items, or the input name when nothing could be decoded"),
  signal: Signal.optional(),
  subject: z.string().describe("What the finding is about: an attribute, a span name, a fingerprint, a code, a dead-letter code"),
  message: z.string(),
  count: z.number().int().nonnegative().describe("Items (or messages, for decode failures) affected"),
  examples: z.array(z.string()).describe("Up to three examples, as found"),
  locations: z.array(z.string()).describe("Up to three places: file#message or topic/partition@offset"),
  details: z.record(z.string(), z.unknown()).default({}),
  allowed: z.object({ reason: z.string() }).optional().describe("Set when a policy exception covers the finding"),
});
export type Finding = z.infer<typeof Finding>;

export const ServiceSummary = z.object({
  service: z.string(),
  languages: z.array(z.string()),
  items: z.partialRecord(Signal, z.number().int()),
  errors: z.number().int().describe("Error-bearing spans and log records"),
  matchedErrors: z.number().int().describe("Of those, with a glossary code other than UNKNOWN"),
  glossaryCoverage: share.nullable().describe("matchedErrors / errors; null without errors"),
  findings: z.object({ error: z.number().int(), warning: z.number().int(), info: z.number().int(), allowed: z.number().int() }),
});
export type ServiceSummary = z.infer<typeof ServiceSummary>;

export const CheckReport = z.object({
  braidCheck: z.literal(1).describe("Report format version"),
  glossaryVersion: z.string(),
  referenceTime: z.string().describe("The 'now' that timestamps were checked against (ISO-8601)"),
  failOn: z.enum(["error", "warning"]),
  passed: z.boolean(),
  inputs: z.array(z.object({ name: z.string(), signal: Signal.optional(), messages: z.number().int(), format: z.string() })),
  totals: z.object({ messages: z.number().int(), deadLetters: z.number().int(), items: z.number().int(), error: z.number().int(), warning: z.number().int(), info: z.number().int(), allowed: z.number().int() }),
  services: z.array(ServiceSummary),
  findings: z.array(Finding),
});
export type CheckReport = z.infer<typeof CheckReport>;
