// Loads the official OTLP .proto files (fetched from Maven Central by scripts/setup.sh) into
// protobufjs, so Braid decodes exactly what the OpenTelemetry SDKs and the Collector encode.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";
import type { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest } from "./types.js";

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
  /** Plain-object decoders of the three requests (plainDecoder below). */
  decodeTraces: PlainDecoder<ExportTraceServiceRequest>;
  decodeMetrics: PlainDecoder<ExportMetricsServiceRequest>;
  decodeLogs: PlainDecoder<ExportLogsServiceRequest>;
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
  const ExportTraceServiceRequest = root.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest");
  const ExportMetricsServiceRequest = root.lookupType("opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest");
  const ExportLogsServiceRequest = root.lookupType("opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest");
  cached = {
    root,
    ExportTraceServiceRequest,
    ExportMetricsServiceRequest,
    ExportLogsServiceRequest,
    decodeTraces: plainDecoder(ExportTraceServiceRequest),
    decodeMetrics: plainDecoder(ExportMetricsServiceRequest),
    decodeLogs: plainDecoder(ExportLogsServiceRequest),
  };
  return cached;
}

// ---------- decoding straight into the plain OTLP shape ----------

/**
 * 64-bit unsigned integer (two 32-bit words) as a decimal string, exact, without BigInt: the value
 * is split as hi·2^32 + lo = 10^9·q + r with every partial product below 2^53.
 */
export function uint64Decimal(lo: number, hi: number): string {
  lo >>>= 0;
  hi >>>= 0;
  if (hi < 0x200000) return String(hi * 4294967296 + lo);
  const h1 = hi >>> 16;
  const h0 = hi & 0xffff;
  // 2^48 = 281474·10^9 + 976710656 and 2^32 = 4·10^9 + 294967296
  let low = h1 * 976710656 + h0 * 294967296 + lo;
  let high = h1 * 281474 + h0 * 4;
  const carry = Math.floor(low / 1e9);
  high += carry;
  low -= carry * 1e9;
  const digits = String(low);
  return String(high) + "000000000".slice(digits.length) + digits;
}

/** 64-bit signed integer (two's complement words) as a decimal string. */
export function int64Decimal(lo: number, hi: number): string {
  if (hi >= 0) return uint64Decimal(lo, hi);
  // negate: ~v + 1
  const nlo = (~lo + 1) >>> 0;
  const nhi = (~hi + (nlo === 0 ? 1 : 0)) >>> 0;
  return "-" + uint64Decimal(nlo, nhi);
}

type LongLike = { low: number; high: number } | number;
const wordsOf = (value: LongLike, f: (lo: number, hi: number) => string) => (typeof value === "number" ? String(value) : f(value.low, value.high));

/**
 * protobufjs' buffer reader with 64-bit integers read as decimal strings (the decoded shape's
 * Int64), as toObject({ longs: String }) gives them, and unknown fields skipped without being kept.
 */
class PlainReader extends protobuf.BufferReader {
  constructor(buffer: Buffer) {
    super(buffer);
    (this as unknown as { discardUnknown: boolean }).discardUnknown = true;
  }
  override fixed64(): never {
    return wordsOf(super.fixed64() as unknown as LongLike, uint64Decimal) as never;
  }
  override uint64(): never {
    return wordsOf(super.uint64() as unknown as LongLike, uint64Decimal) as never;
  }
  override sfixed64(): never {
    return wordsOf(super.sfixed64() as unknown as LongLike, int64Decimal) as never;
  }
  override int64(): never {
    return wordsOf(super.int64() as unknown as LongLike, int64Decimal) as never;
  }
  override sint64(): never {
    return wordsOf(super.sint64() as unknown as LongLike, int64Decimal) as never;
  }
}

export type PlainDecoder<T> = (buffer: Buffer) => T;

/**
 * Decoders that yield exactly what `type.toObject(type.decode(buffer), { longs: String, enums:
 * Number, defaults: false, arrays: false })` yields — plain objects holding the fields present on
 * the wire, 64-bit integers as decimal strings, enums as numbers, bytes as Buffers (views of the
 * message, not copies) — without building protobufjs message instances and converting them.
 *
 * They are protobufjs' own generated decoders (`protobuf.decoder`, the code `Type.decode` runs),
 * generated from the same official .proto types, with two things changed: the object each message
 * decodes into is a plain object (no defaults on a prototype, a no-op setter for oneof names) and
 * the reader returns decimal strings for 64-bit integers. decode + toObject measured 14.2 µs per
 * span of the benchmark's load, decode alone 3.4 µs; this is decode alone plus the conversions.
 */
export function plainDecoder<T>(type: protobuf.Type): PlainDecoder<T> {
  const decoders = new Map<protobuf.Type, { decode: (...args: unknown[]) => unknown }>();
  const build = (t: protobuf.Type): { decode: (...args: unknown[]) => unknown } => {
    const known = decoders.get(t);
    if (known) return known;
    const holder: { decode: (...args: unknown[]) => unknown } = { decode: () => undefined };
    decoders.set(t, holder);
    // The generated code sets a message's oneof name (e.g. AnyValue.value = "stringValue") through
    // the prototype's virtual property: here a setter that ignores it keeps the shape plain.
    const Plain = function Plain() {} as unknown as { new (): object; prototype: object };
    for (const oneof of t.oneofsArray) Object.defineProperty(Plain.prototype, oneof.name, { set() {}, configurable: true });
    const types = t.fieldsArray.map((field) => {
      field.resolve();
      const resolved = field.resolvedType;
      return resolved instanceof protobuf.Type ? build(resolved) : resolved;
    });
    holder.decode = (protobuf.decoder(t) as unknown as (scope: object) => (...args: unknown[]) => unknown)({ Reader: protobuf.Reader, types, util: protobuf.util, C: Plain });
    return holder;
  };
  const root = build(type);
  return (buffer) => root.decode(new PlainReader(buffer)) as T;
}
