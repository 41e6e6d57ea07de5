// Captured output of real Go and Rust programs (test/fixtures/normalizer, recorded by the programs
// in its capture/ folder) and, when present, of the emitter services (test/fixtures/emitters/{go,rust})
// go through the normalizer; each recorded failure must get the glossary code it declares
// (attribute/field fixture.expected_code, or expectedCode in *-errors.json).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { matchError, newNormalizeStats, normalizeAppLogLine, normalizeLogs, normalizeMetrics, normalizeTraces, type NormalizeContext } from "../../normalizer/index.js";
import type { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest } from "../../schemas/otlp/types.js";
import { decodeJsonLogs, decodeJsonMetrics, decodeJsonTraces } from "../../ingest/decoders/otlp-json.js";
import { decodeProtoLogs, decodeProtoMetrics, decodeProtoTraces } from "../../ingest/decoders/otlp-proto.js";
import { LogRow, rowSchemasByTable, TraceRow } from "../../schemas/rows.js";

const root = path.resolve(import.meta.dirname, "../fixtures");
const dirs = ["normalizer/go", "normalizer/rust", "emitters/go", "emitters/rust"].map((d) => path.join(root, d)).filter((d) => existsSync(d));
const files = dirs.flatMap((d) => readdirSync(d).map((f) => path.join(d, f)));
const byName = (re: RegExp) => files.filter((f) => re.test(path.basename(f)));
const rel = (f: string) => path.relative(root, f);

/** Fixture .pb files hold either one request or several, each prefixed by "<length>\n". */
function protobufFrames(buf: Buffer): Buffer[] {
  const nl = buf.indexOf(10);
  if (nl > 0 && nl < 12 && /^\d+$/.test(buf.subarray(0, nl).toString())) {
    const frames: Buffer[] = [];
    let i = 0;
    while (i < buf.length) {
      const end = buf.indexOf(10, i);
      const len = Number(buf.subarray(i, end).toString());
      frames.push(buf.subarray(end + 1, end + 1 + len));
      i = end + 1 + len;
    }
    return frames;
  }
  return [buf];
}

function contextFor(file: string): NormalizeContext {
  // The capture time, from the file's own records, so the timestamp sanity check does not fire
  // on old fixtures: now = the newest time seen + 1 s.
  return { tenant: "acme", ingestedAt: "2026-01-01T00:00:00.000Z", nowNanos: newestTime(file) + 1_000_000_000n, stats: newNormalizeStats() };
}

function newestTime(file: string): bigint {
  const content = readFileSync(file);
  let newest = 0n;
  if (/\.(pb|json)$/.test(file)) {
    const text = JSON.stringify(decodeAny(file, content));
    for (const m of text.matchAll(/"(?:timeUnixNano|endTimeUnixNano|observedTimeUnixNano)":"(\d+)"/g)) if (BigInt(m[1]!) > newest) newest = BigInt(m[1]!);
  } else {
    for (const line of content.toString().split("\n").filter(Boolean)) {
      const row = normalizeAppLogLine(line, { tenant: "x", ingestedAt: "", nowNanos: 10n ** 19n });
      const original = row.LogAttributes["braid.original_timestamp"] ?? row.Timestamp;
      if (BigInt(original) > newest && BigInt(original) < 10n ** 19n) newest = BigInt(original);
    }
  }
  return newest;
}

/** Decodes a fixture with the ingest's own decoders: .pb (one request or length-prefixed frames) or OTLP/JSON .json. */
function decodeAny(file: string, content: Buffer): unknown[] {
  const signal = /traces|spans/.test(path.basename(file)) ? "traces" : /metrics/.test(path.basename(file)) ? "metrics" : "logs";
  if (file.endsWith(".json")) {
    const decode = { traces: decodeJsonTraces, metrics: decodeJsonMetrics, logs: decodeJsonLogs }[signal];
    return [decode(content)];
  }
  const decode = { traces: decodeProtoTraces, metrics: decodeProtoMetrics, logs: decodeProtoLogs }[signal];
  return protobufFrames(content).map((frame) => decode(frame));
}

describe.each(byName(/-errors\.json$/).map((f) => [rel(f), f]))("recorded error strings %s", (_name, file) => {
  const entries = JSON.parse(readFileSync(file, "utf8")) as { expectedCode: string; source: string; text: string; type?: string }[];
  const language = file.includes("/rust/") ? "rust" : "go";
  it.each(entries.map((e) => [e.source, e]))("%s", (_source, entry) => {
    const m = matchError({ message: entry.text, language, exceptionType: entry.type || undefined });
    expect(m.code, entry.text).toBe(entry.expectedCode);
  });
});

