// Rule files: every *.yaml, *.yml and *.json file of a directory holds `rules: [...]`. Each rule
// is validated on its own (zod schema, then its templates), so a bad rule is reported with its
// file, name and field while the other rules of the file, and of the directory, still load.
// Used by the evaluator on every tick (edits apply without a restart), by the API, and by
// `braid rules validate DIR`.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml, YAMLParseError } from "yaml";
import type { z } from "zod";
import { AlertRule } from "../../schemas/alerting.js";
import { Template, TemplateError, templateVariables } from "./template.js";
import type { LoadedRule } from "./types.js";

export interface RuleProblem {
  /** The rule file (absent for rules from the API). */
  file?: string;
  /** The rule's name, or #N (1-based position) when it has none. */
  rule?: string;
  /** Dotted path of the bad field inside the rule (or the file). */
  field?: string;
  message: string;
}

export interface RuleFileReport {
  file: string;
  rules: number;
  problems: RuleProblem[];
}

export interface RuleDirectoryReport {
  dir: string;
  files: RuleFileReport[];
  rules: LoadedRule[];
  problems: RuleProblem[];
}

const ruleFilePattern = /\.(ya?ml|json)$/i;

export const ruleIdOf = (tenant: string | undefined, name: string) => `${tenant ?? "*"}/${name}`;

function issuePath(issue: z.core.$ZodIssue): string {
  return issue.path.map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`)).join("").replace(/^\./, "");
}

/** Validates one rule object; returns the loaded rule or its problems (field paths inside the rule). */
export function compileRule(input: unknown, origin: LoadedRule["origin"], file?: string): { rule?: LoadedRule; problems: RuleProblem[] } {
  const nameOf = (value: unknown) => (value && typeof value === "object" && typeof (value as { name?: unknown }).name === "string" ? (value as { name: string }).name : undefined);
  const parsed = AlertRule.safeParse(input);
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.flatMap((issue) => {
        // A discriminated union reports "no matching discriminator": say which kinds exist.
        const message = issue.code === "invalid_union" && issue.path.length === 0 ? 'kind must be one of "latency", "error_rate", "slo"' : issue.message;
        return [{ file, rule: nameOf(input), field: issuePath(issue) || (issue.code === "invalid_union" ? "kind" : undefined), message }];
      }),
    };
  }
  const rule = parsed.data;
  const problems: RuleProblem[] = [];
  const compile = (group: "labels" | "annotations", entries: Record<string, string>) => {
    const out = new Map<string, Template>();
    for (const [name, text] of Object.entries(entries)) {
      try {
        out.set(name, new Template(text, templateVariables));
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        problems.push({ file, rule: rule.name, field: `${group}.${name}`, message: `bad template: ${err.message}` });
      }
    }
    return out;
  };
  const labelTemplates = compile("labels", rule.labels);
  const annotationTemplates = compile("annotations", rule.annotations);
  if (rule.metric !== undefined && rule.source !== "metrics") problems.push({ file, rule: rule.name, field: "metric", message: "metric is only used with source: metrics" });
  if (problems.length > 0) return { problems };
  return { rule: { id: ruleIdOf(rule.tenant, rule.name), rule, origin, file, labelTemplates, annotationTemplates }, problems };
}

/** Parses one rule file's text; `file` names it in problems. */
export function parseRuleFile(text: string, file: string): { rules: LoadedRule[]; problems: RuleProblem[] } {
  let data: unknown;
  try {
    data = file.toLowerCase().endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` (line ${err.linePos[0].line}, column ${err.linePos[0].col})` : "";
    return { rules: [], problems: [{ file, message: `not valid ${file.endsWith(".json") ? "JSON" : "YAML"}${where}: ${(err as Error).message.split("\n")[0]}` }] };
  }
  if (data === null || data === undefined) return { rules: [], problems: [] };
  if (typeof data !== "object" || Array.isArray(data) || !Array.isArray((data as { rules?: unknown }).rules)) {
    return { rules: [], problems: [{ file, field: "rules", message: "a rule file is a mapping with a `rules:` list" }] };
  }
  const extra = Object.keys(data).filter((key) => key !== "rules");
  const problems: RuleProblem[] = extra.map((key) => ({ file, field: key, message: `unknown top-level key "${key}" (a rule file has only rules:)` }));
  const rules: LoadedRule[] = [];
  (data as { rules: unknown[] }).rules.forEach((input, index) => {
    const compiled = compileRule(input, "file", file);
    for (const problem of compiled.problems) problems.push({ ...problem, rule: problem.rule ?? `#${index + 1}`, field: problem.field ? `rules[${index}].${problem.field}` : `rules[${index}]` });
    if (compiled.rule) rules.push(compiled.rule);
  });
  return { rules, problems };
}

/** Validates every rule file of a directory (not recursive); duplicate rule ids are problems too. */
export function validateRuleDirectory(dir: string): RuleDirectoryReport {
  const report: RuleDirectoryReport = { dir, files: [], rules: [], problems: [] };
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => ruleFilePattern.test(name)).sort();
  } catch (err) {
    report.problems.push({ file: dir, message: `cannot read the rules directory: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
    return report;
  }
  const seen = new Map<string, string>();
  for (const name of names) {
    const file = path.join(dir, name);
    let text: string;
    try {
      if (!statSync(file).isFile()) continue;
      text = readFileSync(file, "utf8");
    } catch (err) {
      const problem = { file, message: `cannot read: ${(err as Error).message}` };
      report.files.push({ file, rules: 0, problems: [problem] });
      report.problems.push(problem);
      continue;
    }
    const parsed = parseRuleFile(text, file);
    const kept: LoadedRule[] = [];
    for (const rule of parsed.rules) {
      const first = seen.get(rule.id);
      if (first) {
        parsed.problems.push({ file, rule: rule.rule.name, field: "name", message: `a rule named "${rule.rule.name}"${rule.rule.tenant ? ` for tenant ${rule.rule.tenant}` : ""} is already defined in ${first}` });
        continue;
      }
      seen.set(rule.id, file);
      kept.push(rule);
    }
    report.files.push({ file, rules: kept.length, problems: parsed.problems });
    report.rules.push(...kept);
    report.problems.push(...parsed.problems);
  }
  return report;
}

/** Re-reads a directory only when a file in it changed (names, sizes, modification times). */
export class RuleDirectoryWatcher {
  private signature = "";
  private report: RuleDirectoryReport;

  constructor(readonly dir: string) {
    this.report = { dir, files: [], rules: [], problems: [] };
  }

  /** The current report and whether it changed since the last call. */
  read(): { report: RuleDirectoryReport; changed: boolean } {
    const signature = directorySignature(this.dir);
    if (signature === this.signature) return { report: this.report, changed: false };
    this.signature = signature;
    this.report = validateRuleDirectory(this.dir);
    return { report: this.report, changed: true };
  }
}

function directorySignature(dir: string): string {
  try {
    return readdirSync(dir)
      .filter((name) => ruleFilePattern.test(name))
      .sort()
      .map((name) => {
        const stat = statSync(path.join(dir, name));
        return `${name}:${stat.size}:${stat.mtimeMs}`;
      })
      .join("|");
  } catch (err) {
    return `error:${(err as Error).message}`;
  }
}
