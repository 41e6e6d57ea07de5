// One raw application log line (Kafka topic app_logs) → an otel_logs row. Recognises Go zap
// (production and development configs), zerolog, slog JSONHandler, Rust tracing-subscriber JSON,
// slog-rs JSON, env_logger text, Go/Rust panic output and Go's log package; anything else is kept
// as a plain-text record. Field names per format: /work/shared/reference/go-rust-formats.md §1–2.
import type { LogRow } from "../schemas/rows.js";
import { limitRecord, limitValue } from "./attributes.js";
import { DEFAULT_LIMITS, type NormalizeContext } from "./context.js";
import { errorColumns, logErrorSignal, matchSignal, NO_ERROR, type ErrorColumns } from "./error-signals.js";
import { matchError } from "./glossary-matcher.js";
import { hexIdFromText } from "./ids.js";
import { ORIGINAL_SEVERITY_ATTRIBUTE } from "./logs.js";
import { mergeExtraAttributes, UNKNOWN_SERVICE } from "./resource.js";
import { severityNumberOfLevel, severityTextOf } from "./severity.js";
import { wellFormed } from "./text.js";
import { epochNumberToNanos, parseGoStdLogTime, parseRfc3339Nanos, timestampProblem, timeWindow } from "./time.js";

export type AppLogFormat = "zap" | "zerolog" | "slog" | "tracing-subscriber" | "slog-rs" | "env_logger" | "json" | "plain";

const languageOfFormat: Record<AppLogFormat, string> = {
  zap: "go",
  zerolog: "go",
  slog: "go",
  "tracing-subscriber": "rust",
  "slog-rs": "rust",
  env_logger: "rust",
  json: "unknown",
  plain: "unknown",
};

interface ParsedLine {
  format: AppLogFormat;
  language: string;
  /** Nanoseconds, or undefined when the line has no (readable) time. */
  time?: string;
  /** The level as written. */
  level: string;
  message: string;
  scope: string;
  errorText?: string;
  traceId: string;
  spanId: string;
  service?: string;
  attributes: Record<string, string>;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string {
  if (typeof value === "string") return wellFormed(value);
  if (value === undefined || value === null) return "";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return "";
  }
}

/** Puts fields into attributes: objects one level deep as "parent.child", deeper values as JSON. */
function addFields(attributes: Record<string, string>, fields: Json, skip: ReadonlySet<string>, prefix = ""): void {
  for (const key of Object.keys(fields)) {
    if (!prefix && skip.has(key)) continue;
    const value = fields[key];
    if (isObject(value) && !prefix) addFields(attributes, value, skip, key + ".");
    else attributes[prefix + key] = text(value);
  }
}

function timeOf(value: unknown): string | undefined {
  if (typeof value === "number") return epochNumberToNanos(value);
  if (typeof value === "string") {
    if (/^\d+(\.\d+)?$/.test(value)) return epochNumberToNanos(Number(value));
    return parseRfc3339Nanos(value);
  }
  return undefined;
}

/** Fields of a JSON log line read as its trace id and span id (top level, tracing's fields and span). */
export const TRACE_ID_FIELDS: readonly string[] = ["trace_id", "traceId", "traceID", "trace.id", "otel.trace_id", "trace-id"];
export const SPAN_ID_FIELDS: readonly string[] = ["span_id", "spanId", "spanID", "span.id", "otel.span_id", "span-id"];
const traceIdKeys = TRACE_ID_FIELDS;
const spanIdKeys = SPAN_ID_FIELDS;

function findId(sources: (Json | undefined)[], keys: readonly string[], bytes: 16 | 8): string {
  for (const source of sources) {
    if (!source) continue;
    for (const key of keys) {
      const id = hexIdFromText(source[key], bytes);
      if (id) return id;
    }
  }
  return "";
}

/** Datadog's decimal ids (dd.trace_id is the low 64 bits) as OTel hex. */
function datadogId(value: unknown, bytes: 16 | 8): string {
  const s = typeof value === "number" ? String(value) : value;
  if (typeof s !== "string" || !/^\d{1,20}$/.test(s)) return "";
  const n = BigInt(s);
  if (n === 0n || n >= 1n << 64n) return "";
  return n.toString(16).padStart(bytes * 2, "0");
}

/** GCP's "projects/<p>/traces/<hex>". */
function gcpTraceId(value: unknown): string {
  if (typeof value !== "string") return "";
  const m = /traces\/([0-9a-fA-F]{32})$/.exec(value);
  return m ? m[1]!.toLowerCase() : "";
}

/** Fields of a JSON log line read as its service name (top level, or tracing's fields). */
export const SERVICE_FIELDS: readonly string[] = ["service.name", "service", "service_name", "svc"];
const serviceKeys = SERVICE_FIELDS;

