// The pure heart of ingest: a batch of Kafka messages in, rows per table and dead letters out.
// One bad message never stops the batch; it becomes a dead letter with its reason.
import type { Encoding, Signal } from "../schemas/config.js";
import type { SignalTable } from "../schemas/rows.js";
import { MAX_FUTURE_NANOS, MAX_PAST_NANOS, normalizeAppLogLine, normalizeChange, normalizeLogs, normalizeMetrics, normalizeTraces, type NormalizeContext, type NormalizeStats } from "../normalizer/index.js";
import { DecodeError, type DeadLetterCode } from "./decoders/decode-error.js";
import { decodeProtoLogs, decodeProtoMetrics, decodeProtoTraces } from "./decoders/otlp-proto.js";
import { decodeJsonLogs, decodeJsonMetrics, decodeJsonTraces } from "./decoders/otlp-json.js";
import { validateLogs, validateTraces } from "./decoders/validate.js";
import { decodeChangeEvent } from "./decoders/change-event.js";
import type { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest } from "../schemas/otlp/index.js";
import type { ChangeEvent } from "../schemas/changes.js";
import type { IngestMessage } from "./message.js";
import { messageEncoding, routeFor, type TopicRoute } from "./routing.js";

export interface DeadLetter {
  message: IngestMessage;
  code: DeadLetterCode;
  reason: string;
}

export interface BatchOptions {
  routes: readonly TopicRoute[];
  tenancy: { header: string; resourceAttribute: string; default: string };
  limits: { maxAttributesPerItem: number; maxAttributeValueLength: number };
  maxMessageBytes: number;
  stats: NormalizeStats;
  /** Injected clock, so tests are deterministic. */
  now?: () => Date;
}

/** The rows of one message in one table's row list: rows[previous owner's end, end). */
export interface RowOwner {
  message: IngestMessage;
  end: number;
}

export interface BatchResult {
  rows: Map<SignalTable, object[]>;
  /** Per table, which message each run of rows came from, in row order (to isolate rejected rows). */
  owners: Map<SignalTable, RowOwner[]>;
  deadLetters: DeadLetter[];
  /** Items stored per signal (spans, log records, metric points). */
  items: Record<Signal, number>;
}

/** Rows of every table that one message produced. */
type MessageRows = Partial<Record<SignalTable, object[]>>;

/** A decoded (and structurally validated) OTLP request, or a raw log line, of one message. */
export type DecodedRequest =
  | { signal: "traces"; request: ExportTraceServiceRequest }
  | { signal: "logs"; request: ExportLogsServiceRequest }
  | { signal: "metrics"; request: ExportMetricsServiceRequest }
  | { signal: "app_logs"; line: string }
  | { signal: "changes"; event: ChangeEvent };

/** Decodes one message value as ingest does; throws DecodeError with the dead-letter reason. */
export function decodeRequest(signal: Signal, encoding: Encoding, value: Buffer): DecodedRequest {
  switch (signal) {
    case "traces":
      return { signal, request: validateTraces(encoding === "otlp_json" ? decodeJsonTraces(value) : decodeProtoTraces(value)) };
    case "logs":
      return { signal, request: validateLogs(encoding === "otlp_json" ? decodeJsonLogs(value) : decodeProtoLogs(value)) };
    case "metrics":
      return { signal, request: encoding === "otlp_json" ? decodeJsonMetrics(value) : decodeProtoMetrics(value) };
    case "app_logs":
      return { signal, line: value.toString("utf8") };
    case "changes":
      return { signal, event: decodeChangeEvent(value) };
  }
}

function decodeAndNormalize(signal: Signal, encoding: Encoding, value: Buffer, ctx: NormalizeContext): MessageRows {
  const decoded = decodeRequest(signal, encoding, value);
  switch (decoded.signal) {
    case "traces":
      return { otel_traces: normalizeTraces(decoded.request, ctx) };
    case "logs":
      return { otel_logs: normalizeLogs(decoded.request, ctx) };
    case "metrics":
      return { ...normalizeMetrics(decoded.request, ctx) };
    case "app_logs":
      return { otel_logs: [normalizeAppLogLine(decoded.line, ctx)] };
    case "changes":
      return { braid_changes: [normalizeChange(decoded.event, ctx)] };
  }
}

