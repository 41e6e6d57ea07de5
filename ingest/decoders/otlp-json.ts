// OTLP JSON (`otlp_json`): the OTLP/JSON mapping of the same Export*ServiceRequest messages, as
// the Collector's Kafka exporter writes them: lowerCamelCase keys, trace and span ids as hex (not
// base64 as in plain proto3 JSON), 64-bit integers as strings, enums as numbers. snake_case keys
// are accepted too, as the Collector's receiver does. protobufjs' fromObject does the typing, so
// both encodings yield exactly the same decoded shape.
import type protobuf from "protobufjs";
import { otlpTypes } from "../../schemas/otlp/index.js";
import type { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest } from "../../schemas/otlp/index.js";
import { DecodeError } from "./decode-error.js";

/** Fields that OTLP/JSON writes as hex instead of base64. */
const hexIdFields = new Set(["traceId", "spanId", "parentSpanId"]);

const snakeToCamel = (key: string) => (key.includes("_") ? key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) : key);

function hexToBytes(hex: unknown, path: string): Buffer {
  if (typeof hex !== "string" || !/^([0-9a-fA-F]{2})*$/.test(hex)) {
    throw new DecodeError("invalid_payload", `${path}: expected a hex string, got ${JSON.stringify(hex)?.slice(0, 60)}`);
  }
  return Buffer.from(hex, "hex");
}

/** Rewrites keys to lowerCamelCase and hex ids to bytes; everything else is left to fromObject. */
function prepare(value: unknown, path: string): unknown {
  if (Array.isArray(value)) return value.map((item, i) => prepare(item, `${path}[${i}]`));
  if (!value || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [rawKey, child] of Object.entries(value)) {
    const key = snakeToCamel(rawKey);
    const childPath = path ? `${path}.${key}` : key;
    // Attribute values are AnyValue objects: their ids-looking keys never occur, so no special case.
    out[key] = hexIdFields.has(key) ? hexToBytes(child, childPath) : prepare(child, childPath);
  }
  return out;
}

const toObjectOptions: protobuf.IConversionOptions = { longs: String, enums: Number, defaults: false, arrays: false };

function decodeJsonWith<T>(type: protobuf.Type, value: Buffer): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString("utf8"));
  } catch (err) {
    throw new DecodeError("decode_error", `not valid JSON: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new DecodeError("invalid_payload", `expected an OTLP/JSON ${type.name} object at the top level`);
  }
  let message: protobuf.Message;
  try {
    message = type.fromObject(prepare(parsed, "") as Record<string, unknown>);
  } catch (err) {
    if (err instanceof DecodeError) throw err;
    throw new DecodeError("invalid_payload", `not a valid OTLP/JSON ${type.name}: ${(err as Error).message}`);
  }
  return type.toObject(message, toObjectOptions) as T;
}

export function decodeJsonTraces(value: Buffer): ExportTraceServiceRequest {
  return decodeJsonWith(otlpTypes().ExportTraceServiceRequest, value);
}

export function decodeJsonMetrics(value: Buffer): ExportMetricsServiceRequest {
  return decodeJsonWith(otlpTypes().ExportMetricsServiceRequest, value);
}

export function decodeJsonLogs(value: Buffer): ExportLogsServiceRequest {
  return decodeJsonWith(otlpTypes().ExportLogsServiceRequest, value);
}
