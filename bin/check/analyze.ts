// The check itself: every message goes through ingest's own processBatch (the decoders, the
// normalizer and the glossary Braid runs), one message at a time so each dead letter and each
// normalizer counter belongs to one message; then the rows Braid would store are read for the
// findings of schemas/check.ts. Nothing here decodes or normalizes on its own.
import { processBatch, type BatchOptions, type TopicRoute } from "../../ingest/index.js";
import {
  defaultGlossary,
  ERROR_CODE_ATTRIBUTE,
  nearestEntries,
  newNormalizeStats,
  ORIGINAL_SEVERITY_ATTRIBUTE,
  renamedAttributes,
  SERVICE_FIELDS,
  SPAN_ID_FIELDS,
  TRACE_ID_FIELDS,
  TRUNCATION_MARKER,
  UNKNOWN_SERVICE,
  type NormalizeStats,
} from "../../normalizer/index.js";
import { checkRules, type CheckPolicy, type CheckReport, type CheckRuleId, type Finding, type FindingSeverity, type ServiceSummary } from "../../schemas/check.js";
import { BraidConfig, type Signal } from "../../schemas/config.js";
import type { LogRow, SignalTable, TraceRow } from "../../schemas/rows.js";
import type { CheckInput, CheckMessage } from "./inputs.js";
import { applyPolicy } from "./policy.js";
import { closeKnownAttribute, isKnownAttribute } from "./semconv-names.js";
import { isUrl, templateOf } from "./templates.js";

export interface CheckOptions {
  policy: CheckPolicy;
  failOn: "error" | "warning";
  /** The "now" timestamps are judged against (default: the clock). */
  now?: Date;
}

/** The service a finding is filed under when its message could not be decoded at all. */
export const UNDECODED = "(not decoded)";
const maxExamples = 3;

interface Occurrence {
  rule: CheckRuleId;
  service: string;
  signal?: Signal;
  subject: string;
  message: string;
  count: number;
  examples: string[];
  locations: string[];
  details: Record<string, unknown>;
  /** A severity lower than the rule's, for this occurrence only (unless the policy sets the rule's). */
  severity?: FindingSeverity;
}

interface ServiceState {
  languages: Set<string>;
  items: Partial<Record<Signal, number>>;
  errors: number;
  matchedErrors: number;
  /** Log records subject to the trace-context rule, and those of them without a trace id. */
  traceContext: { considered: number; missing: number; examples: string[]; locations: string[]; signals: Set<Signal> };
  spanNames: Map<string, number>;
  spanTemplates: Map<string, { strong: boolean; names: Set<string>; count: number; locations: string[] }>;
  /** metric name → attribute key → distinct values (capped) and id-like values. */
  metricValues: Map<string, Map<string, { values: Set<string>; idLike: Set<string>; idLikeCount: number; strong: boolean; locations: string[] }>>;
}

const distinctCap = 10_000;

/** Attributes that are unbounded by nature: on a metric, every value is a new series. */
const unboundedMetricAttributes = new Set(["url.full", "http.url", "http.target", "url.query", "user.id", "enduser.id", "session.id", "http.client_ip", "client.address", "net.sock.peer.addr", "network.peer.address", "db.query.text", "db.statement"]);

/** Keys the normalizer itself adds; never the producer's. */
const addedByBraid = (key: string) => key.startsWith("braid.") || key.startsWith("kafka.header.") || key === ORIGINAL_SEVERITY_ATTRIBUTE;

class Findings {
  private readonly occurrences = new Map<string, Occurrence>();
  readonly services = new Map<string, ServiceState>();
  private readonly semconvVerdicts = new Map<string, { renamedTo?: string; closeTo?: string } | null>();

  service(name: string): ServiceState {
    let state = this.services.get(name);
    if (!state) {
      state = {
        languages: new Set(),
        items: {},
        errors: 0,
        matchedErrors: 0,
        traceContext: { considered: 0, missing: 0, examples: [], locations: [], signals: new Set() },
        spanNames: new Map(),
        spanTemplates: new Map(),
        metricValues: new Map(),
      };
      this.services.set(name, state);
    }
    return state;
  }

