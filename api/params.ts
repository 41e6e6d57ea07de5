// Query-string pieces shared by the list routes: a bounded time range and pagination.
import { z } from "zod";

/** The longest range one request may scan. */
export const maxRangeDays = 7;
const defaultRangeMs = 60 * 60 * 1000;

const instant = z.union([
  z.string().regex(/^\d{10,16}$/, "Unix milliseconds").transform(Number),
  z.iso.datetime({ offset: true }).transform((value) => Date.parse(value)),
]);

export const timeRangeFields = {
  from: instant.optional().describe("Start, ISO-8601 or Unix milliseconds; default: one hour before `to`"),
  to: instant.optional().describe("End, ISO-8601 or Unix milliseconds; default: now"),
};

export const paginationFields = {
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
};

/** The range a request asks for, with defaults applied. */
export function resolveRange(query: { from?: number; to?: number }, now = Date.now()): { fromMs: number; toMs: number } {
  const toMs = query.to ?? now;
  return { fromMs: query.from ?? toMs - defaultRangeMs, toMs };
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