function detectFormat(o: Json): AppLogFormat {
  if ("timestamp" in o && (isObject(o.fields) || typeof o.target === "string")) return "tracing-subscriber";
  if ("M" in o && "L" in o) return "zap"; // zap development config: T, L, N, C, M, S
  if ("ts" in o && ("msg" in o || "level" in o)) {
    const level = typeof o.level === "string" ? o.level : "";
    if (/^(TRCE|DEBG|ERRO|CRIT)$/.test(level) || (typeof o.ts === "string" && /^(INFO|WARN)$/.test(level) && !("caller" in o))) return "slog-rs";
    return "zap";
  }
  if ("time" in o && "msg" in o && typeof o.level === "string" && /^(DEBUG|INFO|WARN|ERROR)([+-]\d+)?$/.test(o.level)) return "slog";
  if ("time" in o || "message" in o || ("level" in o && ("msg" in o || "err" in o || "error" in o))) return "zerolog";
  return "json";
}

function parseJsonLine(o: Json): ParsedLine {
  const format = detectFormat(o);
  const attributes: Record<string, string> = Object.create(null) as Record<string, string>;
  let time: unknown;
  let level: unknown;
  let message: unknown;
  let scope = "";
  let fields: Json | undefined;
  let span: Json | undefined;
  const consumed = new Set<string>();
  const take = (...keys: string[]): unknown => {
    for (const key of keys) {
      if (key in o) {
        consumed.add(key);
        return o[key];
      }
    }
    return undefined;
  };
  switch (format) {
    case "tracing-subscriber": {
      time = take("timestamp");
      level = take("level");
      scope = text(take("target"));
      fields = isObject(o.fields) ? o.fields : undefined;
      consumed.add("fields");
      message = fields?.message ?? take("message"); // flatten_event(true) puts it at the top
      span = isObject(o.span) ? o.span : undefined;
      if (fields) addFields(attributes, fields, new Set(["message"]));
      if (span) addFields(attributes, { span }, new Set());
      consumed.add("span");
      if (Array.isArray(o.spans)) attributes["spans"] = text(o.spans);
      consumed.add("spans");
      const renames: [string, string][] = [["filename", "code.file.path"], ["line_number", "code.line.number"], ["threadName", "thread.name"], ["threadId", "thread.id"]];
      for (const [from, to] of renames) if (from in o) attributes[to] = text(take(from));
      break;
    }
    case "zap":
      time = take("ts", "T");
      level = take("level", "L");
      message = take("msg", "M");
      scope = text(take("logger", "N"));
      break;
    case "slog-rs":
      time = take("ts");
      level = take("level");
      message = take("msg");
      break;
    case "slog":
      time = take("time");
      level = take("level");
      message = take("msg");
      if (isObject(o.source)) {
        consumed.add("source");
        const source = o.source;
        if (source.function !== undefined) attributes["code.function.name"] = text(source.function);
        if (source.file !== undefined) attributes["code.file.path"] = text(source.file);
        if (source.line !== undefined) attributes["code.line.number"] = text(source.line);
      }
      break;
    case "zerolog":
    case "json":
      time = take("time", "timestamp", "ts", "@timestamp");
      level = take("level", "lvl", "severity");
      message = take("message", "msg");
      break;
  }
  addFields(attributes, o, consumed);
  const errorText = [fields?.error, fields?.err, o.error, o.err].find((v) => v !== undefined && v !== null && v !== "");
  let traceId = findId([o, fields, span], traceIdKeys, 16) || datadogId(o["dd.trace_id"], 16) || gcpTraceId(o["logging.googleapis.com/trace"]);
  let spanId = findId([o, fields, span], spanIdKeys, 8) || datadogId(o["dd.span_id"], 8) || hexIdFromText(o["logging.googleapis.com/spanId"], 8);
  if (!traceId) spanId = spanId || "";
  // tracing-subscriber puts the fields of the current span (and of every enclosing one) in the line:
  // a service field there names the service when the event itself does not.
  const enclosing = Array.isArray(o.spans) ? (o.spans.filter(isObject) as Json[]).reverse() : [];
  const service = [o, fields, span, ...enclosing].map((source) => source && serviceKeys.map((key) => source[key]).find((v) => typeof v === "string" && v.trim() !== "")).find(Boolean) as string | undefined;
  return {
    format,
    language: languageOfFormat[format],
    time: timeOf(time),
    level: typeof level === "string" ? wellFormed(level) : typeof level === "number" ? String(level) : "",
    message: text(message),
    scope,
    errorText: errorText === undefined ? undefined : text(errorText),
    traceId,
    spanId,
    service,
    attributes,
  };
}

const envLogger = /^\[(\S+)\s+(TRACE|DEBUG|INFO|WARN|ERROR)\s+([^\]\s]*)\s*\]\s?([\s\S]*)$/;
const goPanic = /^(?:panic: |fatal error: |goroutine \d+ \[)/;
const rustPanic = /^thread '[^'\n]*'(?: \(\d+\))? (?:panicked at|has overflowed its stack)/;

