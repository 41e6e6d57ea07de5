// Which offset ranges of a partition `braid replay` has already stored, kept where ingest keeps its
// range plans: in Kafka, as the commit metadata of a consumer group of its own
// (`<ingest group>.replay`, one per store). A replay splits its range into segments: the parts
// already in the journal are skipped; the gaps are cut at multiples of the chunk size, inserted
// with a token of their own bounds, and recorded after each insert. So running a replay again, or
// a replay that overlaps an earlier one (`--to latest` run twice as the topic grows), inserts only
// what was not stored, and a crash between an insert and its record inserts the same segment with
// the same token, which ClickHouse drops.
export interface Segment {
  first: bigint;
  last: bigint;
}

const prefix = "braid.replay.v1:";
/** Kafka's default offset.metadata.max.bytes is 4096. */
export const maxJournalChars = 4000;

export function parseJournal(metadata: string | null | undefined): Segment[] {
  if (!metadata?.startsWith(prefix)) return [];
  const segments: Segment[] = [];
  for (const part of metadata.slice(prefix.length).split(",")) {
    const m = /^(\d+)-(\d+)$/.exec(part);
    if (m && BigInt(m[2]!) >= BigInt(m[1]!)) segments.push({ first: BigInt(m[1]!), last: BigInt(m[2]!) });
  }
  return segments;
}

/**
 * The journal as commit metadata. Adjacent segments are kept apart (each is one token). When it no
 * longer fits, the oldest segments are dropped: by then ClickHouse has forgotten their tokens too
 * (non_replicated_deduplication_window), so a replay over them inserts them again (documented).
 */
export function formatJournal(segments: readonly Segment[]): string {
  let kept = [...segments];
  const text = () => prefix + kept.map((s) => `${s.first}-${s.last}`).join(",");
  while (kept.length > 1 && text().length > maxJournalChars) kept = kept.slice(1);
  return text();
}

/**
 * The segments to insert for [first, last], given the journal, cut at multiples of `chunk`. With
 * `reinsert`, the recorded segments the range touches are inserted again, whole (their own bounds,
 * so their own tokens), instead of being skipped: ClickHouse drops what it still has.
 */
export function planSegments(first: bigint, last: bigint, journal: readonly Segment[], chunk: bigint, options: { reinsert?: boolean } = {}): { segments: Segment[]; alreadyStored: bigint } {
  const known = [...journal].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const segments: Segment[] = [];
  let alreadyStored = 0n;
  let at = first;
  const addGap = (from: bigint, to: bigint) => {
    let start = from;
    while (start <= to) {
      const chunkEnd = (start / chunk) * chunk + chunk - 1n;
      const end = chunkEnd < to ? chunkEnd : to;
      segments.push({ first: start, last: end });
      start = end + 1n;
    }
  };
  for (const segment of known) {
    if (segment.last < at) continue;
    if (segment.first > last) break;
    if (segment.first > at) addGap(at, segment.first - 1n);
    const overlapFrom = segment.first > at ? segment.first : at;
    const overlapTo = segment.last < last ? segment.last : last;
    if (options.reinsert) segments.push(segment);
    else if (overlapTo >= overlapFrom) alreadyStored += overlapTo - overlapFrom + 1n;
    at = segment.last + 1n;
    if (at > last) break;
  }
  if (at <= last) addGap(at, last);
  return { segments, alreadyStored };
}
