// Braid's normalizer: decoded OTLP requests and raw Go/Rust log lines → canonical rows with
// glossary error codes. Pure functions (no I/O); the ingest calls these on its hot path.
export { DEFAULT_LIMITS, TRUNCATION_MARKER, newNormalizeStats, type NormalizeContext, type NormalizeLimits, type NormalizeStats } from "./context.js";
export { normalizeTraces } from "./traces.js";
export { normalizeLogs, ORIGINAL_SEVERITY_ATTRIBUTE } from "./logs.js";
export { normalizeMetrics, emptyMetricRows } from "./metrics.js";
export { normalizeAppLogLine, type AppLogFormat } from "./app-log-line.js";
export {
  matchError,
  explainMatch,
  compileGlossary,
  loadGlossary,
  defaultGlossary,
  grpcCodeNumber,
  ERROR_CODE_ATTRIBUTE,
  type CompiledGlossary,
  type ErrorSignal,
  type GlossaryMatch,
  type MatchedBy,
  type MatchedRule,
  type GlossaryExplanation,
} from "./glossary-matcher.js";
export { errorFingerprint, normalizeErrorMessage } from "./fingerprint.js";
export { nearestEntries, type NearestEntry } from "./glossary-nearest.js";
export { UNKNOWN_SERVICE } from "./resource.js";
export { MAX_PAST_NANOS, MAX_FUTURE_NANOS } from "./time.js";
export { renamedAttributes } from "./semconv.js";
export { TRACE_ID_FIELDS, SPAN_ID_FIELDS, SERVICE_FIELDS } from "./app-log-line.js";
export { severityNumberOfLevel, severityTextOf } from "./severity.js";
export { normalizeChange } from "./changes.js";
