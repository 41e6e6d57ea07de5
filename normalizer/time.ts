// Timestamps as nanoseconds since the epoch in decimal strings (DateTime64(9) without precision
// loss), sanity-checked against "now".
//
// Fix-up policy (documented in normalizer/README.md): a timestamp that is missing (0), older than
// MAX_PAST_NANOS, or later than MAX_FUTURE_NANOS relative to now is replaced — by the record's
// observed time when that one is sane, else by now — and flagged: the original goes to the
// attribute `braid.original_timestamp` and the reason (`missing`, `too_old`, `future`) to
// `braid.timestamp_fixup` (spans and logs), and stats.timestampFixups is incremented. Metric points
// are fixed the same way but flagged only in stats, because their attributes identify the series.

import { MAX_STORABLE_NANOS } from "../schemas/rows.js";

export const MAX_PAST_NANOS = 30n * 24n * 3600n * 1_000_000_000n;
export const MAX_FUTURE_NANOS = 3600n * 1_000_000_000n;

export type FixupReason = "missing" | "too_old" | "future";

export interface TimeWindow {
  now: string;
  min: string;
  max: string;
}

export function timeWindow(nowNanos: bigint | undefined): TimeWindow {
  const now = nowNanos ?? BigInt(Date.now()) * 1_000_000n;
  const min = now - MAX_PAST_NANOS;
  return { now: now.toString(), min: (min > 0n ? min : 0n).toString(), max: (now + MAX_FUTURE_NANOS).toString() };
}

/** Compares two canonical (no leading zeros) non-negative decimal strings. */
export function compareDecimal(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** An OTLP fixed64 (decimal string or number) as a canonical decimal string; "0" when absent or invalid. */
export function nanosString(value: unknown): string {
  if (typeof value === "string") {
    if (value.length === 0 || value.length > 20) return "0";
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c < 48 || c > 57) return "0";
    }
    if (value.charCodeAt(0) !== 48) return value;
    const stripped = value.replace(/^0+/, "");
    return stripped === "" ? "0" : stripped;
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value <= 0) return "0";
    return BigInt(Math.trunc(value)).toString();
  }
  if (typeof value === "bigint") return value > 0n ? value.toString() : "0";
  if (value !== null && typeof value === "object" && "toString" in value) {
    // protobufjs Long when a decoder did not ask for strings.
    return nanosString(String(value));
  }
  return "0";
}

/**
 * A time that is stored as it came, with no sanity window (start times, event and exemplar times):
 * the canonical decimal string, with a time past DateTime64(9)'s last instant (year 2262; OTLP's
 * fixed64 reaches 2554) written as that instant. `clamped` is called when that happens.
 */
export function storableNanos(value: unknown, clamped?: () => void): string {
  const nanos = nanosString(value);
  if (nanos.length < 19 || (nanos.length === 19 && nanos <= MAX_STORABLE_NANOS)) return nanos;
  clamped?.();
  return MAX_STORABLE_NANOS;
}

/** Why a timestamp needs fixing, or undefined when it is fine. */
export function timestampProblem(nanos: string, window: TimeWindow): FixupReason | undefined {
  if (nanos === "0") return "missing";
  if (compareDecimal(nanos, window.min) < 0) return "too_old";
  if (compareDecimal(nanos, window.max) > 0) return "future";
  return undefined;
}

/** end − start in nanoseconds as a decimal string; "0" when negative or unknown. */
export function nanosDiff(end: string, start: string): string {
  if (end === "0" || start === "0") return "0";
  if (compareDecimal(end, start) <= 0) return "0";
  if (end.length <= 15 && start.length <= 15) return String(Number(end) - Number(start));
  // Split into seconds and nanoseconds so every part stays exact in a double.
  const endHi = end.length > 9 ? Number(end.slice(0, -9)) : 0;
  const endLo = Number(end.slice(-9));
  const startHi = start.length > 9 ? Number(start.slice(0, -9)) : 0;
  const startLo = Number(start.slice(-9));
  const diff = (endHi - startHi) * 1e9 + (endLo - startLo);
  if (Number.isSafeInteger(diff)) return String(diff);
  return (BigInt(end) - BigInt(start)).toString();
}

/** start + delta (both decimal strings). */
export function nanosAdd(start: string, delta: string): string {
  return (BigInt(start) + BigInt(delta)).toString();
}

/**
 * Nanoseconds from an RFC 3339 / ISO 8601 time ("2024-01-15T10:30:00.123456789Z", "+01:00",
 * "+0100", space instead of T); undefined when it is not one.
 */
const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9})\d*)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
export function parseRfc3339Nanos(text: string): string | undefined {
  const m = rfc3339.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = "", tz = "Z"] = m;
  let offsetMinutes = 0;
  if (tz !== "Z" && tz !== "z") {
    const sign = tz[0] === "-" ? -1 : 1;
    const digits = tz.slice(1).replace(":", "");
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || "0"));
  }
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) - offsetMinutes * 60_000;
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  const seconds = Math.floor(ms / 1000);
  const nanos = frac.padEnd(9, "0");
  return seconds === 0 ? String(Number(nanos)) : `${seconds}${nanos}`;
}

/** Go's log package default "2024/01/15 10:30:00[.000000]" (local time; read as UTC). */
const goStdLog = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?/;
export function parseGoStdLogTime(text: string): string | undefined {
  const m = goStdLog.exec(text);
  if (!m) return undefined;
  return parseRfc3339Nanos(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ? "." + m[7] : ""}Z`);
}

/**
 * A numeric epoch time of unknown unit (zap: float seconds; zerolog UNIX/UNIXMS/UNIXMICRO/UNIXNANO)
 * to nanoseconds, choosing the unit by magnitude; undefined when not plausible.
 */
export function epochNumberToNanos(value: number): string | undefined {
  if (!Number.isFinite(value) || value <= 0) return undefined;
  if (value < 1e11) {
    // seconds (until year 5138), with the fraction a double holds (about microseconds)
    const whole = Math.floor(value);
    const fracMicros = Math.round((value - whole) * 1e6);
    return (BigInt(whole) * 1_000_000_000n + BigInt(fracMicros) * 1000n).toString();
  }
  if (value < 1e14) return (BigInt(Math.round(value)) * 1_000_000n).toString(); // milliseconds
  if (value < 1e17) return (BigInt(Math.round(value)) * 1000n).toString(); // microseconds
  return BigInt(Math.round(value)).toString(); // nanoseconds (already imprecise beyond 2^53)
}
