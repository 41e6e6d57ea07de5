// Flattens what the shop put on Kafka into plain records for checks and fixture selection:
// spans with their service and SDK language, log lines with the trace ids they carry.
import { otlpTypes } from "../../schemas/otlp/proto.js";
import type { AnyValue, ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest, KeyValue } from "../../schemas/otlp/types.js";

export type Attributes = Record<string, string | number | boolean | undefined>;

function anyValue(v: AnyValue | undefined): string | number | boolean | undefined {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  return JSON.stringify(v);
}

export function attributes(list: KeyValue[] | undefined): Attributes {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, anyValue(kv.value)]));
}

const hex = (b: Uint8Array | undefined) => (b && b.length ? Buffer.from(b).toString("hex") : "");

export interface FlatSpan {
  service: string;
  language: string;
  pid: number | undefined;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  statusCode: number;
  statusMessage: string;
  attributes: Attributes;
  events: { name: string; attributes: Attributes }[];
}

export function decodeTraces(payload: Buffer): ExportTraceServiceRequest {
  const { ExportTraceServiceRequest } = otlpTypes();
  return ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(payload), { longs: String, enums: Number }) as ExportTraceServiceRequest;
}

export function decodeMetrics(payload: Buffer): ExportMetricsServiceRequest {
  const { ExportMetricsServiceRequest } = otlpTypes();
  return ExportMetricsServiceRequest.toObject(ExportMetricsServiceRequest.decode(payload), { longs: String, enums: Number }) as ExportMetricsServiceRequest;
}

export function decodeLogs(payload: Buffer): ExportLogsServiceRequest {
  const { ExportLogsServiceRequest } = otlpTypes();
  return ExportLogsServiceRequest.toObject(ExportLogsServiceRequest.decode(payload), { longs: String, enums: Number }) as ExportLogsServiceRequest;
}

export function flattenSpans(request: ExportTraceServiceRequest): FlatSpan[] {
  const spans: FlatSpan[] = [];
  for (const rs of request.resourceSpans ?? []) {
    const resource = attributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        spans.push({
          service: String(resource["service.name"] ?? ""),
          language: String(resource["telemetry.sdk.language"] ?? ""),
          pid: typeof resource["process.pid"] === "number" ? resource["process.pid"] : undefined,
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: hex(s.parentSpanId),
          name: s.name ?? "",
          kind: s.kind ?? 0,
          statusCode: s.status?.code ?? 0,
          statusMessage: s.status?.message ?? "",
          attributes: attributes(s.attributes),
          events: (s.events ?? []).map((e) => ({ name: e.name ?? "", attributes: attributes(e.attributes) })),
        });
      }
    }
  }
  return spans;
}

/** The service of an OTLP message (each shop process exports only its own resource). */
export function resourceService(resourceAttributes: KeyValue[] | undefined): { service: string; language: string } {
  const a = attributes(resourceAttributes);
  return { service: String(a["service.name"] ?? ""), language: String(a["telemetry.sdk.language"] ?? "") };
}

export interface LogLine {
  raw: string;
  json: Record<string, unknown>;
  /** go-slog, go-zap or rust-tracing, from the line's shape. */
  format: "go-slog" | "go-zap" | "rust-tracing" | "unknown";
  service: string;
  level: string;
  traceId: string;
  spanId: string;
}

/** Parses one app_logs line: slog (time/msg), zap (ts/msg/logger), tracing JSON (timestamp/fields). */
export function parseLogLine(raw: string): LogLine {
  const json = JSON.parse(raw) as Record<string, unknown>;
  const fields = (json.fields ?? {}) as Record<string, unknown>;
  const format = "fields" in json && "timestamp" in json ? "rust-tracing" : "ts" in json ? "go-zap" : "time" in json && "msg" in json ? "go-slog" : "unknown";
  const pick = (k: string) => String(json[k] ?? fields[k] ?? "");
  const span = (json.span ?? {}) as Record<string, unknown>;
  const service =
    format === "go-zap" ? String(json.logger ?? "") : format === "go-slog" ? String(json.service ?? "") : String(span.service ?? fields.service ?? "");
  return { raw, json, format, service, level: String(json.level ?? ""), traceId: pick("trace_id"), spanId: pick("span_id") };
}