describe.each(byName(/(traces|spans).*\.(pb|json)$/).map((f) => [rel(f), f]))("OTLP traces %s", (_name, file) => {
  const requests = decodeAny(file, readFileSync(file)) as ExportTraceServiceRequest[];
  const ctx = contextFor(file);
  const rows = requests.flatMap((req) => normalizeTraces(req, ctx));

  it("yields valid otel_traces rows with service name, language and hex ids", () => {
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      TraceRow.parse(row);
      expect(row.TraceId).toMatch(/^[0-9a-f]{32}$/);
      expect(["go", "rust"]).toContain(row.SourceLanguage);
      expect(row.ServiceName).not.toBe("unknown_service");
    }
    expect(ctx.stats!.timestampFixups).toBe(0);
  });

  it("gives every span that declares an expected code exactly that code", () => {
    const declared = rows.filter((r) => r.SpanAttributes["fixture.expected_code"]);
    for (const row of declared) expect(row.ErrorCode, `${row.SpanName}: ${row.ErrorMessage}`).toBe(row.SpanAttributes["fixture.expected_code"]);
  });

  it("leaves spans without an error signal without a code", () => {
    for (const row of rows.filter((r) => r.StatusCode !== "Error" && !r["Events.Name"].includes("exception") && !r.SpanAttributes["error.type"])) {
      expect(row.ErrorCode, row.SpanName).toBe("");
      expect(row.ErrorFingerprint).toBe("");
    }
  });
});

describe.each(byName(/logs.*\.(pb|json)$/).map((f) => [rel(f), f]))("OTLP logs %s", (_name, file) => {
  const requests = decodeAny(file, readFileSync(file)) as ExportLogsServiceRequest[];
  const ctx = contextFor(file);
  const rows = requests.flatMap((req) => normalizeLogs(req, ctx));
  it("yields valid otel_logs rows; error records get their declared code", () => {
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      LogRow.parse(row);
      const expected = row.LogAttributes["fixture.expected_code"];
      if (expected) expect(row.ErrorCode).toBe(expected);
      if (row.SeverityNumber < 17) expect(row.ErrorCode).toBe("");
    }
  });
});

describe.each(byName(/metrics.*\.(pb|json)$/).map((f) => [rel(f), f]))("OTLP metrics %s", (_name, file) => {
  const requests = decodeAny(file, readFileSync(file)) as ExportMetricsServiceRequest[];
  const ctx = contextFor(file);
  it("yields valid rows for each table, with exemplars linked to spans", () => {
    let total = 0;
    let exemplars = 0;
    for (const req of requests) {
      const tables = normalizeMetrics(req, ctx);
      for (const [table, rows] of Object.entries(tables)) {
        for (const row of rows) {
          rowSchemasByTable[table as keyof typeof rowSchemasByTable].parse(row);
          total++;
          const ids = (row as { "Exemplars.TraceId"?: string[] })["Exemplars.TraceId"] ?? [];
          exemplars += ids.filter((id) => /^[0-9a-f]{32}$/.test(id)).length;
        }
      }
    }
    expect(total).toBeGreaterThan(0);
    if (file.includes("normalizer/go")) expect(exemplars).toBeGreaterThan(0);
  });
});

describe.each(byName(/\.jsonl$/).map((f) => [rel(f), f]))("raw log lines %s", (_name, file) => {
  const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
  const ctx = contextFor(file);
  const rows = lines.map((line) => normalizeAppLogLine(line, ctx));
  it("recognises the logger and language and keeps every line", () => {
    expect(rows.length).toBe(lines.length);
    for (const row of rows) {
      LogRow.parse(row);
      expect(row.LogFormat).not.toBe("plain");
      expect(row.SeverityNumber).toBeGreaterThan(0);
      expect(["go", "rust"]).toContain(row.SourceLanguage);
    }
    expect(ctx.stats!.timestampFixups).toBe(0);
  });
  it("gives error lines their declared code", () => {
    for (const row of rows) {
      const expected = row.LogAttributes["fixture.expected_code"] ?? row.LogAttributes["fixture_expected_code"];
      if (expected) expect(row.ErrorCode, row.ErrorMessage).toBe(expected);
    }
  });
});

it("finds the captured fixtures", () => {
  expect(byName(/^go-traces/).length + byName(/^rust-traces/).length).toBeGreaterThanOrEqual(2);
});
