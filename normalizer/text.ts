// Strings as the store can carry them. A JS string decoded from OTLP may hold lone UTF-16
// surrogates: protobufjs decodes invalid UTF-8 byte sequences (e.g. CESU-8 "ED A0 80") into them,
// and OTLP/JSON may spell them as "\ud800" escapes. JSON.stringify writes them as escapes that
// ClickHouse rejects ("missing second part of surrogate pair"), so every string from a payload is
// made well-formed here: each lone surrogate becomes U+FFFD, as a UTF-8 decoder does with an
// invalid sequence. Everything else, NUL and control characters included, is kept.

declare global {
  // ES2024 (Node ≥ 20), not in the ES2023 lib this project compiles against.
  interface String {
    isWellFormed(): boolean;
    toWellFormed(): string;
  }
}

/** The string with lone surrogates replaced by U+FFFD (the same string when there are none). */
export function wellFormed(value: string): string {
  return value.isWellFormed() ? value : value.toWellFormed();
}

/** A payload field that should be a string: the (well-formed) string, or '' for anything else. */
export function textField(value: unknown): string {
  return typeof value === "string" ? wellFormed(value) : "";
}

/** The first `maxUnits` UTF-16 code units of the string, one fewer if the cut would split a surrogate pair. */
export function truncateText(value: string, maxUnits: number): string {
  if (value.length <= maxUnits) return value;
  let end = Math.max(0, maxUnits);
  const last = value.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end--;
  return value.slice(0, end);
}