  add(o: Omit<Occurrence, "count" | "examples" | "locations" | "details"> & { count?: number; example?: string; location?: string; details?: Record<string, unknown> }): void {
    const key = `${o.rule}\u0000${o.service}\u0000${o.signal ?? ""}\u0000${o.subject}`;
    let occurrence = this.occurrences.get(key);
    if (!occurrence) {
      occurrence = { rule: o.rule, service: o.service, signal: o.signal, subject: o.subject, message: o.message, count: 0, examples: [], locations: [], details: {}, severity: o.severity };
      this.occurrences.set(key, occurrence);
    }
    occurrence.count += o.count ?? 1;
    if (o.example !== undefined && occurrence.examples.length < maxExamples && !occurrence.examples.includes(o.example)) occurrence.examples.push(o.example);
    if (o.location !== undefined && occurrence.locations.length < maxExamples && !occurrence.locations.includes(o.location)) occurrence.locations.push(o.location);
    if (o.details) Object.assign(occurrence.details, o.details);
  }

  all(): Occurrence[] {
    return [...this.occurrences.values()];
  }

  /** Deprecated (renamed) or unknown-but-close semantic-convention names among a map's keys. */
  attributeNames(map: Record<string, string> | undefined, service: string, signal: Signal, where: string, example: string): void {
    if (!map) return;
    for (const key of Object.keys(map)) {
      if (addedByBraid(key)) continue;
      let verdict = this.semconvVerdicts.get(key);
      if (verdict === undefined) {
        const renamedTo = key === "http.target" ? "url.path and url.query" : renamedAttributes.get(key);
        const closeTo = renamedTo || isKnownAttribute(key) ? undefined : closeKnownAttribute(key);
        verdict = renamedTo || closeTo ? { renamedTo, closeTo } : null;
        this.semconvVerdicts.set(key, verdict);
      }
      if (!verdict) continue;
      if (verdict.renamedTo) {
        this.add({ rule: "semconv.renamed", service, signal, subject: key, message: `${key} is deprecated: Braid stores it as ${verdict.renamedTo} too; emit ${verdict.renamedTo}`, example, location: where, details: { current: verdict.renamedTo } });
      } else {
        this.add({ rule: "semconv.unknown_close", service, signal, subject: key, message: `${key} is not a semantic-convention name; did you mean ${verdict.closeTo}?`, example, location: where, details: { suggestion: verdict.closeTo } });
      }
    }
  }

  truncated(map: Record<string, string> | undefined, service: string, signal: Signal, where: string, example: string, limit: number): void {
    if (!map) return;
    for (const [key, value] of Object.entries(map)) {
      if (value.length === limit && value.endsWith(TRUNCATION_MARKER)) {
        this.add({ rule: "limits.value_truncated", service, signal, subject: key, message: `values of ${key} are longer than ${limit} characters and are cut (limits.maxAttributeValueLength)`, example, location: where, details: { maxAttributeValueLength: limit } });
      }
    }
  }
}

function routeTopic(input: CheckInput): string {
  return `braid-check.${input.signal}.${input.encoding}`;
}

const isoOfNanos = (nanos: string | undefined) => {
  if (!nanos || !/^\d+$/.test(nanos) || nanos === "0") return "missing";
  const ms = Number(BigInt(nanos) / 1_000_000n);
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? nanos : date.toISOString();
};

/** The required attributes a resource lacks, judged once per resource (its rows share one attributes object). */
const missingByResource = new WeakMap<object, { key: string; message: string }[]>();

function resourceChecks(f: Findings, policy: CheckPolicy, row: { ServiceName: string; ResourceAttributes: Record<string, string> }, signal: Signal, where: string): void {
  let missing = missingByResource.get(row.ResourceAttributes);
  if (!missing) {
    missing = [];
    // Raw log lines have no resource: all they can carry is their service's name.
    const required = signal === "app_logs" ? policy.requiredResourceAttributes.filter((key) => key === "service.name") : policy.requiredResourceAttributes;
    for (const key of required) {
      const value = row.ResourceAttributes[key];
      const sdkDefault = key === "service.name" && value !== undefined && (value === UNKNOWN_SERVICE || value.startsWith(`${UNKNOWN_SERVICE}:`));
      if (value !== undefined && value.trim() !== "" && !sdkDefault) continue;
      const message =
        signal === "app_logs"
          ? `log lines name no service: Braid stores them under ${UNKNOWN_SERVICE}; add one of the fields ${SERVICE_FIELDS.join(", ")} to every line`
          : sdkDefault
            ? `service.name is the SDK's default (${value}): set OTEL_SERVICE_NAME or the resource's service.name`
            : `resources lack the required attribute ${key}`;
      missing.push({ key, message });
    }
    missingByResource.set(row.ResourceAttributes, missing);
  }
  for (const { key, message } of missing) f.add({ rule: "resource.attribute_missing", service: row.ServiceName, signal, subject: key, message, location: where });
}

