import { describe, expect, it } from "vitest";
import { epochNumberToNanos, nanosDiff, nanosString, parseGoStdLogTime, parseRfc3339Nanos, timestampProblem, timeWindow } from "./time.js";

describe("nanosecond timestamps", () => {
  it("canonicalises OTLP fixed64 values", () => {
    expect(nanosString("1705314600123456789")).toBe("1705314600123456789");
    expect(nanosString("000123")).toBe("123");
    expect(nanosString("0")).toBe("0");
    expect(nanosString(undefined)).toBe("0");
    expect(nanosString("-5")).toBe("0");
    expect(nanosString("12e3")).toBe("0");
    expect(nanosString(1705314600)).toBe("1705314600");
  });

  it("subtracts exactly beyond 2^53", () => {
    expect(nanosDiff("1705314600123456789", "1705314600000000001")).toBe("123456788");
    expect(nanosDiff("1705314601000000000", "1705314600999999999")).toBe("1");
    expect(nanosDiff("1705314600000000000", "1705314601000000000")).toBe("0");
    expect(nanosDiff("0", "1705314601000000000")).toBe("0");
    expect(nanosDiff("9000000000000000000", "1000000000000000000")).toBe("8000000000000000000");
  });

  it("parses RFC 3339 with nanoseconds and offsets (slog, tracing-subscriber, zerolog, zap dev)", () => {
    expect(parseRfc3339Nanos("2024-01-15T10:30:00.123456789Z")).toBe("1705314600123456789");
    expect(parseRfc3339Nanos("2022-02-15T18:47:10.821315Z")).toBe("1644950830821315000");
    expect(parseRfc3339Nanos("2024-01-15T10:30:00Z")).toBe("1705314600000000000");
    expect(parseRfc3339Nanos("2024-01-15T11:30:00.000+0100")).toBe("1705314600000000000");
    expect(parseRfc3339Nanos("2024-01-15T05:30:00-05:00")).toBe("1705314600000000000");
    expect(parseRfc3339Nanos("yesterday")).toBeUndefined();
  });

  it("reads epoch numbers by magnitude (zap float seconds, zerolog UNIXMS/MICRO/NANO)", () => {
    expect(epochNumberToNanos(1705314600.123456)).toBe("1705314600123456000");
    expect(epochNumberToNanos(1705314600)).toBe("1705314600000000000");
    expect(epochNumberToNanos(1705314600123)).toBe("1705314600123000000");
    expect(epochNumberToNanos(1705314600123456)).toBe("1705314600123456000");
    expect(epochNumberToNanos(-1)).toBeUndefined();
  });

  it("reads Go's log package time", () => {
    expect(parseGoStdLogTime("2024/01/15 10:30:00 listening on :8080")).toBe("1705314600000000000");
  });

  it("flags missing, too old and future timestamps against now", () => {
    const window = timeWindow(1705314600000000000n);
    expect(timestampProblem("1705314600000000000", window)).toBeUndefined();
    expect(timestampProblem("1705314000000000000", window)).toBeUndefined();
    expect(timestampProblem("0", window)).toBe("missing");
    expect(timestampProblem("946684800000000000", window)).toBe("too_old");
    expect(timestampProblem("1705318300000000000", window)).toBe("future");
  });
});
