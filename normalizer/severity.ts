// Log severity across Go and Rust loggers and OTLP, as OTLP SeverityNumber (1–24) and a canonical
// SeverityText (TRACE, DEBUG, INFO, WARN, ERROR, FATAL). Mapping follows the OpenTelemetry log data
// model's ranges; slog levels map as the otelslog bridge does (SeverityNumber = slog level + 9).

export interface Severity {
  number: number;
  text: string;
}

const rangeNames = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"] as const;

/** Canonical text of an OTLP severity number; '' for 0 (unspecified). */
export function severityTextOf(number: number): string {
  if (!Number.isInteger(number) || number < 1 || number > 24) return "";
  return rangeNames[Math.floor((number - 1) / 4)]!;
}

// Level names as written by zap (debug, info, warn, error, dpanic, panic, fatal; dev config in
// capitals), zerolog (trace … panic), slog (DEBUG, INFO, WARN, ERROR), tracing (TRACE … ERROR),
// slog-rs short names (TRCE, DEBG, INFO, WARN, ERRO, CRIT), env_logger, syslog-style names.
const levelNumbers: ReadonlyMap<string, number> = new Map([
  ["trace", 1],
  ["trce", 1],
  ["debug", 5],
  ["debg", 5],
  ["dbug", 5],
  ["info", 9],
  ["information", 9],
  ["notice", 10],
  ["warn", 13],
  ["warning", 13],
  ["wrn", 13],
  ["error", 17],
  ["err", 17],
  ["erro", 17],
  ["eror", 17],
  ["dpanic", 19], // zap: panics in development, logs at error in production
  ["crit", 21],
  ["critical", 21],
  ["alert", 22],
  ["emerg", 23],
  ["emergency", 23],
  ["fatal", 21],
  ["panic", 21],
]);

// slog's base levels (Go): DEBUG=-4, INFO=0, WARN=4, ERROR=8, printed with offsets as "ERROR+2".
const slogBase: ReadonlyMap<string, number> = new Map([
  ["debug", -4],
  ["info", 0],
  ["warn", 4],
  ["error", 8],
]);

function clamp(n: number): number {
  return n < 1 ? 1 : n > 24 ? 24 : n;
}

/** Severity number of a level as written by the source; 0 when unrecognised. */
export function severityNumberOfLevel(level: unknown): number {
  if (typeof level === "number") return Number.isInteger(level) && level >= 1 && level <= 24 ? level : 0;
  if (typeof level !== "string" || level.length === 0 || level.length > 16) return 0;
  const lower = level.trim().toLowerCase();
  const direct = levelNumbers.get(lower);
  if (direct !== undefined) return direct;
  const offset = /^(debug|info|warn|error)([+-]\d{1,2})$/.exec(lower);
  if (offset) return clamp(slogBase.get(offset[1]!)! + Number(offset[2]) + 9);
  // OTLP short names with a digit: ERROR2, INFO3
  const numbered = /^(trace|debug|info|warn|error|fatal)([1-4])$/.exec(lower);
  if (numbered) return rangeNames.indexOf(numbered[1]!.toUpperCase() as (typeof rangeNames)[number]) * 4 + Number(numbered[2]);
  return 0;
}

/** OTLP record severity: keeps a valid number, derives it from the text otherwise. */
export function otlpSeverity(number: unknown, text: unknown): Severity {
  const n = typeof number === "number" && Number.isInteger(number) && number >= 1 && number <= 24 ? number : 0;
  const resolved = n || severityNumberOfLevel(text);
  return { number: resolved, text: severityTextOf(resolved) };
}

/** First OTLP severity number of the ERROR range. */
export const SEVERITY_ERROR = 17;
