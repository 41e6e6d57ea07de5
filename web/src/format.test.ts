import { describe, expect, it } from "vitest";
import { formatMs, formatNs, formatPercent, formatRate, toDate } from "./format.js";

describe("how the page writes numbers and times", () => {
  it("writes a duration in the unit that fits, with at most three significant digits", () => {
    expect([0, 0.0004, 0.0123, 0.5, 1, 12.345, 999.4, 1234, 59_999, 90_000, 7_380_000, 200 * 3_600_000].map(formatMs)).toEqual([
      "0 ms", "400 ns", "12.3 µs", "500 µs", "1 ms", "12.3 ms", "999 ms", "1.23 s", "60 s", "1m 30s", "2h 3m", "8d 8h",
    ]);
    expect(formatMs(null)).toBe("–");
    expect(formatNs("1500000")).toBe("1.5 ms");
  });

  it("writes ratios as percentages and rates per second or per minute", () => {
    expect([0, 0.0004, 0.2, 0.12345, 1].map((r) => formatPercent(r))).toEqual(["0%", "<0.1%", "20%", "12.3%", "100%"]);
    expect([0, 0.25, 1.25, 150.4].map(formatRate)).toEqual(["0/s", "15/min", "1.3/s", "150/s"]);
  });

  it("reads the API's times: ISO-8601, ClickHouse text in UTC, and nanoseconds since the epoch", () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    expect(toDate("2026-01-02T03:04:05.678Z").getTime()).toBe(at);
    expect(toDate("2026-01-02 03:04:05.678901234").getTime()).toBe(at);
    expect(toDate(`${at}901234`).getTime()).toBe(at);
    expect(toDate(at).getTime()).toBe(at);
  });
});
