// ExportTraceServiceRequest → otel_traces rows (the exporter's layout plus Braid's columns).
import type { TraceRow } from "../schemas/rows.js";
import type { ExportTraceServiceRequest, Span, SpanEvent, SpanLink } from "../schemas/otlp/types.js";
import { attributeMap } from "./attributes.js";
import { DEFAULT_LIMITS, type NormalizeContext, type NormalizeLimits } from "./context.js";
import { matchSignal, spanErrorSignal } from "./error-signals.js";
import { idToHex } from "./ids.js";
import { textField } from "./text.js";
import { resourceInfo, type ResourceInfo } from "./resource.js";
import { nanosAdd, nanosDiff, nanosString, storableNanos, timestampProblem, timeWindow, type TimeWindow } from "./time.js";

const spanKinds: TraceRow["SpanKind"][] = ["Unspecified", "Internal", "Server", "Client", "Producer", "Consumer"];
const statusCodes: TraceRow["StatusCode"][] = ["Unset", "Ok", "Error"];

function arrayOf<T>(value: T[] | undefined): T[] {
  return Array.isArray(value) ? value : [];
}

interface Shared {
  ctx: NormalizeContext;
  limits: NormalizeLimits;
  window: TimeWindow;
  invalidId: () => void;
  clamped: () => void;
}

function spanRow(span: Span, resource: ResourceInfo, scopeName: string, scopeVersion: string, shared: Shared): TraceRow {
  const { ctx, limits, window } = shared;
  const stats = ctx.stats;
  const attributes = attributeMap(span.attributes, limits, stats);
  const kind = spanKinds[typeof span.kind === "number" ? span.kind : 0] ?? "Unspecified";
  const statusNumber = typeof span.status?.code === "number" ? span.status.code : 0;
  const statusMessage = textField(span.status?.message);

  let start = nanosString(span.startTimeUnixNano);
  const end = nanosString(span.endTimeUnixNano);
  const duration = nanosDiff(end, start);
  const problem = timestampProblem(start, window);
  if (problem) {
    // Keep the span, anchored at ingest time, with its measured duration; flag it.
    attributes["braid.timestamp_fixup"] = problem;
    attributes["braid.original_timestamp"] = start;
    start = window.now;
    if (stats) stats.timestampFixups++;
  }

  const events = arrayOf<SpanEvent>(span.events);
  const eventTimes: string[] = new Array(events.length);
  const eventNames: string[] = new Array(events.length);
  const eventAttributes: Record<string, string>[] = new Array(events.length);
  let exception: Record<string, string> | undefined;
  for (let i = 0; i < events.length; i++) {
    const event = events[i] ?? {};
    const time = nanosString(event.timeUnixNano);
    // An event without a time is placed at the span's start; event times follow the span's
    // fix-up (offset kept) so they stay inside it.
    if (time === "0" || problem === "missing") eventTimes[i] = start;
    else eventTimes[i] = storableNanos(problem ? nanosAdd(start, nanosDiff(time, nanosString(span.startTimeUnixNano))) : time, shared.clamped);
    const name = textField(event.name);
    eventNames[i] = name;
    const attrs = attributeMap(event.attributes, limits, stats);
    eventAttributes[i] = attrs;
    if (name === "exception") exception = attrs;
  }

  const links = arrayOf<SpanLink>(span.links);
  const linkTraceIds: string[] = new Array(links.length);
  const linkSpanIds: string[] = new Array(links.length);
  const linkStates: string[] = new Array(links.length);
  const linkAttributes: Record<string, string>[] = new Array(links.length);
  for (let i = 0; i < links.length; i++) {
    const link = links[i] ?? {};
    linkTraceIds[i] = idToHex(link.traceId, 16, shared.invalidId);
    linkSpanIds[i] = idToHex(link.spanId, 8, shared.invalidId);
    linkStates[i] = textField(link.traceState);
    linkAttributes[i] = attributeMap(link.attributes, limits, stats);
  }

  const signal = spanErrorSignal({ attributes, statusCode: statusNumber, statusMessage, spanKind: kind, exception, language: resource.language });
  const error = matchSignal(signal, ctx.glossary, stats);

  return {
    Timestamp: start,
    TraceId: idToHex(span.traceId, 16, shared.invalidId),
    SpanId: idToHex(span.spanId, 8, shared.invalidId),
    ParentSpanId: idToHex(span.parentSpanId, 8, shared.invalidId),
    TraceState: textField(span.traceState),
    SpanName: textField(span.name),
    SpanKind: kind,
    ServiceName: resource.serviceName,
    ResourceAttributes: resource.attributes,
    ScopeName: scopeName,
    ScopeVersion: scopeVersion,
    SpanAttributes: attributes,
    Duration: duration,
    StatusCode: statusCodes[statusNumber] ?? "Unset",
    StatusMessage: statusMessage,
    "Events.Timestamp": eventTimes,
    "Events.Name": eventNames,
    "Events.Attributes": eventAttributes,
    "Links.TraceId": linkTraceIds,
    "Links.SpanId": linkSpanIds,
    "Links.TraceState": linkStates,
    "Links.Attributes": linkAttributes,
    ...error,
    SourceLanguage: resource.language,
    Tenant: ctx.tenant,
    IngestedAt: ctx.ingestedAt,
  };
}

/** One row per span. Never throws on a request of the decoded OTLP shape. */
export function normalizeTraces(req: ExportTraceServiceRequest, ctx: NormalizeContext): TraceRow[] {
  const rows: TraceRow[] = [];
  const limits = ctx.limits ?? DEFAULT_LIMITS;
  const shared: Shared = {
    ctx,
    limits,
    window: timeWindow(ctx.nowNanos),
    invalidId: () => {
      if (ctx.stats) ctx.stats.invalidIds++;
    },
    clamped: () => {
      if (ctx.stats) ctx.stats.clampedValues++;
    },
  };
  for (const resourceSpans of arrayOf(req?.resourceSpans)) {
    if (!resourceSpans) continue;
    const resource = resourceInfo(resourceSpans.resource, ctx, limits);
    for (const scopeSpans of arrayOf(resourceSpans.scopeSpans)) {
      if (!scopeSpans) continue;
      const scopeName = textField(scopeSpans.scope?.name);
      const scopeVersion = textField(scopeSpans.scope?.version);
      for (const span of arrayOf(scopeSpans.spans)) {
        if (span && typeof span === "object") rows.push(spanRow(span, resource, scopeName, scopeVersion, shared));
      }
    }
  }
  return rows;
}
