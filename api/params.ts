// Query-string pieces shared by the list routes: a bounded time range and pagination.
import { z } from "zod";

/** The longest range one request may scan. */
export const maxRangeDays = 7;
const defaultRangeMs = 60 * 60 * 1000;

/** Times a query may name: the store's DateTime columns end in 2106; nothing before the epoch exists. */
const maxInstantMs = Date.UTC(2100, 0, 1);
const isoInstant = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):(\d{2}))$/;

/** Unix milliseconds of an ISO-8601 time with a zone, or NaN when a field is out of range. */
function parseIso(value: string): number {
  const m = isoInstant.exec(value)!;
  const [year, month, day, hour, minute, second = 0] = m.slice(1, 7).map(Number) as number[];
  const fraction = Number(`0.${m[7] ?? "0"}`);
  const offsetMinutes = m[8] === "Z" ? 0 : (m[9] === "-" ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  if (month! < 1 || month! > 12 || day! < 1 || day! > 31 || hour! > 23 || minute! > 59 || second > 59 || Math.abs(offsetMinutes) > 18 * 60) return Number.NaN;
  const ms = Date.UTC(year!, month! - 1, day!, hour, minute, second) + Math.floor(fraction * 1000) - offsetMinutes * 60_000;
  return new Date(Date.UTC(year!, month! - 1, day!)).getUTCDate() === day ? ms : Number.NaN;
}

// One string schema (not a union of transformed schemas) so the OpenAPI document can state it.
const instant = z
  .string()
  .regex(/^(\d{10,16}|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))$/, "ISO-8601 with a zone (2026-01-31T12:00:00Z) or Unix milliseconds")
  .transform((value, ctx) => {
    const ms = /^\d+$/.test(value) ? Number(value) : parseIso(value);
    if (Number.isNaN(ms)) ctx.addIssue({ code: "custom", message: "not a valid date and time" });
    else if (ms > maxInstantMs) ctx.addIssue({ code: "custom", message: "must be before 2100-01-01" });
    else return ms;
    return z.NEVER;
  });

export const timeRangeFields = {
  from: instant.optional().describe("Start, ISO-8601 or Unix milliseconds; default: one hour before `to`"),
  to: instant.optional().describe("End, ISO-8601 or Unix milliseconds; default: now"),
};

/**
 * An integer query parameter. Query values are strings; z.coerce.number() would also take "1e2",
 * "0x64", " 100" and "100.0", which the documented `integer` type excludes (schemathesis reported
 * them accepted), so only decimal digits become a number and the rest is a 400 naming the field.
 * `number` carries the bounds the OpenAPI document states.
 */
export function queryInteger(number: z.ZodNumber) {
  return z.preprocess((value, ctx) => {
    if (typeof value !== "string") return value;
    if (/^-?\d{1,15}$/.test(value)) return Number(value);
    ctx.addIssue({ code: "custom", message: "must be an integer in decimal digits", input: value });
    return z.NEVER;
  }, number);
}

export const paginationFields = {
  limit: queryInteger(z.number().int().min(1).max(500)).default(50),
  offset: queryInteger(z.number().int().min(0).max(100_000)).default(0),
};

/** The range a request asks for, with defaults applied. */
export function resolveRange(query: { from?: number; to?: number }, now = Date.now()): { fromMs: number; toMs: number } {
  const toMs = query.to ?? now;
  // Never before the epoch: the store binds times as unsigned seconds.
  return { fromMs: query.from ?? Math.max(0, toMs - defaultRangeMs), toMs };
}

/** Adds the range checks (from before to, at most maxRangeDays) to a query schema. */
export function checkRange<T extends z.ZodType<{ from?: number; to?: number }>>(schema: T) {
  return schema.superRefine((query, ctx) => {
    const { fromMs, toMs } = resolveRange(query);
    if (fromMs >= toMs) ctx.addIssue({ code: "custom", path: ["from"], message: "`from` must be before `to`" });
    else if (toMs - fromMs > maxRangeDays * 86_400_000) ctx.addIssue({ code: "custom", path: ["from"], message: `the range may span at most ${maxRangeDays} days` });
  });
}

/** Seconds for DateTime parameters. */
export const seconds = (ms: number) => Math.floor(ms / 1000);