function errorChecks(f: Findings, state: ServiceState, row: { ServiceName: string; ErrorCode: string; ErrorFingerprint: string; ErrorMessage: string }, attributes: Record<string, string>, signal: Signal, where: string, example: string): void {
  if (row.ErrorCode) {
    state.errors++;
    if (row.ErrorCode === "UNKNOWN") {
      const nearest = nearestEntries(row.ErrorMessage || example, defaultGlossary(), 1)[0];
      // Only a suggestion worth following: most of the message's telling words, and not only common ones.
      const suggestion = nearest && nearest.score >= 0.4 && nearest.strength >= 2.5 ? nearest : undefined;
      f.add({
        rule: "glossary.unknown",
        service: row.ServiceName,
        signal,
        subject: row.ErrorFingerprint,
        message: `an error no glossary entry matches (UNKNOWN, fingerprint ${row.ErrorFingerprint})${suggestion ? `; nearest code ${suggestion.code} (shares: ${suggestion.sharedWords.join(", ")})` : ""}`,
        example: row.ErrorMessage || example,
        location: where,
        details: { fingerprint: row.ErrorFingerprint, nearestCode: suggestion?.code ?? null, nearestTitle: suggestion?.title ?? null, nearestScore: suggestion?.score ?? null },
      });
    } else state.matchedErrors++;
  }
  const declared = attributes[ERROR_CODE_ATTRIBUTE];
  if (declared !== undefined && !defaultGlossary().byCode.has(declared)) {
    const nearest = nearestCode(declared);
    f.add({
      rule: "glossary.declared_code_unknown",
      service: row.ServiceName,
      signal,
      subject: declared,
      message: `${ERROR_CODE_ATTRIBUTE}="${declared}" is not a code of glossary ${defaultGlossary().version}${nearest ? `; did you mean ${nearest}?` : ""}`,
      example,
      location: where,
      details: { nearestCode: nearest ?? null, glossaryVersion: defaultGlossary().version },
    });
  }
}

