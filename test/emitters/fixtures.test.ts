// The captured emitter fixtures (scripts/capture-fixtures.ts) are what the other suites build
// on: each must still decode with the official protos and match its manifest entry.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../examples/runner/index.js";
import { decodeLogs, decodeMetrics, decodeTraces, flattenSpans, parseLogLine, resourceService } from "../../examples/runner/inspect.js";

const dir = path.join(repoRoot, "test/fixtures/emitters");
const manifest = JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8")) as {
  files: { file: string; language: string; service: string; signal: string; items: number; errors: string[] }[];
};

describe("emitter fixtures", () => {
  it("cover every signal for Go and Rust, in under 1 MB", () => {
    const kinds = new Set(manifest.files.map((f) => `${f.language} ${f.signal}`));
    for (const k of ["go traces", "rust traces", "go metrics", "rust metrics", "go logs", "go app_logs", "rust app_logs"]) expect(kinds).toContain(k);
    const bytes = manifest.files.reduce((n, f) => n + readFileSync(path.join(dir, f.file)).length, 0);
    expect(bytes).toBeLessThan(1024 * 1024);
  });

  it.each(manifest.files.map((f) => [f.file, f] as const))("%s decodes as described", (_name, f) => {
    const data = readFileSync(path.join(dir, f.file));
    if (f.signal === "traces") {
      const spans = flattenSpans(decodeTraces(data));
      expect(spans.length).toBe(f.items);
      expect(new Set(spans.map((s) => `${s.service} ${s.language}`))).toEqual(new Set([`${f.service} ${f.language}`]));
      expect(spans.some((s) => s.statusCode === 2)).toBe(f.errors.length > 0);
    } else if (f.signal === "metrics") {
      const request = decodeMetrics(data);
      expect(resourceService(request.resourceMetrics?.[0]?.resource?.attributes)).toEqual({ service: f.service, language: f.language });
    } else if (f.signal === "logs") {
      const request = decodeLogs(data);
      expect(resourceService(request.resourceLogs?.[0]?.resource?.attributes)).toEqual({ service: f.service, language: f.language });
      const records = request.resourceLogs!.flatMap((rl) => rl.scopeLogs!.flatMap((sl) => sl.logRecords ?? []));
      expect(records.length).toBe(f.items);
      expect(records.filter((r) => r.traceId?.length === 16).length).toBeGreaterThan(0);
    } else {
      const lines = data.toString("utf8").trim().split("\n").map(parseLogLine);
      expect(lines.length).toBe(f.items);
      for (const l of lines) {
        expect(l.service).toBe(f.service);
        expect(l.format).toBe(f.language === "go" ? (f.service === "frontend" ? "go-slog" : "go-zap") : "rust-tracing");
        if (l.traceId) expect(`${l.traceId} ${l.spanId}`).toMatch(/^[0-9a-f]{32} [0-9a-f]{16}$/);
      }
    }
  });
});
