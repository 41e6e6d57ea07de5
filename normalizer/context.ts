// What the ingest passes to every normalize call, and the counters the normalizer increments
// (ingest exports them to Prometheus). Pure data: no clocks are read here except Date.now() as the
// documented default of nowNanos.
import type { CompiledGlossary } from "./glossary-matcher.js";

export interface NormalizeLimits {
  /** Attributes kept per item and map (resource, scope, span, event, log, data point); the rest are dropped and counted. */
  maxAttributesPerItem: number;
  /** Longest attribute value kept; longer values are cut and end with TRUNCATION_MARKER. */
  maxAttributeValueLength: number;
}

/** Used when NormalizeContext.limits is absent: generous, but bounds a hostile payload. */
export const DEFAULT_LIMITS: NormalizeLimits = { maxAttributesPerItem: 256, maxAttributeValueLength: 16384 };

/** Appended to a truncated attribute value (inside the length limit). */
export const TRUNCATION_MARKER = "…[truncated]";

export interface NormalizeContext {
  /** Tenant column (already resolved by ingest). */
  tenant: string;
  /** ISO time for IngestedAt. */
  ingestedAt: string;
  /** For timestamp sanity checks; defaults to Date.now(). */
  nowNanos?: bigint;
  /** e.g. kafka.header.* — merged into ResourceAttributes (logs, spans, metrics); they win over the payload's keys. */
  extraAttributes?: Record<string, string>;
  /** Attribute count and value length limits; DEFAULT_LIMITS when absent. */
  limits?: NormalizeLimits;
  /** Mutable counters the normalizer increments. */
  stats?: NormalizeStats;
  /** The glossary to match errors against; the bundled one when absent. */
  glossary?: CompiledGlossary;
}

export interface NormalizeStats {
  /** Items whose resource had no service.name (given `unknown_service`), or the SDK's default name. */
  missingServiceName: number;
  /** Attribute values cut to maxAttributeValueLength. */
  truncatedAttributes: number;
  /** Attributes dropped beyond maxAttributesPerItem. */
  droppedAttributes: number;
  /** Timestamps that were missing or absurd and were replaced (see normalizer/time.ts). */
  timestampFixups: number;
  /** Error-bearing items no glossary entry matched (ErrorCode UNKNOWN). */
  unknownErrors: number;
  /** Error-bearing items with a glossary code other than UNKNOWN. */
  matchedErrors: number;
  /** Trace/span ids of the wrong length, replaced by ''. */
  invalidIds: number;
  /** Raw log lines that looked like JSON but did not parse (kept as plain text). */
  unparsedLogLines: number;
  /** Metrics with no data of a known type (skipped: nothing to store). */
  unknownMetricTypes: number;
  /** Values past what their column holds, stored as the nearest value it holds (times after 2262-04-11). */
  clampedValues: number;
}

export function newNormalizeStats(): NormalizeStats {
  return {
    missingServiceName: 0,
    truncatedAttributes: 0,
    droppedAttributes: 0,
    timestampFixups: 0,
    unknownErrors: 0,
    matchedErrors: 0,
    invalidIds: 0,
    unparsedLogLines: 0,
    unknownMetricTypes: 0,
    clampedValues: 0,
  };
}
