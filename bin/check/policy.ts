// The policy file (schemas/check.ts CheckPolicy): read from YAML or JSON, validated with messages
// that name the bad field, and applied to each finding: the severity per rule (or off), and the
// allowed exceptions, which keep a finding in the report, marked allowed, without failing the check.
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { CheckPolicy, type Finding } from "../../schemas/check.js";

export class PolicyError extends Error {
  override name = "PolicyError";
}

export function parsePolicy(value: unknown, source = "policy"): CheckPolicy {
  const result = CheckPolicy.safeParse(value ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.length ? issue.path.join(".") : "(top level)"}: ${issue.message}`);
  throw new PolicyError(`${source} is not a valid braid check policy:\n  - ${problems.join("\n  - ")}`);
}

export function loadPolicy(file: string | undefined): CheckPolicy {
  if (!file) return parsePolicy({});
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new PolicyError(`cannot read the policy file ${file}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new PolicyError(`${file} is not valid YAML or JSON: ${(err as Error).message}`);
  }
  return parsePolicy(value, file);
}

// Subjects are not paths (span names hold slashes), so a glob here is the plain kind: * is any
// run of characters, ? one character; nothing else is special.
const matchers = new Map<string, RegExp>();
function glob(pattern: string): (text: string) => boolean {
  let matcher = matchers.get(pattern);
  if (!matcher) {
    const source = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*").replaceAll("?", ".");
    matcher = new RegExp(`^${source}$`, "s");
    matchers.set(pattern, matcher);
  }
  return (text) => matcher.test(text);
}

export function matchesAllow(finding: Pick<Finding, "rule" | "service" | "subject">, allow: CheckPolicy["allow"][number]): boolean {
  return allow.rule === finding.rule && (!allow.service || glob(allow.service)(finding.service)) && (!allow.subject || glob(allow.subject)(finding.subject));
}

/** The finding under the policy: its severity, allowed when an exception covers it, or null when its rule is off. */
export function applyPolicy(finding: Finding, policy: CheckPolicy): Finding | null {
  const severity = policy.severities[finding.rule];
  if (severity === "off") return null;
  const allowed = policy.allow.find((allow) => matchesAllow(finding, allow));
  return { ...finding, severity: severity ?? finding.severity, ...(allowed ? { allowed: { reason: allowed.reason } } : {}) };
}