const emptyItems = (): Record<Signal, number> => ({ traces: 0, metrics: 0, logs: 0, app_logs: 0, changes: 0 });

/**
 * The message's Kafka timestamp, as the normalizer's "now" (sanity window of timestamps, and the
 * time given to items without one, e.g. plain log lines): the time the item was produced rather
 * than the time it happens to be ingested, and the same on every replay of the message, so a
 * replayed range yields the same rows. Undefined (the normalizer then uses the clock) when the
 * timestamp is missing or itself outside the sanity window around the clock.
 */
export function kafkaTimeNanos(timestampMs: string, wallNanos: bigint): bigint | undefined {
  const ms = Number(timestampMs);
  if (!Number.isSafeInteger(ms) || ms <= 0) return undefined;
  const nanos = BigInt(ms) * 1_000_000n;
  return nanos < wallNanos - MAX_PAST_NANOS || nanos > wallNanos + MAX_FUTURE_NANOS ? undefined : nanos;
}

/** Kafka headers become resource attributes under kafka.header.<name> (as the Collector does). */
function headerAttributes(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[`kafka.header.${name}`] = value;
  return out;
}

export function processBatch(messages: readonly IngestMessage[], options: BatchOptions): BatchResult {
  const result: BatchResult = { rows: new Map(), owners: new Map(), deadLetters: [], items: emptyItems() };
  const now = options.now?.() ?? new Date();
  const ingestedAt = now.toISOString();
  const wallNanos = BigInt(now.getTime()) * 1_000_000n;
  for (const message of messages) {
    const route = routeFor(options.routes, message.topic);
    try {
      if (!route) throw new DecodeError("unsupported_content_type", `topic ${message.topic} is not configured for any signal`);
      if (!message.value || message.value.length === 0) throw new DecodeError("empty_message", "the message has no value");
      if (message.value.length > options.maxMessageBytes) {
        throw new DecodeError("message_too_large", `the message has ${message.value.length} bytes, more than the limit of ${options.maxMessageBytes} (kafka.maxMessageBytes)`);
      }
      const encoding = messageEncoding(route, message.headers["content-type"]);
      const headerTenant = message.headers[options.tenancy.header];
      const ctx: NormalizeContext = {
        tenant: headerTenant || options.tenancy.default,
        ingestedAt,
        nowNanos: kafkaTimeNanos(message.timestamp, wallNanos),
        extraAttributes: headerAttributes(message.headers),
        limits: options.limits,
        stats: options.stats,
      };
      let produced: MessageRows;
      try {
        produced = decodeAndNormalize(route.signal, encoding, message.value, ctx);
      } catch (err) {
        if (err instanceof DecodeError) throw err;
        throw new DecodeError("normalize_error", `normalizing failed: ${(err as Error).message}`);
      }
      for (const [table, rows] of Object.entries(produced) as [SignalTable, object[]][]) {
        if (rows.length === 0) continue;
        if (!headerTenant) applyTenantAttribute(rows, options.tenancy.resourceAttribute);
        let bucket = result.rows.get(table);
        if (bucket) for (const row of rows) bucket.push(row);
        else result.rows.set(table, (bucket = rows.slice()));
        const owners = result.owners.get(table);
        if (owners) owners.push({ message, end: bucket.length });
        else result.owners.set(table, [{ message, end: bucket.length }]);
        result.items[route.signal] += rows.length;
      }
    } catch (err) {
      const decodeError = err instanceof DecodeError ? err : new DecodeError("normalize_error", (err as Error).message);
      result.deadLetters.push({ message, code: decodeError.code, reason: decodeError.message });
    }
  }
  return result;
}

/**
 * Without a tenant header, a resource attribute names the tenant, per resource. The header wins
 * when both are present: it is set by the pipeline that produced to Kafka (e.g. a gateway that
 * authenticated the sender), while resource attributes are whatever the service put there.
 */
function applyTenantAttribute(rows: object[], attribute: string): void {
  for (const row of rows as { ResourceAttributes?: Record<string, string>; Tenant?: string }[]) {
    const tenant = row.ResourceAttributes?.[attribute];
    if (tenant) row.Tenant = tenant;
  }
}
