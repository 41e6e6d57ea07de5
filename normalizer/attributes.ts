// OTLP attributes to the exporter's Map(String, String) columns: values as strings (arrays and
// maps as JSON, bytes as base64), deprecated semantic-convention keys given their current name,
// limits applied with counts.
import type { AnyValue, KeyValue } from "../schemas/otlp/types.js";
import { TRUNCATION_MARKER, type NormalizeLimits, type NormalizeStats } from "./context.js";
import { addCurrentNames, isDeprecatedKey } from "./semconv.js";
import { truncateText, wellFormed } from "./text.js";

const MAX_DEPTH = 16;

/** An AnyValue as a plain JS value (for JSON of arrays and maps). */
function plainValue(value: AnyValue | undefined, depth: number): unknown {
  if (!value || typeof value !== "object") return null;
  if (value.stringValue !== undefined && value.stringValue !== null) return String(value.stringValue);
  if (value.boolValue !== undefined && value.boolValue !== null) return Boolean(value.boolValue);
  if (value.intValue !== undefined && value.intValue !== null) {
    const n = Number(value.intValue);
    return Number.isSafeInteger(n) ? n : String(value.intValue);
  }
  if (value.doubleValue !== undefined && value.doubleValue !== null) {
    const d = Number(value.doubleValue);
    return Number.isFinite(d) ? d : String(d);
  }
  if (depth >= MAX_DEPTH) return "…";
  if (value.arrayValue) {
    const values = Array.isArray(value.arrayValue.values) ? value.arrayValue.values : [];
    return values.map((v) => plainValue(v, depth + 1));
  }
  if (value.kvlistValue) {
    const out: Record<string, unknown> = {};
    const values = Array.isArray(value.kvlistValue.values) ? value.kvlistValue.values : [];
    for (const kv of values) if (kv && typeof kv.key === "string") out[kv.key] = plainValue(kv.value, depth + 1);
    return out;
  }
  if (value.bytesValue instanceof Uint8Array) return Buffer.from(value.bytesValue).toString("base64");
  return null;
}

/** An AnyValue as the (well-formed) string stored in a map column or Body. */
export function anyValueToString(value: AnyValue | undefined): string {
  if (!value || typeof value !== "object") return "";
  if (typeof value.stringValue === "string") return wellFormed(value.stringValue);
  if (value.stringValue !== undefined && value.stringValue !== null) return String(value.stringValue);
  if (value.boolValue !== undefined && value.boolValue !== null) return value.boolValue ? "true" : "false";
  if (value.intValue !== undefined && value.intValue !== null) return String(value.intValue);
  if (value.doubleValue !== undefined && value.doubleValue !== null) return String(Number(value.doubleValue));
  if (value.bytesValue instanceof Uint8Array) return Buffer.from(value.bytesValue).toString("base64");
  if (value.arrayValue || value.kvlistValue) {
    try {
      // JSON.stringify writes lone surrogates inside as \u escapes: the result is well-formed.
      return JSON.stringify(plainValue(value, 0));
    } catch {
      return "";
    }
  }
  return "";
}

/** Cuts a value to the limit, ending with the marker; counts it. */
export function limitValue(value: string, limits: NormalizeLimits, stats: NormalizeStats | undefined): string {
  const max = limits.maxAttributeValueLength;
  if (value.length <= max) return value;
  if (stats) stats.truncatedAttributes++;
  // truncateText never cuts between the two halves of a surrogate pair (a lone half is not storable).
  return max > TRUNCATION_MARKER.length ? truncateText(value, max - TRUNCATION_MARKER.length) + TRUNCATION_MARKER : truncateText(value, max);
}

/**
 * KeyValue[] → Record<string, string>, limits applied, current semantic-convention names added.
 * Later duplicates of a key win (as in the SDKs). Never throws on malformed input.
 */
export function attributeMap(kvs: readonly KeyValue[] | undefined, limits: NormalizeLimits, stats: NormalizeStats | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (!Array.isArray(kvs) || kvs.length === 0) return out;
  let count = 0;
  let deprecated: string[] | undefined;
  for (let i = 0; i < kvs.length; i++) {
    const kv: KeyValue | undefined = kvs[i];
    if (!kv || typeof kv.key !== "string") continue;
    const key = wellFormed(kv.key);
    if (out[key] === undefined) {
      if (count >= limits.maxAttributesPerItem) {
        if (stats) stats.droppedAttributes++;
        continue;
      }
      count++;
    }
    out[key] = limitValue(anyValueToString(kv.value), limits, stats);
    if (isDeprecatedKey(key)) (deprecated ??= []).push(key);
  }
  if (deprecated) addCurrentNames(out, deprecated);
  return out;
}

/** A plain record (already strings) with limits and current names applied, e.g. for raw log fields. */
export function limitRecord(record: Record<string, string>, limits: NormalizeLimits, stats: NormalizeStats | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  let count = 0;
  let deprecated: string[] | undefined;
  for (const rawKey of Object.keys(record)) {
    if (count >= limits.maxAttributesPerItem) {
      if (stats) stats.droppedAttributes++;
      continue;
    }
    count++;
    const key = wellFormed(rawKey);
    out[key] = limitValue(wellFormed(record[rawKey]!), limits, stats);
    if (isDeprecatedKey(key)) (deprecated ??= []).push(key);
  }
  if (deprecated) addCurrentNames(out, deprecated);
  return out;
}
