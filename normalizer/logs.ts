// ExportLogsServiceRequest → otel_logs rows.
import type { LogRow } from "../schemas/rows.js";
import type { ExportLogsServiceRequest, LogRecord } from "../schemas/otlp/types.js";
import { anyValueToString, attributeMap, limitValue } from "./attributes.js";
import { DEFAULT_LIMITS, type NormalizeContext, type NormalizeLimits } from "./context.js";
import { logErrorSignal, matchSignal } from "./error-signals.js";
import { idToHex } from "./ids.js";
import { textField } from "./text.js";
import { resourceInfo, type ResourceInfo } from "./resource.js";
import { otlpSeverity } from "./severity.js";
import { nanosString, timestampProblem, timeWindow, type TimeWindow } from "./time.js";

/** LogAttributes key keeping the source's severity text when it differs from the canonical one. */
export const ORIGINAL_SEVERITY_ATTRIBUTE = "log.original_severity_text";

function arrayOf<T>(value: T[] | undefined): T[] {
  return Array.isArray(value) ? value : [];
}

interface Scope {
  name: string;
  version: string;
  attributes: Record<string, string>;
  schemaUrl: string;
}

/**
 * The record's time: timeUnixNano, else (missing or absurd) observedTimeUnixNano when sane, else
 * now; a replaced time is flagged in attributes and counted.
 */
export function logTimestamp(record: LogRecord, attributes: Record<string, string>, window: TimeWindow, ctx: NormalizeContext): string {
  const time = nanosString(record.timeUnixNano);
  const problem = timestampProblem(time, window);
  if (!problem) return time;
  const observed = nanosString(record.observedTimeUnixNano);
  // OTLP says: use observed time when time is absent; that is normal, not a fix-up.
  if (problem === "missing" && !timestampProblem(observed, window)) return observed;
  attributes["braid.timestamp_fixup"] = problem;
  attributes["braid.original_timestamp"] = time;
  if (ctx.stats) ctx.stats.timestampFixups++;
  return timestampProblem(observed, window) ? window.now : observed;
}

function logRow(record: LogRecord, resource: ResourceInfo, resourceSchemaUrl: string, scope: Scope, ctx: NormalizeContext, limits: NormalizeLimits, window: TimeWindow): LogRow {
  const stats = ctx.stats;
  const attributes = attributeMap(record.attributes, limits, stats);
  const severity = otlpSeverity(record.severityNumber, record.severityText);
  const originalText = textField(record.severityText);
  if (originalText && originalText.toUpperCase() !== severity.text && attributes[ORIGINAL_SEVERITY_ATTRIBUTE] === undefined) {
    attributes[ORIGINAL_SEVERITY_ATTRIBUTE] = limitValue(originalText, limits, stats);
  }
  const timestamp = logTimestamp(record, attributes, window, ctx);
  const body = anyValueToString(record.body);
  const signal = logErrorSignal({ attributes, severityNumber: severity.number, body, language: resource.language, level: originalText || severity.text });
  const error = matchSignal(signal, ctx.glossary, stats);
  const invalidId = () => {
    if (stats) stats.invalidIds++;
  };
  return {
    Timestamp: timestamp,
    TraceId: idToHex(record.traceId, 16, invalidId),
    SpanId: idToHex(record.spanId, 8, invalidId),
    TraceFlags: typeof record.flags === "number" ? record.flags & 0xff : 0,
    SeverityText: severity.text,
    SeverityNumber: severity.number,
    ServiceName: resource.serviceName,
    Body: body,
    ResourceSchemaUrl: resourceSchemaUrl,
    ResourceAttributes: resource.attributes,
    ScopeSchemaUrl: scope.schemaUrl,
    ScopeName: scope.name,
    ScopeVersion: scope.version,
    ScopeAttributes: scope.attributes,
    LogAttributes: attributes,
    EventName: textField(record.eventName),
    LogFormat: "otlp",
    ...error,
    SourceLanguage: resource.language,
    Tenant: ctx.tenant,
    IngestedAt: ctx.ingestedAt,
  };
}

/** One row per log record. Never throws on a request of the decoded OTLP shape. */
export function normalizeLogs(req: ExportLogsServiceRequest, ctx: NormalizeContext): LogRow[] {
  const rows: LogRow[] = [];
  const limits = ctx.limits ?? DEFAULT_LIMITS;
  const window = timeWindow(ctx.nowNanos);
  for (const resourceLogs of arrayOf(req?.resourceLogs)) {
    if (!resourceLogs) continue;
    const resource = resourceInfo(resourceLogs.resource, ctx, limits);
    const resourceSchemaUrl = textField(resourceLogs.schemaUrl);
    for (const scopeLogs of arrayOf(resourceLogs.scopeLogs)) {
      if (!scopeLogs) continue;
      const scope: Scope = {
        name: textField(scopeLogs.scope?.name),
        version: textField(scopeLogs.scope?.version),
        attributes: attributeMap(scopeLogs.scope?.attributes, limits, ctx.stats),
        schemaUrl: textField(scopeLogs.schemaUrl),
      };
      for (const record of arrayOf(scopeLogs.logRecords)) {
        if (record && typeof record === "object") rows.push(logRow(record, resource, resourceSchemaUrl, scope, ctx, limits, window));
      }
    }
  }
  return rows;
}
