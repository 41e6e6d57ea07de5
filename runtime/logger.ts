import { pino, type Logger } from "pino";

/** One pino logger for the process, created at start and passed down. Secrets are redacted. */
export function createLogger(level: string, name = "braid"): Logger {
  return pino({
    name,
    level,
    redact: { paths: ["*.password", "*.clickhousePassword", "*.apiKey", "req.headers.authorization"], censor: "[redacted]" },
  });
}
export type { Logger };