function nearestCode(code: string): string | undefined {
  let best: { code: string; distance: number } | undefined;
  for (const known of defaultGlossary().byCode.keys()) {
    const d = levenshtein(code.toUpperCase(), known);
    if (!best || d < best.distance) best = { code: known, distance: d };
  }
  return best && best.distance <= Math.max(3, Math.floor(code.length / 4)) ? best.code : undefined;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

function timestampCheck(f: Findings, attributes: Record<string, string>, service: string, signal: Signal, where: string, example: string): void {
  const reason = attributes["braid.timestamp_fixup"];
  if (!reason) return;
  const original = attributes["braid.original_timestamp"];
  const text =
    reason === "missing"
      ? "items without a timestamp: Braid gives them the time it receives them"
      : reason === "too_old"
        ? "timestamps more than 30 days before now: Braid replaces them with the time it receives the item (check the clock or the unit: seconds or milliseconds written as nanoseconds?)"
        : "timestamps more than an hour in the future: Braid replaces them with the time it receives the item (check the clock or the unit)";
  f.add({
    rule: "timestamp.out_of_range",
    service,
    signal,
    subject: reason,
    message: text,
    example: reason === "missing" ? example : `${isoOfNanos(original)} (${original}) on ${example}`,
    location: where,
    // A log line without a time is common and mostly harmless; a wrong time is not.
    severity: reason === "missing" && signal === "app_logs" ? "warning" : undefined,
  });
}

function spanRow(f: Findings, row: TraceRow, where: string, limit: number, policy: CheckPolicy): void {
  const state = f.service(row.ServiceName);
  const example = `${row.SpanKind} span "${row.SpanName}"`;
  resourceChecks(f, policy, row, "traces", where);
  f.attributeNames(row.SpanAttributes, row.ServiceName, "traces", where, example);
  f.truncated(row.SpanAttributes, row.ServiceName, "traces", where, example, limit);
  for (const attributes of row["Events.Attributes"]) {
    f.attributeNames(attributes, row.ServiceName, "traces", where, `${example} event`);
    f.truncated(attributes, row.ServiceName, "traces", where, `${example} event`, limit);
  }
  errorChecks(f, state, row, row.SpanAttributes, "traces", where, example);
  timestampCheck(f, row.SpanAttributes, row.ServiceName, "traces", where, example);
  state.spanNames.set(row.SpanName, (state.spanNames.get(row.SpanName) ?? 0) + 1);
  const { template, strong, variable } = templateOf(row.SpanName);
  if (variable) {
    const entry = state.spanTemplates.get(template) ?? { strong: false, names: new Set<string>(), count: 0, locations: [] };
    entry.strong ||= strong;
    if (entry.names.size < distinctCap) entry.names.add(row.SpanName);
    entry.count++;
    if (entry.locations.length < maxExamples && !entry.locations.includes(where)) entry.locations.push(where);
    state.spanTemplates.set(template, entry);
  }
}

function logRow(f: Findings, row: LogRow, signal: Signal, message: CheckMessage, limit: number, policy: CheckPolicy): void {
  const state = f.service(row.ServiceName);
  const where = message.location;
  const body = row.Body.length > 120 ? `${row.Body.slice(0, 117)}…` : row.Body;
  const example = `${row.SeverityText || "log"} "${body}"`;
  resourceChecks(f, policy, row, signal, where);
  f.attributeNames(row.LogAttributes, row.ServiceName, signal, where, example);
  f.truncated(row.LogAttributes, row.ServiceName, signal, where, example, limit);
  errorChecks(f, state, row, row.LogAttributes, signal, where, example);
  timestampCheck(f, row.LogAttributes, row.ServiceName, signal, where, example);
  const mode = policy.logs.traceContext;
  if (mode !== "off" && (mode === "all" || row.SeverityNumber >= 17)) {
    const tc = state.traceContext;
    tc.considered++;
    tc.signals.add(signal);
    if (!row.TraceId) {
      tc.missing++;
      if (tc.examples.length < maxExamples) tc.examples.push(example);
      if (tc.locations.length < maxExamples) tc.locations.push(where);
    }
  }
  if (signal === "app_logs" && !row.TraceId) {
    const field = traceIdField(message.value.toString("utf8"));
    if (field) {
      f.add({
        rule: "logs.trace_context_invalid",
        service: row.ServiceName,
        signal,
        subject: field.key,
        message: `${field.key} is present but is not a trace id Braid can read (32 hex characters, not all zero): the line is not linked to its trace`,
        example: `${field.key}=${JSON.stringify(field.value).slice(0, 80)}`,
        location: where,
      });
    }
  }
}

/** A trace-id field of a JSON log line that has a value (the normalizer found no valid id in it). */
function traceIdField(line: string): { key: string; value: unknown } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
  const o = parsed as Record<string, unknown>;
  for (const source of [o, o.fields, o.span]) {
    if (!source || typeof source !== "object") continue;
    for (const key of TRACE_ID_FIELDS) {
      const value = (source as Record<string, unknown>)[key];
      if (value !== undefined && value !== null && value !== "") return { key, value };
    }
  }
  return undefined;
}

interface MetricRowLike {
  ServiceName: string;
  ResourceAttributes: Record<string, string>;
  ScopeAttributes: Record<string, string>;
  Attributes: Record<string, string>;
  MetricName: string;
}

function metricRow(f: Findings, row: MetricRowLike, where: string, limit: number, policy: CheckPolicy): void {
  const state = f.service(row.ServiceName);
  const example = `metric ${row.MetricName}`;
  resourceChecks(f, policy, row, "metrics", where);
  f.attributeNames(row.Attributes, row.ServiceName, "metrics", where, example);
  f.truncated(row.Attributes, row.ServiceName, "metrics", where, example, limit);
  let byKey = state.metricValues.get(row.MetricName);
  if (!byKey) state.metricValues.set(row.MetricName, (byKey = new Map()));
  for (const [key, value] of Object.entries(row.Attributes)) {
    let entry = byKey.get(key);
    if (!entry) byKey.set(key, (entry = { values: new Set(), idLike: new Set(), idLikeCount: 0, strong: false, locations: [] }));
    if (entry.values.size < distinctCap) entry.values.add(value);
    // Numbers (status codes, ports) and addresses (peers) are judged by their count alone.
    if (/^-?\d+(\.\d+)?$/.test(value) || /^\[?[0-9a-f.:]+\]?(:\d+)?$/i.test(value)) continue;
    const template = templateOf(value);
    if (template.variable || isUrl(value)) {
      entry.idLikeCount++;
      entry.strong ||= template.strong || isUrl(value);
      if (entry.idLike.size < distinctCap) entry.idLike.add(value);
      if (entry.locations.length < maxExamples && !entry.locations.includes(where)) entry.locations.push(where);
    }
  }
}

