export { otlpTypes, otlpProtoDir, plainDecoder, uint64Decimal, int64Decimal, type OtlpTypes, type PlainDecoder } from "./proto.js";
export type * from "./types.js";
