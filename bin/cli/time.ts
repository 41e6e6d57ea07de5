// Times on the command line: ISO-8601, Unix milliseconds, or a duration back from now (15m, 2h, 7d).
import { CliError } from "./exit-codes.js";

const units: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(text.trim());
  if (!m) throw new CliError(`${what}: '${text}' is not a duration like 30s, 15m, 2h or 7d`);
  return Number(m[1]) * units[m[2]!]!;
}

/** Milliseconds since the epoch. */
export function parseTime(text: string, what: string, now = Date.now()): number {
  const trimmed = text.trim();
  if (/^\d{10,16}$/.test(trimmed)) return Number(trimmed);
  if (/^\d+(\.\d+)?(s|m|h|d)$/.test(trimmed)) return now - parseDuration(trimmed, what);
  const ms = Date.parse(trimmed);
  if (Number.isNaN(ms)) throw new CliError(`${what}: '${text}' is not a time (ISO-8601 like 2026-01-15T10:30:00Z, Unix milliseconds, or a duration back from now like 15m)`);
  return ms;
}
