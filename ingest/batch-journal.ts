// Deterministic insert boundaries across crashes and rebalances (see migration 0004). Every range
// of offsets is recorded Planned before its insert and Stored after it. While a process owns a
// partition and commits range after range, the journal is only written; it is read when a batch
// does not start where this process last committed (after an assignment, a crash, an abandoned
// batch), to learn whether the range starting there was already planned or stored.
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

  /** The range recorded for the partition that starts at `firstOffset`, if any (its newest state). */
  async at(topic: string, partition: number, firstOffset: bigint): Promise<JournalEntry | undefined> {
    // Once Stored, a range is never planned again, so a Stored row wins over any Planned one (no
    // FINAL needed, and no reliance on RecordedAt ordering two writes of the same millisecond).
    const rows = await this.store.query<{ FirstOffset: string; LastOffset: string; State: "Planned" | "Stored" }>(
      `SELECT FirstOffset, LastOffset, State FROM {{db}}.braid_ingest_batches
       WHERE ConsumerGroup = {group:String} AND Topic = {topic:String} AND Partition = {partition:UInt32}
         AND FirstOffset = {from:UInt64}
       ORDER BY State DESC, RecordedAt DESC
       LIMIT 1`,
      { group: this.group, topic, partition, from: firstOffset.toString() },
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
