import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseRuleFile, validateRuleDirectory } from "./rule-files.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "braid-rules-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("rule files", () => {
  it("loads the good rules of a file and reports each bad one with file, rule name and field", () => {
    const file = path.join(dir, "shop.yaml");
    const { rules, problems } = parseRuleFile(
      `rules:
  - { name: ok, kind: latency, target: { service: checkout }, threshold_ms: 250, window: 5m, for: 1m }
  - { name: negative, kind: latency, threshold_ms: -1 }
  - { name: templated, kind: error_rate, threshold: 0.1, annotations: { summary: "{{ $valu }}" } }
  - { name: slo-windows, kind: slo, objective: 99.9, burn_rates: [{ severity: page, long: 5m, short: 1h, factor: 14.4 }] }
  - { kind: nope }
  - { name: bad-duration, kind: latency, threshold_ms: 1, window: 5 minutes }
`,
      file,
    );
    expect(rules.map((r) => [r.id, r.rule.kind])).toEqual([["*/ok", "latency"]]);
    expect(rules[0]!.rule).toMatchObject({ window: 300, for: 60, quantile: "p99", source: "spans" });
    expect(problems.map((p) => [p.file, p.rule, p.field])).toEqual([
      [file, "negative", "rules[1].threshold_ms"],
      [file, "templated", "rules[2].annotations.summary"],
      [file, "slo-windows", "rules[3].burn_rates[0].short"],
      [file, "#5", "rules[4].kind"],
      [file, "bad-duration", "rules[5].window"],
    ]);
    expect(problems[1]!.message).toContain("unknown variable $valu");
    expect(problems[4]!.message).toContain("is not a duration");
  });

  it("reports a YAML syntax error with its line and keeps loading the other files", () => {
    writeFileSync(path.join(dir, "a-broken.yaml"), "rules:\n  - name: x\n   kind: latency\n");
    writeFileSync(path.join(dir, "b-good.yml"), "rules:\n  - { name: good, kind: error_rate, threshold: 0.05 }\n  - { name: good, kind: error_rate, threshold: 0.01 }\n");
    writeFileSync(path.join(dir, "notes.txt"), "not a rule file");
    const report = validateRuleDirectory(dir);
    expect(report.rules.map((r) => r.rule.name)).toEqual(["good"]);
    const broken = report.files.find((f) => f.file.endsWith("a-broken.yaml"))!;
    expect(broken.problems[0]!.message).toMatch(/^not valid YAML \(line 3, column \d+\)/);
    const good = report.files.find((f) => f.file.endsWith("b-good.yml"))!;
    expect(good).toMatchObject({ rules: 1, problems: [{ rule: "good", field: "name", message: expect.stringContaining("already defined") }] });
  });

  it("says what a rule file must look like when it is not one", () => {
    expect(parseRuleFile("- name: x\n", "list.yaml").problems).toEqual([{ file: "list.yaml", field: "rules", message: "a rule file is a mapping with a `rules:` list" }]);
    expect(validateRuleDirectory(path.join(dir, "missing")).problems[0]!.message).toContain("ENOENT");
  });
});

describe("shipped rule files", () => {
  it("deploy/rules validates without a problem", () => {
    const report = validateRuleDirectory(path.resolve(import.meta.dirname, "../../deploy/rules"));
    expect(report.problems).toEqual([]);
    expect(report.rules.map((r) => r.rule.kind)).toEqual(expect.arrayContaining(["latency", "error_rate", "slo"]));
  });
});
