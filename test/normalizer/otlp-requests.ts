// Helpers for the normalizer's tests: build OTLP requests the way a producer would and decode
// them the way Braid's protobuf decoder does (protobufjs, official protos), so the tests see the
// real decoded shape (bytes ids, string int64s, numeric enums).
import { otlpTypes } from "../../schemas/otlp/proto.js";
import type { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest } from "../../schemas/otlp/types.js";

const options = { longs: String, enums: Number, bytes: Uint8Array } as const;

function roundTrip<T>(typeName: "ExportTraceServiceRequest" | "ExportLogsServiceRequest" | "ExportMetricsServiceRequest", request: object): T {
  const type = otlpTypes()[typeName];
  const message = type.fromObject(request);
  return type.toObject(type.decode(type.encode(message).finish()), options) as T;
}

export const viaProtobuf = {
  traces: (request: object) => roundTrip<ExportTraceServiceRequest>("ExportTraceServiceRequest", request),
  logs: (request: object) => roundTrip<ExportLogsServiceRequest>("ExportLogsServiceRequest", request),
  metrics: (request: object) => roundTrip<ExportMetricsServiceRequest>("ExportMetricsServiceRequest", request),
};

export const hex = (s: string) => Uint8Array.from(Buffer.from(s, "hex"));
export const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
export const int = (key: string, value: number) => ({ key, value: { intValue: value } });

/** 2024-01-15T10:30:00Z in ns, and a "now" one minute later. */
export const T0 = 1705314600000000000n;
export const NOW = T0 + 60_000_000_000n;
export const ns = (offsetMs: number) => (T0 + BigInt(offsetMs) * 1_000_000n).toString();