function parsePlainLine(line: string): ParsedLine {
  const base = { scope: "", traceId: "", spanId: "", attributes: Object.create(null) as Record<string, string> };
  const trimmed = line.trimStart();
  const env = envLogger.exec(trimmed);
  if (env) {
    return { ...base, format: "env_logger", language: "rust", time: parseRfc3339Nanos(env[1]!), level: env[2]!, message: env[4]!, scope: env[3]! };
  }
  if (goPanic.test(trimmed)) return { ...base, format: "plain", language: "go", level: trimmed.startsWith("fatal error: ") ? "fatal" : "panic", message: trimmed };
  if (rustPanic.test(trimmed)) return { ...base, format: "plain", language: "rust", level: "panic", message: trimmed };
  const goTime = parseGoStdLogTime(trimmed);
  if (goTime) return { ...base, format: "plain", language: "go", time: goTime, level: "", message: trimmed };
  return { ...base, format: "plain", language: "unknown", level: "", message: line };
}

function parseLine(line: string, ctx: NormalizeContext): ParsedLine {
  const first = line.trimStart();
  if (first.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      if (ctx.stats) ctx.stats.unparsedLogLines++;
      return parsePlainLine(line);
    }
    if (isObject(parsed)) return parseJsonLine(parsed);
    if (ctx.stats) ctx.stats.unparsedLogLines++;
  }
  return parsePlainLine(line);
}

/** One raw application log line (Go zap/zerolog/slog JSON, Rust tracing-subscriber JSON, or plain text). Never throws. */
export function normalizeAppLogLine(line: string, ctx: NormalizeContext): LogRow {
  const raw = wellFormed(typeof line === "string" ? line.replace(/\r?\n$/, "") : String(line));
  try {
    return buildRow(raw, parseLine(raw, ctx), ctx);
  } catch {
    // Defensive: a line is never lost, even if a parser above has a bug.
    return buildRow(raw, { format: "plain", language: "unknown", level: "", message: raw, scope: "", traceId: "", spanId: "", attributes: {} }, ctx);
  }
}

function buildRow(raw: string, parsed: ParsedLine, ctx: NormalizeContext): LogRow {
  const limits = ctx.limits ?? DEFAULT_LIMITS;
  const stats = ctx.stats;
  const window = timeWindow(ctx.nowNanos);
  const attributes = limitRecord(parsed.attributes, limits, stats);

  let timestamp = parsed.time ?? "0";
  const problem = timestampProblem(timestamp, window);
  if (problem) {
    // Lines without a time (plain text) or with an absurd one get the ingest time, flagged.
    attributes["braid.timestamp_fixup"] = problem;
    if (problem !== "missing") attributes["braid.original_timestamp"] = timestamp;
    timestamp = window.now;
    if (stats) stats.timestampFixups++;
  }

  const severityNumber = severityNumberOfLevel(parsed.level);
  if (parsed.level && parsed.level.toUpperCase() !== severityTextOf(severityNumber)) {
    attributes[ORIGINAL_SEVERITY_ATTRIBUTE] = limitValue(parsed.level, limits, stats);
  }
  const resourceAttributes: Record<string, string> = Object.create(null) as Record<string, string>;
  mergeExtraAttributes(resourceAttributes, ctx);
  let serviceName = parsed.service === undefined ? resourceAttributes["service.name"] : wellFormed(parsed.service);
  if (!serviceName || !serviceName.trim()) {
    serviceName = UNKNOWN_SERVICE;
    if (stats) stats.missingServiceName++;
  } else if (resourceAttributes["service.name"] === undefined) {
    resourceAttributes["service.name"] = serviceName;
  }
  const body = parsed.format === "plain" ? raw : parsed.message || raw;

  let error: ErrorColumns;
  const signal = logErrorSignal({ attributes, severityNumber, body, language: parsed.language, level: parsed.level, errorField: parsed.errorText });
  if (signal) {
    error = matchSignal(signal, ctx.glossary, stats);
  } else if (severityNumber === 0 && (parsed.errorText || parsed.format === "plain" || parsed.format === "json")) {
    // No level to go by: an error only if the glossary recognises the text (UNKNOWN would flag every line).
    const unlevelled = { message: parsed.errorText || body, language: parsed.language };
    const match = ctx.glossary ? matchError(unlevelled, ctx.glossary) : matchError(unlevelled);
    error = match.code === "UNKNOWN" ? NO_ERROR : errorColumns(match, stats);
  } else {
    error = NO_ERROR;
  }

  return {
    Timestamp: timestamp,
    TraceId: parsed.traceId,
    SpanId: parsed.traceId ? parsed.spanId : "",
    TraceFlags: 0,
    SeverityText: severityTextOf(severityNumber),
    SeverityNumber: severityNumber,
    ServiceName: limitValue(serviceName, limits, stats),
    Body: body,
    ResourceSchemaUrl: "",
    ResourceAttributes: resourceAttributes,
    ScopeSchemaUrl: "",
    ScopeName: parsed.scope,
    ScopeVersion: "",
    ScopeAttributes: {},
    LogAttributes: attributes,
    EventName: "",
    LogFormat: parsed.format,
    ...error,
    SourceLanguage: parsed.language,
    Tenant: ctx.tenant,
    IngestedAt: ctx.ingestedAt,
  };
}
