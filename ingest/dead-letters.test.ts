import { describe, expect, it } from "vitest";
import { deadLetterHeaders, deadLetterRecord } from "./dead-letters.js";

describe("deadLetterRecord", () => {
  it("keeps the original key, bytes, timestamp and headers, and adds where it came from and why", () => {
    const value = Buffer.from([0xff, 0x00, 0x13]);
    const record = deadLetterRecord(
      { message: { topic: "otlp_spans", partition: 3, offset: "1234", key: Buffer.from("k"), value, headers: { tenant: "acme" }, timestamp: "1700000000000" }, code: "decode_error", reason: "x".repeat(5000) },
      "braid-ingest",
      new Date("2026-01-02T03:04:05.000Z"),
    );
    expect(record.key).toEqual(Buffer.from("k"));
    expect(record.value).toBe(value);
    expect(record.timestamp).toBe("1700000000000");
    expect(record.headers).toEqual({
      tenant: "acme",
      [deadLetterHeaders.topic]: "otlp_spans",
      [deadLetterHeaders.partition]: "3",
      [deadLetterHeaders.offset]: "1234",
      [deadLetterHeaders.code]: "decode_error",
      [deadLetterHeaders.reason]: "x".repeat(2000),
      [deadLetterHeaders.group]: "braid-ingest",
      [deadLetterHeaders.at]: "2026-01-02T03:04:05.000Z",
    });
  });
});
