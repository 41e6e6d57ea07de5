// Deterministic insert boundaries across crashes (see migration 0004). In the common case a
// partition's batches follow one another in memory; the journal is read only when a partition is
// (re)assigned, to learn whether its first uncommitted range was planned or stored before a crash.
import type { Store } from "../store/index.js";

export interface JournalEntry {
  firstOffset: bigint;
  lastOffset: bigint;
  state: "Planned" | "Stored";
}

export class BatchJournal {
  constructor(
    private readonly store: Store,
    private readonly group: string,
  ) {}

  /** The newest range recorded for the partition at or after `fromOffset`, if any. */
  async latestFrom(topic: string, partition: number, fromOffset: bigint): Promise<JournalEntry | undefined> {
    const rows = await this.store.query<{ FirstOffset: string; LastOffset: string; State: "Planned" | "Stored" }>(
      `SELECT FirstOffset, LastOffset, State FROM {{db}}.braid_ingest_batches FINAL
       WHERE ConsumerGroup = {group:String} AND Topic = {topic:String} AND Partition = {partition:UInt32}
         AND FirstOffset = {from:UInt64}
       LIMIT 1`,
      { group: this.group, topic, partition, from: fromOffset.toString() },
    );
    const row = rows[0];
    return row && { firstOffset: BigInt(row.FirstOffset), lastOffset: BigInt(row.LastOffset), state: row.State };
  }

  async record(topic: string, partition: number, firstOffset: bigint, lastOffset: bigint, state: "Planned" | "Stored"): Promise<void> {
    await this.store.insert("braid_ingest_batches", [
      {
        ConsumerGroup: this.group,
        Topic: topic,
        Partition: partition,
        FirstOffset: firstOffset.toString(),
        LastOffset: lastOffset.toString(),
        State: state,
      },
    ]);
  }
}

/** The insert_deduplication_token of one range: the same range always gets the same token. */
export function dedupToken(group: string, topic: string, partition: number, firstOffset: bigint, lastOffset: bigint): string {
  return `braid:${group}:${topic}:${partition}:${firstOffset}-${lastOffset}`;
}
