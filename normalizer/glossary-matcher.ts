// Maps an error (its texts plus whatever structure is known: language, exception type, gRPC code,
// HTTP status, SQLSTATE, span kind, log level) to one glossary code. Compiled once per glossary:
// all message literals go into one Aho–Corasick automaton, regexes are precompiled and only run
// when their anchor literal occurs, structural matchers are hash lookups. Deterministic: ties
// are broken by a fixed ranking down to file order.
import { bundledGlossary } from "../schemas/glossary/bundled.js";
import { ERROR_CODE_ATTRIBUTE } from "../schemas/glossary/codegen.js";
import { grpcCodeNames, type ErrorClass, type ErrorSeverity, type Glossary, type GlossaryEntry, type MessagePattern } from "../schemas/glossary/schema.js";
import { AhoCorasick } from "./aho-corasick.js";
import { errorFingerprint } from "./fingerprint.js";
import { truncateText } from "./text.js";

export { ERROR_CODE_ATTRIBUTE };

/** Longest prefix of each text that is scanned: panics and stack dumps put the cause first. */
export const MATCH_MAX_CHARS = 8192;
/** Longest ErrorMessage kept on a row. */
export const ERROR_MESSAGE_MAX_CHARS = 2048;

/** Everything known about one error. Only `message` is required; more context, better codes. */
export interface ErrorSignal {
  /** The primary error text (exception.message, the log's error field, status message). */
  message?: string;
  /** Other texts of the same error (status message, log body); searched too, not fingerprinted. */
  otherTexts?: readonly string[];
  /** SourceLanguage value: go, rust, … */
  language?: string;
  /** exception.type (Go: reflect type string, e.g. *net.OpError). */
  exceptionType?: string;
  /** error.type attribute. */
  errorType?: string;
  /** A code the service set itself (attribute braid.error.code); used when it is in the glossary. */
  declaredCode?: string;
  /** gRPC status: number (14) or name (UNAVAILABLE, Unavailable). */
  grpcCode?: number | string;
  httpStatus?: number;
  /** SpanKind column value (Server, Client, …). */
  spanKind?: string;
  /** Database SQLSTATE (db.response.status_code). */
  sqlState?: string;
  /** The log level as the source wrote it (zap "dpanic", slog "ERROR"). */
  logLevel?: string;
}

export type MatchedBy = "declared_code" | "message" | "exception_type" | "sql_state" | "grpc_code" | "http_status" | "log_level" | "keyword" | "none";

export interface GlossaryMatch {
  code: string;
  retryable: boolean;
  class: ErrorClass;
  severity: ErrorSeverity;
  /** 16 hex chars: FNV-1a 64 of the primary message with variable parts removed. */
  fingerprint: string;
  /** The primary error text, trimmed and capped (the ErrorMessage column). */
  message: string;
  /** Which matcher decided, for debugging and the API. */
  matchedBy: MatchedBy;
}

/** The glossary rule that decided a match: what `braid glossary lookup` shows as "why". */
export interface MatchedRule {
  matchedBy: MatchedBy;
  /** The pattern as written in the glossary: a substring, `equals: …`, `regex: …`, a type name, a status code or level. */
  pattern: string;
  /** Which matcher list the pattern is in: go, rust, any (the language-independent ones). */
  language: "go" | "rust" | "any";
}

export interface GlossaryExplanation extends GlossaryMatch {
  /** Undefined when nothing matched (UNKNOWN). */
  rule?: MatchedRule;
}

type Language = "go" | "rust" | "any";

interface CompiledRule {
  entryIndex: number;
  entry: GlossaryEntry;
  language: Language;
  priority: number;
  /** Length of the literal/anchor: longer literal = more specific among equals. */
  specificity: number;
  /** Only for spanKinds-restricted structural rules. */
  spanKinds?: ReadonlySet<string>;
  /** Regex rules: run on the original text once the anchor occurs. */
  regex?: RegExp;
  /** The pattern as written, for explanations. */
  pattern: string;
}

