// Loads the official OTLP .proto files (fetched from Maven Central by scripts/setup.sh) into
// protobufjs, so Braid decodes exactly what the OpenTelemetry SDKs and the Collector encode.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Where the .proto tree lives: BRAID_OTLP_PROTO_DIR, else .braid/otlp-proto in the repository. */
export function otlpProtoDir(): string {
  return process.env.BRAID_OTLP_PROTO_DIR ?? path.join(process.env.BRAID_STATE_DIR ?? path.join(repoRoot, ".braid"), "otlp-proto");
}

const serviceFiles = [
  "opentelemetry/proto/collector/trace/v1/trace_service.proto",
  "opentelemetry/proto/collector/metrics/v1/metrics_service.proto",
  "opentelemetry/proto/collector/logs/v1/logs_service.proto",
];

export interface OtlpTypes {
  root: protobuf.Root;
  ExportTraceServiceRequest: protobuf.Type;
  ExportMetricsServiceRequest: protobuf.Type;
  ExportLogsServiceRequest: protobuf.Type;
}

let cached: OtlpTypes | undefined;

/**
 * proto3 says string fields hold UTF-8 and protobufjs rejects a whole message whose strings do
 * not ("The encoded data was not valid for encoding utf-8"). Producers do send such bytes (a log
 * body read from a file, an attribute from a C library) and the Collector's pdata passes them on,
 * so Braid decodes them like the Collector instead of dead-lettering the batch: invalid sequences
 * become U+FFFD (normalizer/text.ts makes the rest storable).
 */
function acceptAnyStringBytes(namespace: protobuf.NamespaceBase): void {
  for (const nested of namespace.nestedArray) {
    if (nested instanceof protobuf.Type) {
      for (const field of nested.fieldsArray) {
        if (field.type !== "string") continue;
        // protobufjs 8 resolves editions features while loading and picks the string reader from
        // the resolved feature when it generates a decoder; there is no public setter after load.
        const features = (field as unknown as { _features?: Record<string, unknown> })._features;
        if (!features || !("utf8_validation" in features)) throw new Error(`protobufjs changed how it resolves features: cannot relax UTF-8 checks of ${field.fullName}`);
        features.utf8_validation = "NONE";
      }
    }
    if (nested instanceof protobuf.Namespace) acceptAnyStringBytes(nested);
  }
}

/** The OTLP request types, loaded once per process. Throws with the fix when the protos are missing. */
export function otlpTypes(): OtlpTypes {
  if (cached) return cached;
  const dir = otlpProtoDir();
  if (!existsSync(path.join(dir, serviceFiles[0]!))) {
    throw new Error(`OTLP .proto files not found under ${dir}: run 'npm run setup' (or set BRAID_OTLP_PROTO_DIR)`);
  }
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => path.join(dir, target);
  root.loadSync(serviceFiles, { keepCase: false });
  acceptAnyStringBytes(root);
  root.resolveAll();
  cached = {
    root,
    ExportTraceServiceRequest: root.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest"),
    ExportMetricsServiceRequest: root.lookupType("opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest"),
    ExportLogsServiceRequest: root.lookupType("opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest"),
  };
  return cached;
}
