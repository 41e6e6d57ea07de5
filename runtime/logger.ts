import { pino, type DestinationStream, type Logger } from "pino";

/**
 * Fields that hold secrets wherever they appear in a log record (the configuration is logged
 * through redactConfig, which removes them first; this is the second line of defence).
 */
export const redactedLogPaths = [
  "*.password",
  "*.clickhousePassword",
  "*.bootstrapKey",
  "*.keyPassphrase",
  "*.apiKey",
  "*.sasl.password",
  "req.headers.authorization",
  'req.headers["x-api-key"]',
  "headers.authorization",
  'headers["x-api-key"]',
];

/** One pino logger for the process, created at start and passed down. Secrets are redacted. */
export function createLogger(level: string, name = "braid", destination?: DestinationStream): Logger {
  const options = { name, level, redact: { paths: redactedLogPaths, censor: "[redacted]" } };
  return destination ? pino(options, destination) : pino(options);
}
export type { Logger };
