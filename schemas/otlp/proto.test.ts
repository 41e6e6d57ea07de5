// The plain decoders give exactly protobufjs' decode + toObject({ longs: String, enums: Number,
// defaults: false, arrays: false }), on the benchmark's load of every signal and on edge cases.
import fc from "fast-check";
import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { logLoadGenerator, loadGenerator, metricLoadGenerator } from "../../bench/ingest-load.js";
import { int64Decimal, otlpTypes, uint64Decimal } from "./index.js";

const toObjectOptions: protobuf.IConversionOptions = { longs: String, enums: Number, defaults: false, arrays: false };
const reference = (type: protobuf.Type, bytes: Buffer) => type.toObject(type.decode(bytes), toObjectOptions);
/** Plain data for comparison: prototypes and Buffer views do not matter, only values. */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (_key, v: unknown) => (v && typeof v === "object" && (v as { type?: string }).type === "Buffer" ? `hex:${Buffer.from((v as { data: number[] }).data).toString("hex")}` : v)));

describe("uint64Decimal and int64Decimal", () => {
  it("write every 64-bit value exactly", () => {
    const u32 = fc.integer({ min: 0, max: 0xffffffff });
    fc.assert(
      fc.property(u32, u32, (lo, hi) => {
        const unsigned = (BigInt(hi) << 32n) | BigInt(lo);
        expect(uint64Decimal(lo, hi)).toBe(unsigned.toString());
        expect(int64Decimal(lo | 0, hi | 0)).toBe(BigInt.asIntN(64, unsigned).toString());
      }),
      { numRuns: 5_000 },
    );
    for (const [lo, hi] of [[0, 0], [0xffffffff, 0xffffffff], [0, 0x200000], [0xffffffff, 0x1fffff], [0, 0x80000000], [1, 0]]) {
      const unsigned = (BigInt(hi!) << 32n) | BigInt(lo!);
      expect(uint64Decimal(lo!, hi!)).toBe(unsigned.toString());
      expect(int64Decimal(lo! | 0, hi! | 0)).toBe(BigInt.asIntN(64, unsigned).toString());
    }
  });
});

describe("plain OTLP decoders", () => {
  const types = otlpTypes();

  it("decode the benchmark's spans, log records and metrics as decode + toObject does", () => {
    const traces = loadGenerator(1);
    const logs = logLoadGenerator(2);
    const metrics = metricLoadGenerator(3);
    for (let k = 0; k < 8; k++) {
      const spanBytes = traces.message(50 + k);
      expect(plain(types.decodeTraces(spanBytes))).toEqual(plain(reference(types.ExportTraceServiceRequest, spanBytes)));
      const logBytes = logs.message(40 + k).value;
      expect(plain(types.decodeLogs(logBytes))).toEqual(plain(reference(types.ExportLogsServiceRequest, logBytes)));
      const metricBytes = metrics.message(60 + k).value;
      expect(plain(types.decodeMetrics(metricBytes))).toEqual(plain(reference(types.ExportMetricsServiceRequest, metricBytes)));
    }
  });

  it("keep only the fields on the wire: no defaults, no oneof names, no prototype values", () => {
    const type = types.ExportTraceServiceRequest;
    const bytes = Buffer.from(
      type
        .encode(
          type.fromObject({
            resourceSpans: [
              {
                scopeSpans: [
                  {
                    spans: [
                      {
                        traceId: Buffer.alloc(16, 1),
                        spanId: Buffer.alloc(8, 2),
                        name: "s",
                        startTimeUnixNano: "18446744073709551615",
                        attributes: [
                          { key: "neg", value: { intValue: "-9223372036854775808" } },
                          { key: "small", value: { intValue: -3 } },
                          { key: "d", value: { doubleValue: -0.5 } },
                          { key: "b", value: { boolValue: true } },
                          { key: "bytes", value: { bytesValue: Buffer.from([0, 255]) } },
                          { key: "list", value: { arrayValue: { values: [{ stringValue: "x" }, { kvlistValue: { values: [{ key: "k", value: { intValue: 7 } }] } }] } } },
                          { key: "empty", value: {} },
                        ],
                      },
                    ],
                  },
                ],
              },
            ],
          }),
        )
        .finish(),
    );
    const decoded = types.decodeTraces(bytes);
    expect(plain(decoded)).toEqual(plain(reference(type, bytes)));
    const span = decoded.resourceSpans![0]!.scopeSpans![0]!.spans![0]!;
    expect(Object.keys(span).sort()).toEqual(["attributes", "name", "spanId", "startTimeUnixNano", "traceId"]);
    expect(span.startTimeUnixNano).toBe("18446744073709551615");
    const values = span.attributes!.map((kv) => kv.value);
    expect(values[0]).toEqual({ intValue: "-9223372036854775808" });
    expect(values[1]).toEqual({ intValue: "-3" });
    expect(Object.keys(values[0]!)).toEqual(["intValue"]);
    expect("stringValue" in values[0]!).toBe(false);
    expect(values[6]).toEqual({});
    expect(Buffer.isBuffer(span.traceId)).toBe(true);
  });

  it("skip unknown fields, decode invalid UTF-8 as U+FFFD and reject truncated input", () => {
    const writer = protobuf.Writer.create();
    // ExportTraceServiceRequest { resource_spans = 1 { scope_spans = 2 { spans = 2 { name = 5: ED A0 80 ; field 99: varint } } } }
    const span = protobuf.Writer.create().uint32((5 << 3) | 2).bytes(Buffer.from([0x61, 0xed, 0xa0, 0x80])).uint32((99 << 3) | 0).uint32(42).finish();
    const scope = protobuf.Writer.create().uint32((2 << 3) | 2).bytes(span).finish();
    const resource = protobuf.Writer.create().uint32((2 << 3) | 2).bytes(scope).finish();
    const bytes = Buffer.from(writer.uint32((1 << 3) | 2).bytes(resource).finish());
    const decoded = types.decodeTraces(bytes);
    expect(decoded.resourceSpans![0]!.scopeSpans![0]!.spans![0]).toEqual({ name: "a\ufffd\ufffd\ufffd" });
    expect(Object.keys(decoded.resourceSpans![0]!.scopeSpans![0]!.spans![0]!)).toEqual(["name"]);
    expect(() => types.decodeTraces(bytes.subarray(0, bytes.length - 2))).toThrow(/index out of range/);
  });
});
