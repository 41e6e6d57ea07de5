import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { encodeTraces, traceRequest } from "../../scripts/lib/otlp-builder.js";
import { otlpTypes } from "../../schemas/otlp/index.js";
import { CheckReport } from "../../schemas/check.js";
import { tempDir } from "../../test/support/env.js";
import { writeFileSync } from "node:fs";
import { parsePolicy, readCheckFile, runCheck, UNDECODED, type CheckInput } from "./index.js";
import { renderJunit } from "./report.js";

const root = path.resolve(import.meta.dirname, "../..");
const shopDir = path.join(root, "test/fixtures/emitters");
const badDir = path.join(root, "test/fixtures/check");
const capturedAt = new Date("2026-11-25T11:24:00Z");

const shopFiles = ["go", "rust"].flatMap((lang) => readdirSync(path.join(shopDir, lang)).map((file) => path.join(shopDir, lang, file)));
const run = (inputs: CheckInput[], policy = {}, failOn: "error" | "warning" = "error") => runCheck(inputs, { policy: parsePolicy(policy), failOn, now: capturedAt });
const summary = (report: CheckReport) => report.findings.map((f) => `${f.severity} ${f.rule} ${f.service} ${f.subject} ×${f.count}`);

describe("braid check on the example shop's captured payloads", () => {
  it("reads every capture the way ingest would: framing, signal and encoding", () => {
    const inputs = shopFiles.map((file) => readCheckFile(file));
    for (const input of inputs) {
      const base = path.basename(input.name);
      const expected = base.startsWith("app-logs") ? "app_logs" : base.startsWith("traces") ? "traces" : base.startsWith("metrics") ? "metrics" : "logs";
      expect(input.signal, base).toBe(expected);
      expect(input.messages.length, base).toBeGreaterThan(0);
    }
  });

  it("passes the OTLP payloads of the Go and Rust services: no error-level finding", () => {
    const report = run(shopFiles.filter((file) => file.endsWith(".pb")).map((file) => readCheckFile(file)));
    expect(report.passed).toBe(true);
    expect(report.totals.error).toBe(0);
    expect(report.totals.deadLetters).toBe(0);
    expect(report.services.map((s) => s.service)).toEqual(["checkout", "frontend", "inventory", "payments"]);
    for (const service of report.services) expect(service.glossaryCoverage, service.service).toBe(1);
    // What the shop does emit: the pre-1.26 database attribute names, which Braid renames.
    expect(new Set(report.findings.map((f) => `${f.rule} ${f.subject}`))).toEqual(new Set(["semconv.renamed db.name", "semconv.renamed db.statement", "semconv.renamed db.system"]));
  });
});

describe("braid check on all of the shop's captures, log lines included", () => {
  it("passes: every service names itself, every error maps to a code; the warnings are what the shop really emits", () => {
    // go/app-logs-checkout.jsonl was captured later than the rest (after zap lines got their service field).
    const report = runCheck(shopFiles.map((file) => readCheckFile(file)), { policy: parsePolicy({}), failOn: "error", now: new Date("2026-12-02T00:30:00Z") });
    expect(report.passed).toBe(true);
    expect(report.services.map((s) => [s.service, s.glossaryCoverage])).toEqual([["checkout", 1], ["frontend", 1], ["inventory", 1], ["payments", 1]]);
    expect(report.findings.map((f) => `${f.service} ${f.rule} ${f.subject}`)).toEqual([
      "checkout semconv.renamed db.name",
      "checkout semconv.renamed db.statement",
      "checkout semconv.renamed db.system",
      "inventory limits.value_truncated backtrace",
      "inventory semconv.renamed db.statement",
      "inventory semconv.renamed db.system",
      "payments semconv.renamed db.statement",
      "payments semconv.renamed db.system",
    ]);
  });
});