const TIER = { declared_code: 6, message: 5, exception_type: 4, sql_state: 3, grpc_code: 2, http_status: 2, log_level: 2, keyword: 1, none: 0 } as const;

export interface CompiledGlossary {
  readonly version: string;
  readonly entries: readonly GlossaryEntry[];
  readonly byCode: ReadonlyMap<string, GlossaryEntry>;
  readonly unknown: GlossaryEntry;
  /** @internal */ readonly literals: AhoCorasick;
  /** @internal */ readonly literalRules: readonly CompiledRule[];
  /** @internal */ readonly equalsRules: ReadonlyMap<string, readonly CompiledRule[]>;
  /** @internal */ readonly maxEqualsLength: number;
  /** @internal */ readonly typeRules: ReadonlyMap<string, readonly CompiledRule[]>;
  /** @internal */ readonly sqlStateRules: ReadonlyMap<string, readonly CompiledRule[]>;
  /** @internal */ readonly grpcRules: ReadonlyMap<number, readonly CompiledRule[]>;
  /** @internal */ readonly httpRules: ReadonlyMap<number, readonly CompiledRule[]>;
  /** @internal */ readonly logLevelRules: ReadonlyMap<string, readonly CompiledRule[]>;
  /** @internal */ readonly keywordRules: ReadonlyMap<string, CompiledRule>;
  /** @internal */ readonly keywordPattern: RegExp | undefined;
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Compiles a validated glossary into the matcher's lookup structures. */
export function compileGlossary(glossary: Glossary): CompiledGlossary {
  const literalTexts: string[] = [];
  const literalRules: CompiledRule[] = [];
  const equalsRules = new Map<string, CompiledRule[]>();
  const typeRules = new Map<string, CompiledRule[]>();
  const sqlStateRules = new Map<string, CompiledRule[]>();
  const grpcRules = new Map<number, CompiledRule[]>();
  const httpRules = new Map<number, CompiledRule[]>();
  const logLevelRules = new Map<string, CompiledRule[]>();
  const keywordRules = new Map<string, CompiledRule>();
  const byCode = new Map<string, GlossaryEntry>();

  glossary.entries.forEach((entry, entryIndex) => {
    byCode.set(entry.code, entry);
    const base = { entryIndex, entry, priority: entry.priority };
    for (const language of ["go", "rust", "any"] as const) {
      const matchers = entry.match[language];
      if (!matchers) continue;
      for (const pattern of matchers.messages as MessagePattern[]) {
        if (typeof pattern === "string") {
          literalTexts.push(pattern.toLowerCase());
          literalRules.push({ ...base, language, specificity: pattern.length, pattern });
        } else if ("equals" in pattern) {
          const key = pattern.equals.trim().toLowerCase();
          pushTo(equalsRules, key, { ...base, language, priority: pattern.priority ?? entry.priority, specificity: key.length, pattern: `equals: ${pattern.equals}` });
        } else {
          literalTexts.push(pattern.anchor);
          literalRules.push({ ...base, language, priority: pattern.priority ?? entry.priority, specificity: pattern.anchor.length, regex: new RegExp(pattern.regex, "i"), pattern: `regex: ${pattern.regex}` });
        }
      }
      for (const type of matchers.exceptionTypes) pushTo(typeRules, type, { ...base, language, specificity: type.length, pattern: type });
    }
    const spanKinds = entry.match.spanKinds ? new Set<string>(entry.match.spanKinds) : undefined;
    const kinds = spanKinds ? ` (${[...spanKinds].join(", ")} spans)` : "";
    for (const state of entry.match.sqlStates) pushTo(sqlStateRules, state, { ...base, language: "any", specificity: 5, pattern: `SQLSTATE ${state}` });
    for (const name of entry.match.grpcCodes) pushTo(grpcRules, grpcCodeNames.indexOf(name), { ...base, language: "any", specificity: 0, spanKinds, pattern: `gRPC ${name}${kinds}` });
    for (const status of entry.match.httpStatus) pushTo(httpRules, status, { ...base, language: "any", specificity: 0, spanKinds, pattern: `HTTP ${status}${kinds}` });
    for (const level of entry.match.logLevels) pushTo(logLevelRules, level, { ...base, language: "any", specificity: 0, pattern: `log level ${level}` });
    for (const keyword of entry.match.keywords) keywordRules.set(keyword, { ...base, language: "any", specificity: keyword.length, pattern: keyword });
  });
  // One alternation of every keyword as whole words; longer phrases first so "timed out" is one hit.
  const keywordSources = [...keywordRules.keys()].sort((a, b) => b.length - a.length || a.localeCompare(b)).map(escapeRegex);
  const keywordPattern = keywordSources.length ? new RegExp(`(?<![a-z0-9])(?:${keywordSources.join("|")})(?![a-z0-9])`, "gi") : undefined;
  const unknown = byCode.get("UNKNOWN");
  if (!unknown) throw new Error("glossary has no UNKNOWN entry");
  return {
    version: glossary.version,
    entries: glossary.entries,
    byCode,
    unknown,
    literals: new AhoCorasick(literalTexts),
    literalRules,
    equalsRules,
    maxEqualsLength: Math.max(0, ...[...equalsRules.keys()].map((key) => key.length)),
    typeRules,
    sqlStateRules,
    grpcRules,
    httpRules,
    logLevelRules,
    keywordRules,
    keywordPattern,
  };
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/ /g, "\\s+");

let defaultCompiled: CompiledGlossary | undefined;

/** The bundled glossary, compiled once. */
export function defaultGlossary(): CompiledGlossary {
  defaultCompiled ??= compileGlossary(bundledGlossary());
  return defaultCompiled;
}

/** Accepts a glossary object (validated data) or an already compiled one. */
export function loadGlossary(glossary?: Glossary | CompiledGlossary): CompiledGlossary {
  if (!glossary) return defaultGlossary();
  return "literals" in glossary ? glossary : compileGlossary(glossary);
}

// --- ranking -------------------------------------------------------------------------------

interface Candidate {
  rule: CompiledRule;
  tier: number;
  by: MatchedBy;
  kindRestricted: boolean;
}

function better(a: Candidate, b: Candidate | undefined, language: string | undefined): boolean {
  if (!b) return true;
  if (a.tier !== b.tier) return a.tier > b.tier;
  if (a.rule.priority !== b.rule.priority) return a.rule.priority > b.rule.priority;
  if (a.kindRestricted !== b.kindRestricted) return a.kindRestricted;
  const aLang = a.rule.language === language ? 1 : 0;
  const bLang = b.rule.language === language ? 1 : 0;
  if (aLang !== bLang) return aLang > bLang;
  if (a.rule.specificity !== b.rule.specificity) return a.rule.specificity > b.rule.specificity;
  return a.rule.entryIndex < b.rule.entryIndex;
}

const grpcNameToNumber = new Map<string, number>();
grpcCodeNames.forEach((name, i) => grpcNameToNumber.set(name.replace(/_/g, "").toLowerCase(), i));
grpcNameToNumber.set("canceled", 1); // grpc-go spells it Canceled

/** gRPC status as a number 0..16, or -1 when unknown. Accepts 14, "14", "UNAVAILABLE", "Unavailable", "STATUS_CODE_UNAVAILABLE". */
export function grpcCodeNumber(code: number | string | undefined): number {
  if (code === undefined || code === "") return -1;
  if (typeof code === "number") return Number.isInteger(code) && code >= 0 && code <= 16 ? code : -1;
  const trimmed = code.trim();
  if (/^\d{1,2}$/.test(trimmed)) return grpcCodeNumber(Number(trimmed));
  const key = trimmed.replace(/^status_code_/i, "").replace(/_/g, "").toLowerCase();
  return grpcNameToNumber.get(key) ?? -1;
}

function searchText(text: string, glossary: CompiledGlossary, language: string | undefined, best: { c: Candidate | undefined }): void {
  const end = text.length > MATCH_MAX_CHARS ? MATCH_MAX_CHARS : text.length;
  if (end <= glossary.maxEqualsLength + 64) {
    // Whole-message patterns: only short texts can equal one (allowing for surrounding space).
    const equals = glossary.equalsRules.get(text.trim().toLowerCase());
    if (equals) {
      for (const rule of equals) {
        const candidate: Candidate = { rule, tier: TIER.message, by: "message", kindRestricted: false };
        if (better(candidate, best.c, language)) best.c = candidate;
      }
    }
  }
  const rules = glossary.literalRules;
  let tested: Set<number> | undefined;
  let capped: string | undefined;
  glossary.literals.scan(text, end, (id) => {
    const rule = rules[id]!;
    if (rule.regex) {
      // Each regex runs at most once per text even if its anchor occurs many times.
      tested ??= new Set();
      if (tested.has(id)) return;
      tested.add(id);
    }
    const candidate: Candidate = { rule, tier: TIER.message, by: "message", kindRestricted: false };
    if (!better(candidate, best.c, language)) return;
    if (rule.regex) {
      capped ??= end < text.length ? text.slice(0, end) : text;
      if (!rule.regex.test(capped)) return;
    }
    best.c = candidate;
  });
}

function consider(rules: readonly CompiledRule[] | undefined, by: MatchedBy, signal: ErrorSignal, best: { c: Candidate | undefined }): void {
  if (!rules) return;
  for (const rule of rules) {
    if (rule.spanKinds && (!signal.spanKind || !rule.spanKinds.has(signal.spanKind))) continue;
    const candidate: Candidate = { rule, tier: TIER[by], by, kindRestricted: rule.spanKinds !== undefined };
    if (better(candidate, best.c, signal.language)) best.c = candidate;
  }
}

function trimMessage(text: string): string {
  const t = text.trim();
  return truncateText(t, ERROR_MESSAGE_MAX_CHARS);
}

/** The winning rule for an error, or undefined when nothing matches. */
function bestCandidate(signal: ErrorSignal, glossary: CompiledGlossary): Candidate | undefined {
  const best: { c: Candidate | undefined } = { c: undefined };
  const language = signal.language;
  const declared = signal.declaredCode ?? (signal.errorType && glossary.byCode.has(signal.errorType) ? signal.errorType : undefined);
  const declaredEntry = declared ? glossary.byCode.get(declared) : undefined;
  if (declaredEntry && declaredEntry.code !== "UNKNOWN") {
    return { rule: { entryIndex: 0, entry: declaredEntry, language: "any", priority: 0, specificity: 0, pattern: `${ERROR_CODE_ATTRIBUTE}=${declaredEntry.code}` }, tier: TIER.declared_code, by: "declared_code", kindRestricted: false };
  }
  if (signal.message) searchText(signal.message, glossary, language, best);
  if (signal.otherTexts) for (const text of signal.otherTexts) if (text && text !== signal.message) searchText(text, glossary, language, best);
  if (!best.c || best.c.tier < TIER.exception_type) {
    if (signal.exceptionType) consider(glossary.typeRules.get(signal.exceptionType), "exception_type", signal, best);
    if (signal.errorType) consider(glossary.typeRules.get(signal.errorType), "exception_type", signal, best);
  }
  if (!best.c || best.c.tier < TIER.sql_state) {
    if (signal.sqlState) consider(glossary.sqlStateRules.get(signal.sqlState.toUpperCase()), "sql_state", signal, best);
  }
  if (!best.c || best.c.tier < TIER.grpc_code) {
    const grpc = grpcCodeNumber(signal.grpcCode);
    if (grpc > 0) consider(glossary.grpcRules.get(grpc), "grpc_code", signal, best);
    if (signal.httpStatus !== undefined) consider(glossary.httpRules.get(signal.httpStatus), "http_status", signal, best);
    if (signal.logLevel) consider(glossary.logLevelRules.get(signal.logLevel.toLowerCase()), "log_level", signal, best);
  }
  if (!best.c) best.c = keywordCandidate(signal, glossary);
  return best.c;
}

function matchOf(signal: ErrorSignal, glossary: CompiledGlossary, best: Candidate | undefined): GlossaryMatch {
  const entry = best?.rule.entry ?? glossary.unknown;
  const primary = signal.message?.trim() ? signal.message : (signal.otherTexts?.find((t) => t && t.trim()) ?? "");
  const fingerprintSource = primary.trim() ? primary : structuralDescription(signal);
  return {
    code: entry.code,
    retryable: entry.retryable,
    class: entry.class,
    severity: entry.severity,
    fingerprint: errorFingerprint(fingerprintSource),
    message: trimMessage(primary),
    matchedBy: best?.by ?? "none",
  };
}

/**
 * The glossary code for an error. Never throws; an error nothing matches gets UNKNOWN with a
 * fingerprint of its normalized message.
 */
export function matchError(signal: ErrorSignal, glossary: CompiledGlossary = defaultGlossary()): GlossaryMatch {
  return matchOf(signal, glossary, bestCandidate(signal, glossary));
}

/** matchError plus the rule that decided it (the same decision, not a second matcher). */
export function explainMatch(signal: ErrorSignal, glossary: CompiledGlossary = defaultGlossary()): GlossaryExplanation {
  const best = bestCandidate(signal, glossary);
  const match = matchOf(signal, glossary, best);
  return best ? { ...match, rule: { matchedBy: best.by, pattern: best.rule.pattern, language: best.rule.language } } : match;
}

/**
 * The last resort before UNKNOWN: a generic text ("redis timeout", "upstream refused the call")
 * names its failure with a plain word. The primary message is searched first; within a text the
 * keyword nearest the end wins, since wrapped errors read "outer context: inner cause" in Go
 * (fmt.Errorf "%w") and in Rust error chains alike.
 */
function keywordCandidate(signal: ErrorSignal, glossary: CompiledGlossary): Candidate | undefined {
  const pattern = glossary.keywordPattern;
  if (!pattern) return undefined;
  const texts = [signal.message, ...(signal.otherTexts ?? [])];
  for (const text of texts) {
    if (!text) continue;
    const capped = text.length > MATCH_MAX_CHARS ? text.slice(0, MATCH_MAX_CHARS) : text;
    let last: string | undefined;
    for (const hit of capped.matchAll(pattern)) last = hit[0];
    if (last === undefined) continue;
    const rule = glossary.keywordRules.get(last.toLowerCase().replace(/\s+/g, " "));
    if (rule) return { rule, tier: TIER.keyword, by: "keyword", kindRestricted: false };
  }
  return undefined;
}

/** What to fingerprint when an error has no text: the structure that marked it as an error. */
function structuralDescription(signal: ErrorSignal): string {
  const parts: string[] = [];
  if (signal.exceptionType) parts.push(`exception.type=${signal.exceptionType}`);
  if (signal.errorType) parts.push(`error.type=${signal.errorType}`);
  const grpc = grpcCodeNumber(signal.grpcCode);
  if (grpc >= 0) parts.push(`grpc=${grpcCodeNames[grpc]}`);
  if (signal.httpStatus !== undefined) parts.push(`http=${signal.httpStatus}`);
  if (signal.sqlState) parts.push(`sqlstate=${signal.sqlState}`);
  if (signal.logLevel) parts.push(`level=${signal.logLevel.toLowerCase()}`);
  return parts.length ? parts.join(" ") : "(no error text)";
}