function cardinalityFindings(f: Findings, policy: CheckPolicy): void {
  for (const [service, state] of f.services) {
    for (const [template, entry] of state.spanTemplates) {
      if (!entry.strong && entry.names.size < 2) continue;
      const examples = [...entry.names].slice(0, maxExamples);
      f.add({
        rule: "cardinality.span_name",
        service,
        signal: "traces",
        subject: template,
        message: `span names carry ids (${entry.names.size} distinct name${entry.names.size === 1 ? "" : "s"} of the form "${template}"): name spans by route or operation and put the id in an attribute`,
        count: entry.count,
        details: { template, distinctNames: entry.names.size },
      });
      for (const example of examples) f.add({ rule: "cardinality.span_name", service, signal: "traces", subject: template, message: "", count: 0, example });
      for (const location of entry.locations) f.add({ rule: "cardinality.span_name", service, signal: "traces", subject: template, message: "", count: 0, location });
    }
    const distinct = state.spanNames.size;
    if (distinct > policy.cardinality.maxDistinctSpanNames) {
      const names = [...state.spanNames.entries()].sort((a, b) => a[1] - b[1]).map(([name]) => name);
      f.add({
        rule: "cardinality.span_name",
        service,
        signal: "traces",
        subject: "(distinct span names)",
        message: `${distinct} distinct span names, more than ${policy.cardinality.maxDistinctSpanNames} (cardinality.maxDistinctSpanNames)`,
        count: distinct,
        details: { distinctNames: distinct, limit: policy.cardinality.maxDistinctSpanNames },
      });
      for (const name of names.slice(0, maxExamples)) f.add({ rule: "cardinality.span_name", service, signal: "traces", subject: "(distinct span names)", message: "", count: 0, example: name });
    }
    for (const [metric, byKey] of state.metricValues) {
      for (const [key, entry] of byKey) {
        const subject = `${metric} ${key}`;
        const tooMany = entry.values.size > policy.cardinality.maxDistinctMetricAttributeValues;
        const unbounded = unboundedMetricAttributes.has(key);
        const idLike = entry.strong || entry.idLike.size >= 2;
        if (!tooMany && !unbounded && !idLike) continue;
        const why = unbounded
          ? `${key} is unbounded by nature`
          : idLike
            ? `values of ${key} carry ids or URLs (${entry.idLike.size} distinct)`
            : `${entry.values.size} distinct values of ${key}, more than ${policy.cardinality.maxDistinctMetricAttributeValues} (cardinality.maxDistinctMetricAttributeValues)`;
        f.add({
          rule: "cardinality.metric_attribute",
          service,
          signal: "metrics",
          subject,
          message: `metric ${metric}: ${why}; every value is a new time series`,
          count: entry.values.size,
          details: { metric, attribute: key, distinctValues: entry.values.size },
        });
        const examples = entry.idLike.size > 0 ? [...entry.idLike] : [...entry.values];
        for (const example of examples.slice(0, maxExamples)) f.add({ rule: "cardinality.metric_attribute", service, signal: "metrics", subject, message: "", count: 0, example: `${key}=${example}` });
        for (const location of entry.locations) f.add({ rule: "cardinality.metric_attribute", service, signal: "metrics", subject, message: "", count: 0, location });
      }
    }
  }
}

