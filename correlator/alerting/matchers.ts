// Alertmanager label matchers (name="v", name!="v", name=~"re", name!~"re"), used by routes and
// silences. Regular expressions are anchored at both ends, as in Alertmanager.
import type { Labels } from "./labels.js";

export interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

const matcherPattern = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^\s"]*))\s*$/;

/** Parses one matcher; throws with the offending text when it is not one. */
export function parseMatcher(text: string): Matcher {
  const match = matcherPattern.exec(text);
  if (!match) throw new Error(`"${text}" is not a matcher (name="value", name!="value", name=~"regex" or name!~"regex")`);
  const [, name, op, quoted, bare] = match;
  const value = quoted !== undefined ? (JSON.parse(`"${quoted}"`) as string) : (bare ?? "");
  const matcher = { name: name!, value, isRegex: op === "=~" || op === "!~", isEqual: op === "=" || op === "=~" };
  if (matcher.isRegex) compile(matcher);
  return matcher;
}

const compiled = new Map<string, RegExp>();
function compile(matcher: Matcher): RegExp {
  let re = compiled.get(matcher.value);
  if (!re) {
    try {
      re = new RegExp(`^(?:${matcher.value})$`);
    } catch (err) {
      throw new Error(`matcher ${matcher.name}: ${(err as Error).message}`);
    }
    compiled.set(matcher.value, re);
  }
  return re;
}

/** A missing label matches as the empty string, as in Alertmanager. */
export function matches(matcher: Matcher, labels: Labels): boolean {
  const value = labels[matcher.name] ?? "";
  const hit = matcher.isRegex ? compile(matcher).test(value) : value === matcher.value;
  return matcher.isEqual ? hit : !hit;
}

export function matchesAll(matchers: readonly Matcher[], labels: Labels): boolean {
  return matchers.every((matcher) => matches(matcher, labels));
}

export function matcherString(matcher: Matcher): string {
  return `${matcher.name}${matcher.isEqual ? (matcher.isRegex ? "=~" : "=") : matcher.isRegex ? "!~" : "!="}${JSON.stringify(matcher.value)}`;
}
