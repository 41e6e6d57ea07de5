// Stable fingerprints of error messages: the same kind of error gets the same fingerprint whatever
// address, id, number or path it names, so UNKNOWN errors can be counted per kind and promoted into
// the glossary. Pure and allocation-light: one precompiled regex pass plus a 64-bit FNV-1a hash.

/** Longest prefix of a message that is fingerprinted; stack dumps beyond it add nothing stable. */
export const FINGERPRINT_MAX_CHARS = 1024;

// Order matters: earlier alternatives win at the same position (a URL before the path inside it,
// a UUID before the hex run inside it, an IP:port before its numbers).
const variablePart = new RegExp(
  [
    /(?<url>\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>)]+)/.source,
    /(?<uuid>\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b)/.source,
    /(?<ipv6>\[[0-9a-f:.]*:[0-9a-f:.]*\](?::\d+)?)/.source,
    /(?<ipv4>\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b)/.source,
    /(?<email>\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b)/.source,
    /(?<hex>\b0x[0-9a-f]+\b|\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b)/.source,
    /(?<path>(?:[a-z]:)?(?:[\\/][\w.@-]+){2,}[\\/]?|\b[\w.-]+(?:\/[\w.-]+)+\.(?:go|rs|py|java|js|ts)\b)/.source,
    /(?<quoted>"(?:[^"\\]|\\.){0,200}"|'[^'\n]{1,200}')/.source,
    /(?<time>\b\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:z|[+-]\d{2}:?\d{2})?)/.source,
    /(?<number>\d+(?:\.\d+)?)/.source,
  ].join("|"),
  "g",
);

// Positional parameters (one per named group, in order) avoid allocating a groups object per match.
function placeholder(match: string, url?: string, uuid?: string, ipv6?: string, ipv4?: string, email?: string, hex?: string, path?: string, quoted?: string, time?: string): string {
  if (url !== undefined) return "<url>";
  if (uuid !== undefined) return "<uuid>";
  if (ipv6 !== undefined || ipv4 !== undefined) return "<addr>";
  if (email !== undefined) return "<email>";
  if (hex !== undefined) return "<hex>";
  if (path !== undefined) return "<path>";
  if (quoted !== undefined) return match[0] + "…" + match[0];
  if (time !== undefined) return "<time>";
  return "<n>";
}

// Lines that only carry a dump (Go goroutine stacks, Rust backtrace hints) are cut before hashing.
const dumpStart = /\n(?:goroutine \d+ \[|stack backtrace:|note: run with `RUST_BACKTRACE)/;

/**
 * The message with variable parts replaced by placeholders, lowercased, whitespace collapsed:
 * `dial tcp 10.0.0.5:5432: connect: connection refused` → `dial tcp <addr>: connect: connection refused`.
 */
export function normalizeErrorMessage(message: string): string {
  let text = message.length > FINGERPRINT_MAX_CHARS * 4 ? message.slice(0, FINGERPRINT_MAX_CHARS * 4) : message;
  const dump = dumpStart.exec(text);
  if (dump) text = text.slice(0, dump.index);
  // Only tokens with a digit, a slash or quotes can hold a variable part: the detailed patterns
  // run on those tokens alone, so plain words cost one cheap scan.
  text = text.toLowerCase().replace(candidateToken, variableToken);
  text = text.replace(/\s+/g, " ").trim();
  return text.length > FINGERPRINT_MAX_CHARS ? text.slice(0, FINGERPRINT_MAX_CHARS) : text;
}

const candidateToken = /"(?:[^"\\\n]|\\.){0,200}"|'[^'\n]{1,200}'|[^\s"'<>(),;]*[\d\/\\][^\s"'<>(),;]*/g;

const digitsOnly = /^\d+$/;

function variableToken(token: string): string {
  if (digitsOnly.test(token)) return "<n>";
  const first = token.charCodeAt(0);
  if (first === 34 /* " */ || first === 39 /* ' */) return token[0] + "…" + token[0];
  return token.replace(variablePart, placeholder);
}

/** 64-bit FNV-1a over UTF-16 code units, as 16 lowercase hex characters. */
export function fnv1a64Hex(text: string): string {
  // Two 32-bit halves with Math.imul keep this exact without BigInt.
  let h0 = 0x2325,
    h1 = 0x8422,
    h2 = 0x9ce4,
    h3 = 0xcbf2; // offset basis 0xcbf29ce484222325 in 16-bit limbs, low first
  for (let i = 0; i < text.length; i++) {
    h0 ^= text.charCodeAt(i) & 0xff;
    let t0 = h0 * 0x1b3,
      t1 = h1 * 0x1b3,
      t2 = h2 * 0x1b3,
      t3 = h3 * 0x1b3;
    // prime 0x100000001b3: multiply by 0x1b3 and add (h << 40)
    t2 += h0 << 8;
    t3 += h1 << 8;
    t1 += t0 >>> 16;
    h0 = t0 & 0xffff;
    t2 += t1 >>> 16;
    h1 = t1 & 0xffff;
    h3 = (t3 + (t2 >>> 16)) & 0xffff;
    h2 = t2 & 0xffff;
    const high = text.charCodeAt(i) >>> 8;
    if (high !== 0) {
      h0 ^= high;
      t0 = h0 * 0x1b3;
      t1 = h1 * 0x1b3;
      t2 = h2 * 0x1b3 + (h0 << 8);
      t3 = h3 * 0x1b3 + (h1 << 8);
      t1 += t0 >>> 16;
      h0 = t0 & 0xffff;
      t2 += t1 >>> 16;
      h1 = t1 & 0xffff;
      h3 = (t3 + (t2 >>> 16)) & 0xffff;
      h2 = t2 & 0xffff;
    }
  }
  return hex16(h3) + hex16(h2) + hex16(h1) + hex16(h0);
}

function hex16(n: number): string {
  return n.toString(16).padStart(4, "0");
}

// During an incident the same messages repeat thousands of times a second: remember recent
// fingerprints (bounded; cleared when full). Same output with or without it.
const CACHE_MAX_ENTRIES = 8192;
const CACHE_MAX_KEY_CHARS = 512;
const recent = new Map<string, string>();

/** Fingerprint of an error message: FNV-1a 64 of its normalized form. */
export function errorFingerprint(message: string): string {
  if (message.length > CACHE_MAX_KEY_CHARS) return fnv1a64Hex(normalizeErrorMessage(message));
  let fingerprint = recent.get(message);
  if (fingerprint === undefined) {
    fingerprint = fnv1a64Hex(normalizeErrorMessage(message));
    if (recent.size >= CACHE_MAX_ENTRIES) recent.clear();
    recent.set(message, fingerprint);
  }
  return fingerprint;
}
