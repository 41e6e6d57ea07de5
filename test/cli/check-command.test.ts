// `braid check` as producers' CI runs it: the real command, its exit codes and its three formats.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CheckReport } from "../../schemas/check.js";
import { repoRoot, runBraid } from "../support/cli.js";
import { tempDir } from "../support/env.js";

const shop = ["go", "rust"].flatMap((lang) => ["traces", "metrics", "logs"].map((signal) => path.join(repoRoot, `test/fixtures/emitters/${lang}/${signal}-*.pb`)));
const bad = path.join(repoRoot, "test/fixtures/check");
const now = ["--now", "2026-11-25T11:24:00Z"];
const glob = (pattern: string) => {
  const dir = path.dirname(pattern);
  const re = new RegExp(`^${path.basename(pattern).replace(/[.]/g, "\\.").replace("*", ".*")}$`);
  return (readdirSync(dir) as string[]).filter((f) => re.test(f)).map((f) => path.join(dir, f));
};
import { readdirSync } from "node:fs";

describe("braid check (the command)", () => {
  it("exits 0 on the shop's OTLP payloads and prints each service with its glossary coverage", async () => {
    const run = await runBraid(["check", ...shop.flatMap(glob), ...now]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^checkout \(go\)  60 spans, 41 metric points, 29 OTLP log records; 36\/36 errors mapped to glossary codes \(100%\)$/m);
    expect(run.stdout).toMatch(/^payments \(rust\)  45 spans, 7 metric points; 7\/7 errors mapped to glossary codes \(100%\)$/m);
    expect(run.stdout).toMatch(/^passed \(fail on error\): 0 errors, \d+ warnings$/m);
  }, 300_000);

  it("exits 1 with --fail-on warning when there are warnings", async () => {
    const run = await runBraid(["check", ...glob(shop[0]!), ...now, "--fail-on", "warning"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/warning  semconv\.renamed  db\.statement is deprecated/);
    expect(run.stdout).toMatch(/^failed \(fail on warning\): 0 errors, 3 warnings$/m);
  }, 300_000);

  it("exits 1 on the bad fixtures and writes JSON that matches the report schema", async () => {
    const run = await runBraid(["check", path.join(bad, "orders-traces.otlp.json"), path.join(bad, "orders-app.jsonl"), path.join(bad, "not-protobuf.traces.pb"), "--policy", path.join(bad, "policy.yaml"), ...now, "--format", "json"]);
    expect(run.code).toBe(1);
    const report = CheckReport.parse(JSON.parse(run.stdout));
    expect(report.passed).toBe(false);
    expect(report.totals).toMatchObject({ messages: 6, deadLetters: 1 });
    expect(report.findings.filter((f) => f.severity === "error").map((f) => `${f.rule} ${f.service} ${f.subject}`)).toEqual([
      "decode.failed (not decoded) decode_error",
      "glossary.declared_code_unknown orders UNAVAILABLE.CONECTION_REFUSED",
      "logs.trace_context_invalid orders trace_id",
      "resource.attribute_missing orders deployment.environment.name",
      "resource.attribute_missing orders service.version",
      "timestamp.out_of_range orders too_old",
      "resource.attribute_missing unknown_service service.name",
    ]);
  }, 300_000);

  it("writes JUnit XML to --output and still prints the summary", async () => {
    const { dir, cleanup } = tempDir("check-junit");
    try {
      const file = path.join(dir, "braid-check.xml");
      const run = await runBraid(["check", path.join(bad, "orders-traces.otlp.json"), ...now, "--format", "junit", "--output", file]);
      expect(run.code).toBe(1);
      const xml = readFileSync(file, "utf8");
      expect(xml).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="braid check" tests="14" failures="3" errors="0">/);
      expect(xml).toContain('<testcase classname="braid-check.orders" name="resource.attribute_missing: Required resource attributes">');
      expect(run.stdout).toMatch(/^failed \(fail on error\): 4 errors, \d+ warnings$/m);
    } finally {
      cleanup();
    }
  }, 300_000);

  it("exits 2 when it cannot run: no input, an unreadable file, a bad policy, a bad option", async () => {
    const none = await runBraid(["check"]);
    expect([none.code, none.stderr.trim()]).toEqual([2, "braid: nothing to check: give files of captured telemetry, or --kafka-topic TOPIC"]);
    const missing = await runBraid(["check", "/nonexistent/spans.pb"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^braid: cannot read \/nonexistent\/spans\.pb: ENOENT/);
    const { dir, cleanup } = tempDir("check-policy");
    try {
      const policy = path.join(dir, "policy.yaml");
      (await import("node:fs")).writeFileSync(policy, "glossary:\n  minCoverage: 1.5\nallow:\n  - rule: semconv.renamed\n");
      const badPolicy = await runBraid(["check", path.join(bad, "orders-app.jsonl"), "--policy", policy]);
      expect(badPolicy.code).toBe(2);
      expect(badPolicy.stderr).toContain(`braid: ${policy} is not a valid braid check policy:`);
      expect(badPolicy.stderr).toMatch(/- glossary\.minCoverage: /);
      expect(badPolicy.stderr).toMatch(/- allow\.0\.reason: /);
    } finally {
      cleanup();
    }
    const badFormat = await runBraid(["check", path.join(bad, "orders-app.jsonl"), "--format", "xml"]);
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toMatch(/option '--format <format>' argument 'xml' is invalid/);
  }, 300_000);
});
