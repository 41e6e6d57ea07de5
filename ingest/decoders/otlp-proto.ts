// OTLP protobuf (`otlp_proto`, the Collector Kafka exporter's default): one Export*ServiceRequest
// per Kafka message, decoded by protobufjs' generated decoders of the official .proto files straight
// into the plain decoded shape (schemas/otlp/proto.ts, plainDecoder).
import { otlpTypes, type PlainDecoder } from "../../schemas/otlp/index.js";
import type { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest } from "../../schemas/otlp/index.js";
import { DecodeError } from "./decode-error.js";

function decodeWith<T>(decode: PlainDecoder<T>, name: string, value: Buffer): T {
  try {
    return decode(value);
  } catch (err) {
    throw new DecodeError("decode_error", `not a valid OTLP protobuf ${name}: ${(err as Error).message}`);
  }
}

export function decodeProtoTraces(value: Buffer): ExportTraceServiceRequest {
  return decodeWith(otlpTypes().decodeTraces, "ExportTraceServiceRequest", value);
}

export function decodeProtoMetrics(value: Buffer): ExportMetricsServiceRequest {
  return decodeWith(otlpTypes().decodeMetrics, "ExportMetricsServiceRequest", value);
}

export function decodeProtoLogs(value: Buffer): ExportLogsServiceRequest {
  return decodeWith(otlpTypes().decodeLogs, "ExportLogsServiceRequest", value);
}
