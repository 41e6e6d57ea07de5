// Variable parts of span names and attribute values (ids, UUIDs, hashes, addresses, query strings),
// replaced by placeholders, so names and values that differ only by an id fall into one template.
// Written here rather than reusing normalizer/fingerprint.ts: error fingerprints fold every path
// and number into a placeholder, while a span name like "GET /api/v2/orders" must stay as it is.

export interface Template {
  /** The text with variable parts replaced ({uuid}, {hex}, {n}, {id}, {email}, {ip}, ?{query}). */
  template: string;
  /** True when a part is an id by its shape alone (UUID, long hex, long number, e-mail, query string). */
  strong: boolean;
  /** True when anything was replaced. */
  variable: boolean;
}

const parts: [RegExp, string, boolean][] = [
  [/\?[^\s#]*/g, "?{query}", true],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "{uuid}", true],
  [/\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/g, "{email}", true],
  // An address names a peer, which is bounded; it is variable, not an id.
  [/\b\d{1,3}(?:\.\d{1,3}){3}\b/g, "{ip}", false],
  // A hash or hex id: 16+ hex characters, or 8+ that mix digits and letters.
  [/\b(?:[0-9a-f]{16,}|(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,15})\b/gi, "{hex}", true],
  // A word made of letters and a long number: cart-123-456, user_12345, order12345 (not x509, sha256).
  [/\b(?:[a-z]+[-_]\d{3,}|[a-z]+\d{5,})(?:[-_]\d+)*\b/gi, "{id}", true],
  [/\b\d{4,}\b/g, "{n}", true],
  // A short number standing alone as a path segment or word: /orders/7, "page 2".
  [/(?<=\/|\s|^|=)\d{1,3}(?=\/|\s|$|&)/g, "{n}", false],
];

export function templateOf(text: string): Template {
  let template = text;
  let strong = false;
  let variable = false;
  for (const [pattern, placeholder, isStrong] of parts) {
    const replaced = template.replace(pattern, placeholder);
    if (replaced !== template) {
      variable = true;
      strong ||= isStrong;
      template = replaced;
    }
  }
  return { template, strong, variable };
}

/** A full URL (scheme://…) : on a metric, an unbounded value by nature. */
export function isUrl(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/\S+/i.test(value);
}
