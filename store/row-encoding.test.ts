import { describe, expect, it } from "vitest";
import { encodeRowsForInsert, floatForJson, nanosToDateTimeText, serializeRowsForInsert } from "./row-encoding.js";

describe("row encoding for ClickHouse", () => {
  it("writes nanosecond times as exact UTC text, 0 included", () => {
    expect(nanosToDateTimeText("0")).toBe("1970-01-01T00:00:00.000000000Z");
    expect(nanosToDateTimeText("1")).toBe("1970-01-01T00:00:00.000000001Z");
    expect(nanosToDateTimeText("123456789")).toBe("1970-01-01T00:00:00.123456789Z");
    expect(nanosToDateTimeText("1000000000")).toBe("1970-01-01T00:00:01.000000000Z");
    expect(nanosToDateTimeText("1700000000123456789")).toBe("2023-11-14T22:13:20.123456789Z");
    expect(nanosToDateTimeText("0001700000000123456789")).toBe("2023-11-14T22:13:20.123456789Z");
  });

  it("writes times past DateTime64(9)'s range as its last instant", () => {
    expect(nanosToDateTimeText("9223372036854775807")).toBe("2262-04-11T23:47:16.854775807Z");
    expect(nanosToDateTimeText("9223372036854775808")).toBe("2262-04-11T23:47:16.854775807Z");
    expect(nanosToDateTimeText("18446744073709551615")).toBe("2262-04-11T23:47:16.854775807Z");
  });

  it("leaves values that are not decimal strings for ClickHouse to judge", () => {
    expect(nanosToDateTimeText("2024-01-01T00:00:00Z")).toBe("2024-01-01T00:00:00Z");
    expect(nanosToDateTimeText(5)).toBe(5);
  });

  it("writes NaN and ±Infinity as ClickHouse's float spellings", () => {
    expect(floatForJson(NaN)).toBe("nan");
    expect(floatForJson(Infinity)).toBe("inf");
    expect(floatForJson(-Infinity)).toBe("-inf");
    expect(floatForJson(-0.5)).toBe(-0.5);
  });

  it("encodes the time and float columns of signal tables, copies rows and passes other tables through", () => {
    const row = { TimeUnix: "1700000000000000000", StartTimeUnix: "0", Value: NaN, "Exemplars.TimeUnix": ["0"], "Exemplars.Value": [1, -Infinity], MetricName: "m" };
    const [encoded] = encodeRowsForInsert("otel_metrics_gauge", [row]) as Record<string, unknown>[];
    expect(encoded).toEqual({
      TimeUnix: "2023-11-14T22:13:20.000000000Z",
      StartTimeUnix: "1970-01-01T00:00:00.000000000Z",
      Value: "nan",
      "Exemplars.TimeUnix": ["1970-01-01T00:00:00.000000000Z"],
      "Exemplars.Value": [1, "-inf"],
      MetricName: "m",
    });
    expect(row.StartTimeUnix).toBe("0");
    const other = [{ OnsetAt: 1700000000 }];
    expect(encodeRowsForInsert("braid_anomalies", other)).toBe(other);
  });

  it("serializes to the same JSON lines as encoding copies, and leaves the caller's rows as they were", () => {
    const rows = [
      { TimeUnix: "1700000000000000000", StartTimeUnix: "0", Value: -Infinity, "Exemplars.TimeUnix": ["5"], "Exemplars.Value": [NaN], MetricName: "a" },
      { TimeUnix: "1", StartTimeUnix: "2", Value: 1.5, "Exemplars.TimeUnix": [], "Exemplars.Value": [], MetricName: "b" },
    ];
    const before = JSON.stringify(rows);
    expect(serializeRowsForInsert("otel_metrics_gauge", rows)).toBe(encodeRowsForInsert("otel_metrics_gauge", rows).map((r) => JSON.stringify(r)).join("\n"));
    expect(JSON.stringify(rows)).toBe(before);
    expect(rows[0]!.Value).toBe(-Infinity);
  });
});
