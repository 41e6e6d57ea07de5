// OTLP protobuf (`otlp_proto`, the Collector Kafka exporter's default): one Export*ServiceRequest
// per Kafka message, decoded by protobufjs from the official .proto files.
import type protobuf from "protobufjs";
import { otlpTypes } from "../../schemas/otlp/index.js";
import type { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest } from "../../schemas/otlp/index.js";
import { DecodeError } from "./decode-error.js";

const toObjectOptions: protobuf.IConversionOptions = { longs: String, enums: Number, defaults: false, arrays: false };

function decodeWith<T>(type: protobuf.Type, value: Buffer): T {
  let message: protobuf.Message;
  try {
    message = type.decode(value);
  } catch (err) {
    throw new DecodeError("decode_error", `not a valid OTLP protobuf ${type.name}: ${(err as Error).message}`);
  }
  return type.toObject(message, toObjectOptions) as T;
}

export function decodeProtoTraces(value: Buffer): ExportTraceServiceRequest {
  return decodeWith(otlpTypes().ExportTraceServiceRequest, value);
}

export function decodeProtoMetrics(value: Buffer): ExportMetricsServiceRequest {
  return decodeWith(otlpTypes().ExportMetricsServiceRequest, value);
}

export function decodeProtoLogs(value: Buffer): ExportLogsServiceRequest {
  return decodeWith(otlpTypes().ExportLogsServiceRequest, value);
}
