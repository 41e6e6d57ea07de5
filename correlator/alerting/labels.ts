// Alert labels: the fingerprint Prometheus and Alertmanager give a label set (FNV-1a 64 over the
// sorted names and values, 0xff-separated, as 16 hex digits), so receivers that key on it agree.
export type Labels = Record<string, string>;

const encoder = new TextEncoder();
const two32 = 2 ** 32;

/** FNV-1a 64 in two 32-bit halves (BigInt per byte is ~20× slower; this runs for every alert of every tick). */
export function fingerprint(labels: Labels): string {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  const add = (byte: number) => {
    lo = (lo ^ byte) >>> 0;
    // × 0x100000001b3 = × 0x1b3 + × 2^40, modulo 2^64.
    const low = lo * 0x1b3;
    const carry = Math.floor(low / two32);
    hi = (hi * 0x1b3 + carry + ((lo * 256) % two32)) % two32;
    lo = low % two32;
  };
  for (const name of Object.keys(labels).sort()) {
    for (const byte of encoder.encode(name)) add(byte);
    add(0xff);
    for (const byte of encoder.encode(labels[name]!)) add(byte);
    add(0xff);
  }
  return hi.toString(16).padStart(8, "0") + lo.toString(16).padStart(8, "0");
}

/** The same labels with names sorted, so two equal sets serialize the same. */
export function sortedLabels(labels: Labels): Labels {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Alertmanager's rendering of a label set: {a="1", b="2"}. */
export function labelSetString(labels: Labels): string {
  return `{${Object.keys(labels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(labels[name])}`)
    .join(", ")}}`;
}
