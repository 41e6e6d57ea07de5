import { describe, expect, it } from "vitest";
import { otlpSeverity, severityNumberOfLevel, severityTextOf } from "./severity.js";

describe("severity across loggers", () => {
  // Level names: zap (config.go, LowercaseLevelEncoder), zerolog (globals.go), slog (handler.go,
  // offsets as in "ERROR+2"), tracing (Level Display), slog-rs short names, env_logger.
  const table: [string, number, string][] = [
    ["debug", 5, "DEBUG"],
    ["info", 9, "INFO"],
    ["warn", 13, "WARN"],
    ["error", 17, "ERROR"],
    ["dpanic", 19, "ERROR"],
    ["panic", 21, "FATAL"],
    ["fatal", 21, "FATAL"],
    ["trace", 1, "TRACE"],
    ["DEBUG", 5, "DEBUG"],
    ["INFO-4", 5, "DEBUG"],
    ["ERROR", 17, "ERROR"],
    ["ERROR+2", 19, "ERROR"],
    ["WARN+1", 14, "WARN"],
    ["TRCE", 1, "TRACE"],
    ["DEBG", 5, "DEBUG"],
    ["ERRO", 17, "ERROR"],
    ["CRIT", 21, "FATAL"],
    ["Warning", 13, "WARN"],
    ["ERROR3", 19, "ERROR"],
    ["nonsense", 0, ""],
  ];
  it.each(table)("%s → %i %s", (level, number, text) => {
    expect(severityNumberOfLevel(level)).toBe(number);
    expect(severityTextOf(number)).toBe(text);
  });

  it("keeps a valid OTLP number and derives a missing one from the text", () => {
    expect(otlpSeverity(17, "error")).toEqual({ number: 17, text: "ERROR" });
    expect(otlpSeverity(0, "warn")).toEqual({ number: 13, text: "WARN" });
    expect(otlpSeverity(99, "")).toEqual({ number: 0, text: "" });
    expect(otlpSeverity(undefined, undefined)).toEqual({ number: 0, text: "" });
  });
});
