// Alert labels: the fingerprint Prometheus and Alertmanager give a label set (FNV-1a 64 over the
// sorted names and values, 0xff-separated, as 16 hex digits), so receivers that key on it agree.
export type Labels = Record<string, string>;

const fnvOffset = 0xcbf29ce484222325n;
const fnvPrime = 0x100000001b3n;
const mask = 0xffffffffffffffffn;
const encoder = new TextEncoder();

export function fingerprint(labels: Labels): string {
  let hash = fnvOffset;
  const add = (bytes: Uint8Array) => {
    for (const byte of bytes) hash = ((hash ^ BigInt(byte)) * fnvPrime) & mask;
  };
  const separator = new Uint8Array([0xff]);
  for (const name of Object.keys(labels).sort()) {
    add(encoder.encode(name));
    add(separator);
    add(encoder.encode(labels[name]!));
    add(separator);
  }
  return hash.toString(16).padStart(16, "0");
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