function serviceLevelFindings(f: Findings, policy: CheckPolicy): void {
  for (const [service, state] of f.services) {
    const tc = state.traceContext;
    if (tc.considered > 0 && tc.missing > 0) {
      const share = (tc.considered - tc.missing) / tc.considered;
      if (share < policy.logs.minTraceContextShare) {
        const which = policy.logs.traceContext === "all" ? "log records" : "error-level log records";
        const signal = tc.signals.size === 1 ? [...tc.signals][0] : undefined;
        f.add({
          rule: "logs.trace_context_missing",
          service,
          signal,
          subject: which,
          message: `${tc.missing} of ${tc.considered} ${which} carry no trace id (a ${TRACE_ID_FIELDS[0]} and ${SPAN_ID_FIELDS[0]} field in log lines, the record's traceId in OTLP), so Braid cannot link them to their trace`,
          count: tc.missing,
          details: { considered: tc.considered, missing: tc.missing, share: Math.round(share * 1000) / 1000, required: policy.logs.minTraceContextShare },
        });
        for (const example of tc.examples) f.add({ rule: "logs.trace_context_missing", service, signal, subject: which, message: "", count: 0, example });
        for (const location of tc.locations) f.add({ rule: "logs.trace_context_missing", service, signal, subject: which, message: "", count: 0, location });
      }
    }
    if (state.errors > 0) {
      const coverage = state.matchedErrors / state.errors;
      if (coverage < policy.glossary.minCoverage) {
        f.add({
          rule: "glossary.coverage",
          service,
          subject: "coverage",
          message: `${Math.round(coverage * 1000) / 10}% of errors map to a glossary code (${state.matchedErrors} of ${state.errors}), below ${Math.round(policy.glossary.minCoverage * 1000) / 10}% (glossary.minCoverage)`,
          count: state.errors - state.matchedErrors,
          details: { coverage: Math.round(coverage * 1000) / 1000, matched: state.matchedErrors, errors: state.errors, required: policy.glossary.minCoverage },
        });
      }
    }
  }
}

function limitFindings(f: Findings, stats: NormalizeStats, rows: Map<SignalTable, object[]>, signal: Signal, where: string, maxAttributes: number): void {
  if (stats.droppedAttributes > 0) {
    // The items at the limit are the ones that lost attributes.
    const services = new Map<string, string>();
    for (const list of rows.values()) {
      for (const row of list as { ServiceName: string; SpanName?: string; MetricName?: string; Body?: string; SpanAttributes?: object; LogAttributes?: object; Attributes?: object; ResourceAttributes: object }[]) {
        const maps = [row.SpanAttributes, row.LogAttributes, row.Attributes, row.ResourceAttributes].filter(Boolean) as object[];
        if (maps.some((map) => Object.keys(map).filter((key) => !addedByBraid(key)).length >= maxAttributes) && !services.has(row.ServiceName)) {
          services.set(row.ServiceName, row.SpanName !== undefined ? `span "${row.SpanName}"` : row.MetricName !== undefined ? `metric ${row.MetricName}` : `log "${(row.Body ?? "").slice(0, 60)}"`);
        }
      }
    }
    if (services.size === 0) {
      const first = [...rows.values()][0]?.[0] as { ServiceName: string } | undefined;
      services.set(first?.ServiceName ?? UNDECODED, "");
    }
    for (const [service, example] of services) {
      f.add({
        rule: "limits.attribute_dropped",
        service,
        signal,
        subject: "attributes per item",
        message: `items with more than ${maxAttributes} attributes: Braid drops the rest (limits.maxAttributesPerItem)`,
        count: services.size === 1 ? stats.droppedAttributes : 1,
        example: example || undefined,
        location: where,
        details: { maxAttributesPerItem: maxAttributes },
      });
    }
  }
  if (signal === "metrics" && stats.timestampFixups > 0) {
    const first = [...rows.values()][0]?.[0] as { ServiceName?: string; MetricName?: string } | undefined;
    f.add({
      rule: "timestamp.out_of_range",
      service: first?.ServiceName ?? UNDECODED,
      signal,
      subject: "metric points",
      message: "metric points with a missing, too old (30 days) or future (1 hour) time: Braid replaces it with the time it receives them",
      count: stats.timestampFixups,
      example: first?.MetricName ? `metric ${first.MetricName}` : undefined,
      location: where,
    });
  }
}

function tableSignal(table: SignalTable, inputSignal: Signal): Signal {
  if (table === "otel_traces") return "traces";
  if (table === "otel_logs") return inputSignal === "app_logs" ? "app_logs" : "logs";
  return "metrics";
}

