// The check report for people (text, per service) and for CI systems (JUnit XML: one test suite
// per service, one test case per rule, a failure for each finding at or above --fail-on, so
// GitLab, Jenkins and GitHub test reporters show what broke where). JSON is the report itself.
import { checkRules, type CheckReport, type CheckRuleId, type Finding } from "../../schemas/check.js";
import type { Colors } from "../cli/output.js";
import { UNDECODED } from "./analyze.js";

const signalNames = { traces: "spans", metrics: "metric points", logs: "OTLP log records", app_logs: "log lines" } as const;

function severityLabel(finding: Finding, c: Colors): string {
  if (finding.allowed) return c.dim("allowed");
  if (finding.severity === "error") return c.red(c.bold("error  "));
  if (finding.severity === "warning") return c.yellow("warning");
  return c.cyan("info   ");
}

export function renderText(report: CheckReport, c: Colors): string[] {
  const out: string[] = [];
  const byService = new Map<string, Finding[]>();
  for (const finding of report.findings) {
    const list = byService.get(finding.service) ?? [];
    list.push(finding);
    byService.set(finding.service, list);
  }
  out.push(c.bold(`braid check: ${report.totals.messages} messages from ${report.inputs.length} input${report.inputs.length === 1 ? "" : "s"}, ${report.totals.items} items, glossary ${report.glossaryVersion}`));
  const undecoded = byService.get(UNDECODED);
  const sections: [string, Finding[], CheckReport["services"][number] | undefined][] = report.services.map((s) => [s.service, byService.get(s.service) ?? [], s]);
  if (undecoded) sections.unshift([UNDECODED, undecoded, undefined]);
  for (const [service, findings, summary] of sections) {
    out.push("");
    if (summary) {
      const items = (Object.keys(signalNames) as (keyof typeof signalNames)[])
        .filter((signal) => summary.items[signal])
        .map((signal) => [signal, summary.items[signal]] as const)
        .map(([signal, n]) => `${n} ${signalNames[signal as keyof typeof signalNames]}`)
        .join(", ");
      const coverage = summary.glossaryCoverage === null ? "no errors" : `${summary.matchedErrors}/${summary.errors} errors mapped to glossary codes (${Math.round(summary.glossaryCoverage * 1000) / 10}%)`;
      out.push(`${c.bold(service)} ${c.dim(`(${summary.languages.join(", ")})`)}  ${items}; ${coverage}`);
    } else {
      out.push(c.bold("Messages that do not decode"));
    }
    if (findings.length === 0) {
      out.push(`  ${c.green("ok")}  no findings`);
      continue;
    }
    for (const finding of findings) {
      const count = finding.count > 1 ? c.dim(` ×${finding.count}`) : "";
      out.push(`  ${severityLabel(finding, c)}  ${c.bold(finding.rule)}  ${finding.message}${count}`);
      for (const example of finding.examples) out.push(`           ${c.dim("e.g.")} ${example}`);
      if (finding.locations.length) out.push(`           ${c.dim("at")}   ${finding.locations.join(", ")}`);
      if (finding.allowed) out.push(`           ${c.dim("allowed:")} ${finding.allowed.reason}`);
    }
  }
  out.push("");
  const t = report.totals;
  const summary = `${t.error} error${t.error === 1 ? "" : "s"}, ${t.warning} warning${t.warning === 1 ? "" : "s"}${t.allowed ? `, ${t.allowed} allowed` : ""}`;
  out.push(report.passed ? c.green(`passed (fail on ${report.failOn}): ${summary}`) : c.red(c.bold(`failed (fail on ${report.failOn}): ${summary}`)));
  return out;
}

const xml = (text: string) =>
  text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");

export function renderJunit(report: CheckReport): string {
  const failing = (f: Finding) => !f.allowed && (f.severity === "error" || (report.failOn === "warning" && f.severity === "warning"));
  const services = [...(report.findings.some((f) => f.service === UNDECODED) ? [UNDECODED] : []), ...report.services.map((s) => s.service)];
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  for (const service of services) {
    const findings = report.findings.filter((f) => f.service === service);
    const cases: string[] = [];
    let suiteFailures = 0;
    for (const rule of Object.keys(checkRules) as CheckRuleId[]) {
      const own = findings.filter((f) => f.rule === rule);
      const failed = own.filter(failing);
      const name = `${rule}: ${checkRules[rule].title}`;
      const body: string[] = [];
      for (const f of failed) {
        const detail = [f.message, ...f.examples.map((e) => `e.g. ${e}`), ...(f.locations.length ? [`at ${f.locations.join(", ")}`] : [])].join("\n");
        body.push(`      <failure type="${f.severity}" message="${xml(`${f.subject}: ${f.message}`)}">${xml(detail)}</failure>`);
      }
      const passedNotes = own.filter((f) => !failing(f)).map((f) => `${f.allowed ? "allowed" : f.severity}: ${f.subject}: ${f.message}${f.allowed ? ` (${f.allowed.reason})` : ""}`);
      if (passedNotes.length) body.push(`      <system-out>${xml(passedNotes.join("\n"))}</system-out>`);
      cases.push(body.length ? `    <testcase classname="${xml(`braid-check.${service}`)}" name="${xml(name)}">\n${body.join("\n")}\n    </testcase>` : `    <testcase classname="${xml(`braid-check.${service}`)}" name="${xml(name)}"/>`);
      if (failed.length) suiteFailures++;
    }
    tests += cases.length;
    failures += suiteFailures;
    suites.push(`  <testsuite name="${xml(`braid check: ${service}`)}" tests="${cases.length}" failures="${suiteFailures}" errors="0" skipped="0">\n${cases.join("\n")}\n  </testsuite>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="braid check" tests="${tests}" failures="${failures}" errors="0">\n${suites.join("\n")}\n</testsuites>\n`;
}