describe("braid check on bad fixtures (test/fixtures/check)", () => {
  const files = ["orders-traces.otlp.json", "orders-metrics.otlp.json", "orders-app.jsonl", "truncated.otlp.json", "not-protobuf.traces.pb"].map((f) => path.join(badDir, f));
  const report = run(files.map((file) => readCheckFile(file)), { limits: { maxAttributesPerItem: 8, maxAttributeValueLength: 64 } });

  it("reports exactly the findings each fixture was written to show", () => {
    expect(summary(report)).toEqual([
      "error decode.failed (not decoded) decode_error ×2",
      "error glossary.declared_code_unknown orders UNAVAILABLE.CONECTION_REFUSED ×1",
      "error logs.trace_context_invalid orders trace_id ×1",
      "error resource.attribute_missing orders deployment.environment.name ×10",
      "error resource.attribute_missing orders service.version ×10",
      "error timestamp.out_of_range orders metric points ×1",
      "error timestamp.out_of_range orders too_old ×1",
      "warning cardinality.metric_attribute orders orders.placed url.full ×3",
      "warning cardinality.metric_attribute orders orders.placed user.id ×3",
      "warning cardinality.span_name orders GET /orders/{hex} ×2",
      "warning glossary.coverage orders coverage ×2",
      `warning glossary.unknown orders ${report.findings.find((f) => f.examples[0] === "charge failed")?.subject} ×1`,
      `warning glossary.unknown orders ${report.findings.find((f) => f.examples[0]?.startsWith("ledger"))?.subject} ×1`,
      "warning limits.attribute_dropped orders attributes per item ×2",
      "warning limits.value_truncated orders orders.note ×1",
      "warning logs.trace_context_missing orders error-level log records ×2",
      "warning semconv.renamed orders http.status_code ×1",
      "warning semconv.unknown_close orders http.status ×1",
      "error resource.attribute_missing unknown_service service.name ×1",
    ]);
    expect(report.passed).toBe(false);
  });

  it("gives each finding what a developer needs to fix it", () => {
    const find = (rule: string, subject?: string) => report.findings.find((f) => f.rule === rule && (subject === undefined || f.subject === subject))!;
    expect(find("decode.failed").examples).toEqual(expect.arrayContaining([expect.stringMatching(/not valid JSON/), expect.stringMatching(/not a valid OTLP protobuf ExportTraceServiceRequest/)]));
    expect(find("decode.failed").service).toBe(UNDECODED);
    expect(find("glossary.declared_code_unknown").details.nearestCode).toBe("UNAVAILABLE.CONNECTION_REFUSED");
    expect(find("semconv.unknown_close").details.suggestion).toBe("http.response.status_code");
    expect(find("semconv.renamed").details.current).toBe("http.response.status_code");
    expect(find("timestamp.out_of_range", "too_old").examples[0]).toMatch(/^1970-01-01T00:00:01\.795Z \(1795605831\) on Server span "GET \/health"$/);
    expect(find("cardinality.span_name").examples).toEqual(["GET /orders/8f14e45fceea167a5a36dedd4bea2543", "GET /orders/c9f0f895fb98ab9159f51fd0297e236d"]);
    expect(find("logs.trace_context_invalid").examples).toEqual(['trace_id="req-42"']);
    expect(find("glossary.coverage").details).toMatchObject({ matched: 4, errors: 6 });
    const unknown = report.findings.find((f) => f.examples[0]?.startsWith("ledger"))!;
    expect(unknown.subject).toMatch(/^[0-9a-f]{16}$/);
    expect(unknown.locations).toEqual([`${path.join(badDir, "orders-traces.otlp.json")}#1`]);
    const orders = report.services.find((s) => s.service === "orders")!;
    expect(orders.items).toEqual({ traces: 10, metrics: 4, app_logs: 3 });
  });

  it("writes a report that matches its published JSON Schema, and JUnit with a failure per failing rule", () => {
    expect(CheckReport.safeParse(JSON.parse(JSON.stringify(report))).success).toBe(true);
    const junit = renderJunit(report);
    expect(junit).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="braid check" tests="42" failures="6" errors="0">/);
    expect(junit).toContain('<testsuite name="braid check: orders" tests="14" failures="4"');
    expect(junit).toContain('<failure type="error" message="UNAVAILABLE.CONECTION_REFUSED: braid.error.code=&quot;UNAVAILABLE.CONECTION_REFUSED&quot;');
  });
});