/** Runs the check over every input and returns the report (findings already under the policy). */
export function runCheck(inputs: readonly CheckInput[], options: CheckOptions): CheckReport {
  const { policy } = options;
  const defaults = BraidConfig.parse({});
  const limits = {
    maxAttributesPerItem: policy.limits.maxAttributesPerItem ?? defaults.limits.maxAttributesPerItem,
    maxAttributeValueLength: policy.limits.maxAttributeValueLength ?? defaults.limits.maxAttributeValueLength,
  };
  const now = options.now ?? new Date();
  const f = new Findings();
  let messages = 0;
  let deadLetters = 0;
  let items = 0;
  for (const input of inputs) {
    const route: TopicRoute = { signal: input.signal, topic: routeTopic(input), encoding: input.encoding };
    for (const [index, message] of input.messages.entries()) {
      messages++;
      const stats = newNormalizeStats();
      const batchOptions: BatchOptions = {
        routes: [route],
        tenancy: defaults.tenancy,
        limits,
        maxMessageBytes: policy.limits.maxMessageBytes ?? defaults.kafka.maxMessageBytes,
        stats,
        now: () => now,
      };
      const result = processBatch(
        [{ topic: route.topic!, partition: 0, offset: String(index), key: message.key ?? null, value: message.value, headers: message.headers ?? {}, timestamp: String(message.timestampMs ?? now.getTime()) }],
        batchOptions,
      );
      for (const letter of result.deadLetters) {
        deadLetters++;
        f.add({
          rule: "decode.failed",
          service: UNDECODED,
          signal: input.signal,
          subject: letter.code,
          message: `messages Braid cannot decode go to the dead-letter topic with braid.dlq.error.code=${letter.code}`,
          example: letter.reason,
          location: message.location,
          details: { deadLetterCode: letter.code, input: input.name },
        });
      }
      for (const [table, rows] of result.rows) {
        const signal = tableSignal(table, input.signal);
        for (const row of rows) {
          items++;
          const service = (row as { ServiceName: string }).ServiceName;
          const state = f.service(service);
          state.items[signal] = (state.items[signal] ?? 0) + 1;
          state.languages.add((row as { SourceLanguage: string }).SourceLanguage);
          if (table === "otel_traces") spanRow(f, row as TraceRow, message.location, limits.maxAttributeValueLength, policy);
          else if (table === "otel_logs") logRow(f, row as LogRow, signal, message, limits.maxAttributeValueLength, policy);
          else metricRow(f, row as MetricRowLike, message.location, limits.maxAttributeValueLength, policy);
        }
      }
      limitFindings(f, stats, result.rows, input.signal, message.location, limits.maxAttributesPerItem);
    }
  }
  cardinalityFindings(f, policy);
  serviceLevelFindings(f, policy);

  const findings: Finding[] = [];
  for (const o of f.all()) {
    const finding = applyPolicy(
      {
        rule: o.rule,
        severity: o.severity ?? checkRules[o.rule].severity,
        service: o.service,
        signal: o.signal,
        subject: o.subject,
        message: o.message,
        count: o.count,
        examples: o.examples,
        locations: o.locations,
        details: o.details,
      },
      policy,
    );
    if (finding) findings.push(finding);
  }
  const severityRank = { error: 0, warning: 1, info: 2 } as const;
  findings.sort((a, b) => a.service.localeCompare(b.service) || severityRank[a.severity] - severityRank[b.severity] || a.rule.localeCompare(b.rule) || a.subject.localeCompare(b.subject));

  const failing = (finding: Finding) => !finding.allowed && (finding.severity === "error" || (options.failOn === "warning" && finding.severity === "warning"));
  const count = (list: Finding[], severity: FindingSeverity) => list.filter((x) => !x.allowed && x.severity === severity).length;
  const services: ServiceSummary[] = [...f.services.entries()]
    .filter(([, state]) => Object.keys(state.items).length > 0)
    .map(([service, state]) => {
      const own = findings.filter((x) => x.service === service);
      return {
        service,
        languages: [...state.languages].sort(),
        items: state.items,
        errors: state.errors,
        matchedErrors: state.matchedErrors,
        glossaryCoverage: state.errors > 0 ? Math.round((state.matchedErrors / state.errors) * 1000) / 1000 : null,
        findings: { error: count(own, "error"), warning: count(own, "warning"), info: count(own, "info"), allowed: own.filter((x) => x.allowed).length },
      };
    })
    .sort((a, b) => a.service.localeCompare(b.service));
  return {
    braidCheck: 1,
    glossaryVersion: defaultGlossary().version,
    referenceTime: now.toISOString(),
    failOn: options.failOn,
    passed: !findings.some(failing),
    inputs: inputs.map((input) => ({ name: input.name, signal: input.signal, messages: input.messages.length, format: input.format })),
    totals: { messages, deadLetters, items, error: count(findings, "error"), warning: count(findings, "warning"), info: count(findings, "info"), allowed: findings.filter((x) => x.allowed).length },
    services,
    findings,
  };
}

