export { otlpTypes, otlpProtoDir, type OtlpTypes } from "./proto.js";
export type * from "./types.js";