describe("braid check policy", () => {
  const input = () => [readCheckFile(path.join(badDir, "orders-traces.otlp.json"))];

  it("sets the required attributes, severities and thresholds", () => {
    const report = run(input(), { requiredResourceAttributes: ["service.name", "telemetry.sdk.language"], severities: { "semconv.renamed": "error", "timestamp.out_of_range": "off" }, glossary: { minCoverage: 0.3 } });
    const rules = summary(report);
    expect(rules.filter((r) => r.includes("resource.attribute_missing"))).toEqual([]);
    expect(rules.filter((r) => r.includes("timestamp"))).toEqual([]);
    expect(rules.filter((r) => r.includes("glossary.coverage"))).toEqual([]);
    expect(rules).toContain("error semconv.renamed orders http.status_code ×1");
  });

  it("keeps allowed exceptions in the report, with their reason, without failing the check", () => {
    const report = run(input(), {
      requiredResourceAttributes: ["service.name"],
      severities: { "timestamp.out_of_range": "off" },
      allow: [
        { rule: "glossary.declared_code_unknown", service: "ord*", subject: "UNAVAILABLE.*", reason: "code added in glossary 1.1, not yet released" },
        { rule: "semconv.renamed", subject: "http.status_code", reason: "dashboards still read it" },
      ],
    });
    const allowed = report.findings.filter((f) => f.allowed);
    expect(allowed.map((f) => [f.rule, f.allowed!.reason])).toEqual([
      ["glossary.declared_code_unknown", "code added in glossary 1.1, not yet released"],
      ["semconv.renamed", "dashboards still read it"],
    ]);
    expect(report.totals.error).toBe(0);
    expect(report.passed).toBe(true);
    expect(run(input(), { requiredResourceAttributes: ["service.name"], severities: { "timestamp.out_of_range": "off" }, allow: allowedOnly() }, "warning").passed).toBe(false);
  });

  it("rejects a policy with the path of the bad field", () => {
    expect(() => parsePolicy({ glossary: { minCoverage: 2 } })).toThrow(/glossary\.minCoverage: .*1/);
    expect(() => parsePolicy({ allow: [{ rule: "no.such.rule", reason: "x" }] })).toThrow(/allow\.0\.rule/);
    expect(() => parsePolicy({ allow: [{ rule: "semconv.renamed" }] })).toThrow(/allow\.0\.reason/);
    expect(() => parsePolicy({ requiredAttributes: [] })).toThrow(/requiredAttributes/);
  });
});

function allowedOnly() {
  return [{ rule: "glossary.declared_code_unknown" as const, reason: "pending" }];
}

describe("braid check inputs", () => {
  const { dir } = tempDir("check-inputs");
  const traceId = Buffer.from("5b8efff798038103d269b633813fc60c", "hex");
  const now = BigInt(capturedAt.getTime()) * 1_000_000n;
  const request = (name: string) => encodeTraces(traceRequest("svc", [{ traceId, spanId: Buffer.from("eee19b7ec3c1b174", "hex"), name, kind: 2, startNs: now, durationNs: 1_000_000n }]));

  it("splits protobuf files framed by a varint (OTLP file format), a 4-byte length (Collector file exporter) or decimal lines", () => {
    const messages = [request("a"), request("b"), request("c")];
    const varintOf = (n: number) => Buffer.from(n < 128 ? [n] : [(n & 0x7f) | 0x80, n >> 7]);
    const varint = Buffer.concat(messages.flatMap((m) => [varintOf(m.length), m]));
    const be = Buffer.concat(messages.flatMap((m) => { const head = Buffer.alloc(4); head.writeUInt32BE(m.length); return [head, m]; }));
    const decimal = Buffer.concat(messages.flatMap((m) => [Buffer.from(`${m.length}\n`), m]));
    for (const [name, content, format] of [["v.bin", varint, "otlp-proto-delimited"], ["b.bin", be, "otlp-proto-length-prefixed"], ["d.bin", decimal, "otlp-proto-decimal-framed"], ["one.bin", messages[0]!, "otlp-proto"]] as const) {
      writeFileSync(path.join(dir, name), content);
      const input = readCheckFile(path.join(dir, name));
      expect([input.signal, input.format, input.messages.length], name).toEqual(["traces", format, name === "one.bin" ? 1 : 3]);
    }
  });

  it("reads OTLP/JSON lines (the Collector's file exporter) and tells log lines from them", () => {
    const type = otlpTypes().ExportTraceServiceRequest;
    const json = JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: "service.name", value: { stringValue: "svc" } }] }, scopeSpans: [{ spans: [{ traceId: "5b8efff798038103d269b633813fc60c", spanId: "eee19b7ec3c1b174", name: "x", startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1n) }] }] }] });
    void type;
    writeFileSync(path.join(dir, "export.jsonl"), `${json}\n${json}\n`);
    expect(readCheckFile(path.join(dir, "export.jsonl"))).toMatchObject({ signal: "traces", encoding: "otlp_json", format: "otlp-json-lines" });
    writeFileSync(path.join(dir, "app.log"), `{"level":"info","msg":"hi"}\nplain text line\n`);
    expect(readCheckFile(path.join(dir, "app.log"))).toMatchObject({ signal: "app_logs", format: "log-lines" });
  });
});
