// Attribute names of the OpenTelemetry semantic conventions (stable and incubating, from the
// @opentelemetry/semantic-conventions package), and the known name an unknown key is close to:
// `http.status` → `http.response.status_code`, `db.statment` → `db.statement`. Only keys in a
// semantic-convention namespace (http., db., rpc., …) are judged; custom names elsewhere are fine.
import { distance } from "fastest-levenshtein";
import * as semconv from "@opentelemetry/semantic-conventions/incubating";
import { renamedAttributes } from "../../normalizer/index.js";

interface NameIndex {
  known: Set<string>;
  /** Templated names (http.request.header.<key>): their fixed prefixes. */
  prefixes: string[];
  /** Known names per namespace, the candidates of a suggestion. */
  byNamespace: Map<string, { name: string; tokens: string[] }[]>;
}

let index: NameIndex | undefined;

const tokensOf = (name: string) => name.split(/[._]/).filter(Boolean);

function nameIndex(): NameIndex {
  if (index) return index;
  const known = new Set<string>();
  const prefixes: string[] = [];
  for (const [exportName, value] of Object.entries(semconv)) {
    if (!exportName.startsWith("ATTR_")) continue;
    if (typeof value === "string") known.add(value);
    else if (typeof value === "function") {
      const sample = String((value as (key: string) => unknown)("\u0000"));
      const cut = sample.indexOf("\u0000");
      if (cut > 0) prefixes.push(sample.slice(0, cut));
    }
  }
  for (const [oldName, current] of renamedAttributes) known.add(oldName).add(current);
  const byNamespace = new Map<string, { name: string; tokens: string[] }[]>();
  for (const name of known) {
    const namespace = name.split(".")[0]!;
    const list = byNamespace.get(namespace) ?? [];
    list.push({ name, tokens: tokensOf(name) });
    byNamespace.set(namespace, list);
  }
  index = { known, prefixes, byNamespace };
  return index;
}

export function isKnownAttribute(key: string): boolean {
  const { known, prefixes } = nameIndex();
  return known.has(key) || prefixes.some((prefix) => key.startsWith(prefix));
}

/** Whether `sub` occurs in `tokens` in order (not necessarily adjacent); a word may be abbreviated (env, addr). */
function inOrder(sub: string[], tokens: string[]): boolean {
  let i = 0;
  for (const token of tokens) {
    const word = sub[i];
    if (word !== undefined && (token === word || (word.length >= 3 && token.startsWith(word)))) i++;
  }
  return i === sub.length;
}

/**
 * The semantic-convention name an unknown key was probably meant to be, or undefined: a typo
 * (small edit distance), or a shorter or longer spelling of the same words in the same namespace.
 */
export function closeKnownAttribute(key: string): string | undefined {
  if (isKnownAttribute(key)) return undefined;
  const namespace = key.split(".")[0]!;
  const candidates = nameIndex().byNamespace.get(namespace);
  if (!candidates || !key.includes(".")) return undefined;
  const tokens = tokensOf(key);
  let best: { name: string; score: number } | undefined;
  const consider = (name: string, score: number) => {
    if (!best || score < best.score || (score === best.score && name < best.name)) best = { name, score };
  };
  const maxEdits = key.length >= 12 ? 2 : 1;
  for (const candidate of candidates) {
    const edits = distance(key, candidate.name);
    if (edits <= maxEdits) consider(candidate.name, edits);
    else if (tokens.length >= 2 && candidate.tokens.length - tokens.length <= 2 && candidate.tokens.length >= tokens.length && inOrder(tokens, candidate.tokens)) {
      // http.status ⊂ http.response.status_code: the words of the key, in order, plus at most two.
      consider(candidate.name, 10 + candidate.tokens.length - tokens.length);
    } else if (candidate.tokens.length >= 2 && tokens.length - candidate.tokens.length === 1 && inOrder(candidate.tokens, tokens)) {
      // http.request.method.name ⊃ http.request.method: one word too many.
      consider(candidate.name, 20);
    }
  }
  // A deprecated name is suggested with the name Braid gives it.
  return best ? (renamedAttributes.get(best.name) ?? best.name) : undefined;
}
