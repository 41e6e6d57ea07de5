// The glossary entries whose wording is nearest to an error that matched none (UNKNOWN): a
// suggestion for where a new pattern belongs, shown by `braid check` and `braid glossary lookup`.
// It never changes a code: matching stays glossary-matcher.ts's job. Scoring is TF-IDF over words:
// words of the entry's patterns count most, then its title, then its description, and words that
// occur in many entries ("error", "failed") count little.
import type { GlossaryEntry, MessagePattern } from "../schemas/glossary/schema.js";
import type { CompiledGlossary } from "./glossary-matcher.js";
import { normalizeErrorMessage } from "./fingerprint.js";

export interface NearestEntry {
  code: string;
  title: string;
  /** 0..1: the share of the message's weighted words that the entry shares. */
  score: number;
  /** The weight of the shared words themselves (sum of their IDF): low when they are common words ("failed"). */
  strength: number;
  /** The words the message and the entry have in common, most telling first. */
  sharedWords: string[];
}

const stopWords = new Set(
  "the and for with from that this not was were are has have had but you your its into onto than then when while our out off can could would should will may might been being over under via per any all one two use used using of to in on at by is it be or as an a no".split(" "),
);

function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length >= 3 && !stopWords.has(word) && !/^\d+$/.test(word) && word !== "addr" && word !== "hex" && word !== "path" && word !== "uuid" && word !== "url");
}

function patternText(pattern: MessagePattern): string {
  if (typeof pattern === "string") return pattern;
  if ("equals" in pattern) return pattern.equals;
  return `${pattern.anchor} ${pattern.regex.replace(/\\[a-z]|[^a-z0-9 ]+/gi, " ")}`;
}

interface EntryVector {
  entry: GlossaryEntry;
  weights: Map<string, number>;
}

interface NearestIndex {
  vectors: EntryVector[];
  idf: Map<string, number>;
}

const indexes = new WeakMap<CompiledGlossary, NearestIndex>();

function indexOf(glossary: CompiledGlossary): NearestIndex {
  let index = indexes.get(glossary);
  if (index) return index;
  const vectors: EntryVector[] = [];
  const documentFrequency = new Map<string, number>();
  for (const entry of glossary.entries) {
    if (entry.code === "UNKNOWN") continue;
    const weights = new Map<string, number>();
    const add = (text: string, weight: number) => {
      for (const word of words(text)) weights.set(word, Math.max(weights.get(word) ?? 0, weight));
    };
    for (const language of ["go", "rust", "any"] as const) {
      for (const pattern of entry.match[language]?.messages ?? []) add(patternText(pattern), 3);
      for (const type of entry.match[language]?.exceptionTypes ?? []) add(type, 2);
    }
    add(entry.code.replaceAll("_", " ").replaceAll(".", " "), 2);
    add(entry.title, 2);
    add(entry.description, 0.5);
    for (const word of weights.keys()) documentFrequency.set(word, (documentFrequency.get(word) ?? 0) + 1);
    vectors.push({ entry, weights });
  }
  const idf = new Map<string, number>();
  for (const [word, count] of documentFrequency) idf.set(word, Math.log(1 + vectors.length / count));
  index = { vectors, idf };
  indexes.set(glossary, index);
  return index;
}

/** Up to `limit` entries nearest to the message, best first; empty when none shares a telling word. */
export function nearestEntries(message: string, glossary: CompiledGlossary, limit = 3): NearestEntry[] {
  const { vectors, idf } = indexOf(glossary);
  const messageWords = [...new Set(words(normalizeErrorMessage(message).replace(/<[a-z]+>/g, " ")))];
  const known = messageWords.filter((word) => idf.has(word));
  if (known.length === 0) return [];
  const total = known.reduce((sum, word) => sum + idf.get(word)!, 0);
  const scored: NearestEntry[] = [];
  for (const { entry, weights } of vectors) {
    let score = 0;
    const shared: [string, number][] = [];
    for (const word of known) {
      const weight = weights.get(word);
      if (weight === undefined) continue;
      const value = idf.get(word)! * Math.min(weight, 3) / 3;
      score += value;
      shared.push([word, value]);
    }
    if (score === 0) continue;
    scored.push({ code: entry.code, title: entry.title, score: Math.round((score / total) * 1000) / 1000, strength: Math.round(score * 1000) / 1000, sharedWords: shared.sort((a, b) => b[1] - a[1]).map(([word]) => word) });
  }
  return scored.sort((a, b) => b.score - a.score || a.code.localeCompare(b.code)).slice(0, limit);
}
