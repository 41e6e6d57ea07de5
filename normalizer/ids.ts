// Trace and span ids: bytes (protobuf decode) to lowercase hex, '' when absent or invalid.
const byteHex: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/**
 * Lowercase hex of an id of `bytes` bytes; '' for absent, all-zero (OTLP's "invalid" id), or
 * wrong-length ids. `invalid` is called for wrong lengths so they can be counted.
 */
export function idToHex(id: unknown, bytes: 16 | 8, invalid?: () => void): string {
  if (id === undefined || id === null) return "";
  if (id instanceof Uint8Array) {
    if (id.length === 0) return "";
    if (id.length !== bytes) {
      invalid?.();
      return "";
    }
    let out = "";
    let zero = true;
    for (let i = 0; i < id.length; i++) {
      const b = id[i]!;
      if (b !== 0) zero = false;
      out += byteHex[b];
    }
    return zero ? "" : out;
  }
  if (typeof id === "string") {
    // Some producers (and OTLP/JSON decoders) hand over hex already.
    if (id.length === 0) return "";
    if (id.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(id)) return /^0+$/.test(id) ? "" : id.toLowerCase();
    invalid?.();
    return "";
  }
  invalid?.();
  return "";
}

/** Normalizes a hex id found in a log line (any case, optional dashes); '' when not a valid id. */
export function hexIdFromText(value: unknown, bytes: 16 | 8): string {
  if (typeof value !== "string") return "";
  const hex = value.length === bytes * 2 ? value : value.replace(/-/g, "");
  if (hex.length !== bytes * 2 || !/^[0-9a-fA-F]+$/.test(hex) || /^0+$/.test(hex)) return "";
  return hex.toLowerCase();
}
