import { describe, expect, it } from "vitest";
import { LogRow } from "../schemas/rows.js";
import { newNormalizeStats, type NormalizeContext } from "./context.js";
import { normalizeLogs } from "./logs.js";
import { hex, NOW, ns, str, viaProtobuf } from "../test/normalizer/otlp-requests.js";

function ctx(): NormalizeContext {
  return { tenant: "acme", ingestedAt: "2024-01-15T10:31:00.000Z", nowNanos: NOW, stats: newNormalizeStats() };
}

function request(records: object[]) {
  return viaProtobuf.logs({
    resourceLogs: [
      {
        resource: { attributes: [str("service.name", "payments"), str("telemetry.sdk.language", "go")] },
        schemaUrl: "https://opentelemetry.io/schemas/1.26.0",
        scopeLogs: [{ scope: { name: "otelzap", version: "0.21.0", attributes: [str("scope.attr", "v")] }, schemaUrl: "s", logRecords: records }],
      },
    ],
  });
}

describe("normalizeLogs", () => {
  it("maps an OTLP record (otelzap bridge shape) to otel_logs columns", () => {
    const [row] = normalizeLogs(
      request([{ timeUnixNano: ns(5), observedTimeUnixNano: ns(6), severityNumber: 9, severityText: "info", body: { stringValue: "order stored" }, attributes: [str("order.id", "42")], traceId: hex("4bf92f3577b34da6a3ce929d0e0e4736"), spanId: hex("00f067aa0ba902b7"), flags: 1, eventName: "order.stored" }]),
      ctx(),
    );
    expect(LogRow.parse(row)).toEqual(row);
    expect(row).toMatchObject({
      Timestamp: ns(5),
      TraceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      SpanId: "00f067aa0ba902b7",
      TraceFlags: 1,
      SeverityNumber: 9,
      SeverityText: "INFO",
      ServiceName: "payments",
      Body: "order stored",
      ResourceSchemaUrl: "https://opentelemetry.io/schemas/1.26.0",
      ScopeName: "otelzap",
      ScopeVersion: "0.21.0",
      ScopeAttributes: { "scope.attr": "v" },
      ScopeSchemaUrl: "s",
      LogAttributes: { "order.id": "42" },
      EventName: "order.stored",
      LogFormat: "otlp",
      ErrorCode: "",
      SourceLanguage: "go",
    });
  });

  it("codes ERROR records from their error attribute, keeping the body as message context", () => {
    const [row] = normalizeLogs(request([{ timeUnixNano: ns(1), severityNumber: 17, body: { stringValue: "query failed" }, attributes: [str("error", "sql: no rows in result set")] }]), ctx());
    expect(row).toMatchObject({ ErrorCode: "NOT_FOUND.NO_ROWS", ErrorMessage: "sql: no rows in result set", ErrorRetryable: false });
  });

  it("codes a record with exception attributes even below ERROR, and leaves plain INFO alone", () => {
    const rows = normalizeLogs(
      request([
        { timeUnixNano: ns(1), severityNumber: 13, body: { stringValue: "retrying" }, attributes: [str("exception.message", "Connection reset by peer (os error 104)")] },
        { timeUnixNano: ns(1), severityNumber: 9, body: { stringValue: "connection refused by design, this is fine" } },
      ]),
      ctx(),
    );
    expect(rows.map((r) => r.ErrorCode)).toEqual(["UNAVAILABLE.CONNECTION_RESET", ""]);
  });

  it("derives the number from the text when only the text is set, and keeps an unusual original text", () => {
    const rows = normalizeLogs(
      request([
        { timeUnixNano: ns(1), severityText: "WARNING", body: { stringValue: "a" } },
        { timeUnixNano: ns(1), severityNumber: 19, severityText: "dpanic", body: { stringValue: "b" } },
      ]),
      ctx(),
    );
    expect(rows.map((r) => [r.SeverityNumber, r.SeverityText])).toEqual([
      [13, "WARN"],
      [19, "ERROR"],
    ]);
    expect(rows[0]!.LogAttributes["log.original_severity_text"]).toBe("WARNING");
    expect(rows[1]!.LogAttributes["log.original_severity_text"]).toBe("dpanic");
  });

  it("uses the observed time when the record has none (not a fix-up), and fixes absurd times", () => {
    const c = ctx();
    const [observed, absurd] = normalizeLogs(
      request([
        { observedTimeUnixNano: ns(7), body: { stringValue: "a" } },
        { timeUnixNano: "4102444800000000000", observedTimeUnixNano: ns(8), body: { stringValue: "b" } },
      ]),
      c,
    );
    expect(observed!.Timestamp).toBe(ns(7));
    expect(observed!.LogAttributes["braid.timestamp_fixup"]).toBeUndefined();
    expect(absurd!.Timestamp).toBe(ns(8));
    expect(absurd!.LogAttributes).toMatchObject({ "braid.timestamp_fixup": "future", "braid.original_timestamp": "4102444800000000000" });
    expect(c.stats!.timestampFixups).toBe(1);
  });

  it("renders structured bodies as JSON", () => {
    const [row] = normalizeLogs(request([{ timeUnixNano: ns(1), body: { kvlistValue: { values: [str("msg", "hi"), { key: "n", value: { intValue: 3 } }] } } }]), ctx());
    expect(row!.Body).toBe('{"msg":"hi","n":3}');
  });
});
