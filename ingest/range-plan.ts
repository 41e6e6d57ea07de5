// Deterministic insert ranges across crashes and rebalances, kept in Kafka itself.
//
// Before a range of offsets first..last is inserted, ingest commits the partition's offset `first`
// (where it already stands) with the commit metadata "braid.plan.v1:first-last". After the range
// is stored and its dead letters are in Kafka, it commits last+1 with no metadata. So whoever
// consumes the partition next (this process after a restart, or another member after a rebalance)
// reads the committed offset and its metadata and knows whether the range starting there was
// planned: if so it inserts exactly that range again, with the same insert_deduplication_token, and
// ClickHouse drops whatever had already landed (non_replicated_deduplication_window). Committed
// metadata is part of the group's offsets (replicated in __consumer_offsets, offset.metadata.max.bytes
// 4096 by default), costs one small commit per range, and no write to the store.
//
// This is the state machine of ClickHouse's Kafka Connect sink in exactly-once mode (ranges with
// before/after-processing state, replayed with the same deduplication token), with Kafka's offset
// metadata as the state store instead of a KeeperMap table.

export interface PlannedRange {
  firstOffset: bigint;
  lastOffset: bigint;
}

const prefix = "braid.plan.v1:";

/** The commit metadata that records a planned range. */
export function planMetadata(firstOffset: bigint, lastOffset: bigint): string {
  return `${prefix}${firstOffset}-${lastOffset}`;
}

/** The planned range recorded in commit metadata, if it records one. */
export function parsePlan(metadata: string | null | undefined): PlannedRange | undefined {
  if (!metadata?.startsWith(prefix)) return undefined;
  const match = /^(\d+)-(\d+)$/.exec(metadata.slice(prefix.length));
  if (!match) return undefined;
  const range = { firstOffset: BigInt(match[1]!), lastOffset: BigInt(match[2]!) };
  return range.lastOffset >= range.firstOffset ? range : undefined;
}

/** The insert_deduplication_token of one range: the same range always gets the same token. */
export function dedupToken(group: string, topic: string, partition: number, firstOffset: bigint, lastOffset: bigint): string {
  return `braid:${group}:${topic}:${partition}:${firstOffset}-${lastOffset}`;
}
