// Reading a bounded range of one Kafka partition: what `braid replay` re-ingests and what
// `braid check --kafka-topic` samples. kafkajs has no plain fetch API, so a consumer of a throw-away
// group (never committed, deleted afterwards) is seeked to the first offset of each partition and
// stopped when every partition has reached its last offset.
import { randomUUID } from "node:crypto";
import type { Admin, Kafka, KafkaMessage } from "kafkajs";
import { headersToStrings, type IngestMessage } from "../../ingest/index.js";

export interface PartitionRange {
  partition: number;
  /** First offset read (inclusive). */
  from: bigint;
  /** Last offset read (inclusive). */
  to: bigint;
}

export interface PartitionOffsets {
  partition: number;
  /** The earliest offset still retained. */
  low: bigint;
  /** The offset the next message will get (one past the last). */
  high: bigint;
}

export async function partitionOffsets(admin: Admin, topic: string): Promise<PartitionOffsets[]> {
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) throw new Error(`topic ${topic} does not exist`);
  return (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, low: BigInt(p.low), high: BigInt(p.high) })).sort((a, b) => a.partition - b.partition);
}

/** The first offset of each partition whose timestamp is at or after `timeMs` (the high watermark when none is). */
export async function offsetsAtTime(admin: Admin, topic: string, timeMs: number): Promise<Map<number, bigint>> {
  const offsets = await admin.fetchTopicOffsetsByTimestamp(topic, timeMs);
  return new Map(offsets.map((p) => [p.partition, BigInt(p.offset)]));
}

export function toIngestMessage(topic: string, partition: number, message: KafkaMessage): IngestMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key,
    value: message.value,
    headers: headersToStrings(message.headers as Record<string, unknown> | undefined),
    timestamp: message.timestamp,
  };
}

/** Commits `offset` for a partition of the reader's group, with metadata (the replay journal). */
export type CommitOffset = (partition: number, offset: bigint, metadata: string) => Promise<void>;

export interface ReadRangeOptions {
  /** Called in offset order per partition, one fetched batch at a time; awaited before the next. */
  onMessages(partition: number, messages: IngestMessage[], commit: CommitOffset): Promise<void> | void;
  /** A group to read in (and commit to) that outlives the read; default: a throw-away group, deleted after. */
  groupId?: string;
  /** Gives up when no message arrives for this long (a range past the retained data). */
  idleTimeoutMs?: number;
  /** Bytes per partition fetch. */
  maxBytesPerPartition?: number;
}

/** Reads every message with from <= offset <= to of each range (empty ranges are skipped). */
export async function readRanges(kafka: Kafka, topic: string, ranges: readonly PartitionRange[], options: ReadRangeOptions): Promise<void> {
  const pending = new Map(ranges.filter((r) => r.to >= r.from).map((r) => [r.partition, r]));
  if (pending.size === 0) return;
  const groupId = options.groupId ?? `braid-cli-reader-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250, maxBytesPerPartition: options.maxBytesPerPartition ?? 4 * 1024 * 1024, allowAutoTopicCreation: false });
  await consumer.connect();
  let failure: unknown;
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: false });
    let finish: () => void = () => {};
    let fail: (err: unknown) => void = () => {};
    const done = new Promise<void>((resolve, reject) => ((finish = resolve), (fail = reject)));
    let lastProgress = Date.now();
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary }) => {
        const range = pending.get(batch.partition);
        if (!range) return;
        const wanted = batch.messages.filter((m) => BigInt(m.offset) >= range.from && BigInt(m.offset) <= range.to);
        lastProgress = Date.now();
        try {
          const commit: CommitOffset = (partition, offset, metadata) => {
            // kafkajs sends the metadata though its types omit it (ingest's range plans rely on it too).
            const offsets = { topics: [{ topic, partitions: [{ partition, offset: offset.toString(), metadata }] }] };
            return commitOffsetsIfNecessary(offsets);
          };
          if (wanted.length) await options.onMessages(batch.partition, wanted.map((m) => toIngestMessage(topic, batch.partition, m)), commit);
        } catch (err) {
          fail(err);
          return;
        }
        const last = batch.messages[batch.messages.length - 1];
        if (last) resolveOffset(last.offset);
        await heartbeat();
        // Compacted or transactional topics can skip offsets: reaching past `to` ends the range too.
        if (last && BigInt(last.offset) >= range.to) {
          pending.delete(batch.partition);
          consumer.pause([{ topic, partitions: [batch.partition] }]);
          if (pending.size === 0) finish();
        } else if (BigInt(batch.highWatermark) - 1n < range.to && last && BigInt(last.offset) >= BigInt(batch.highWatermark) - 1n) {
          // The partition ends before `to`: nothing more will come.
          pending.delete(batch.partition);
          consumer.pause([{ topic, partitions: [batch.partition] }]);
          if (pending.size === 0) finish();
        }
      },
    });
    for (const range of pending.values()) consumer.seek({ topic, partition: range.partition, offset: range.from.toString() });
    const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
    const idle = setInterval(() => {
      if (Date.now() - lastProgress > idleTimeoutMs) fail(new Error(`no message from ${topic} for ${idleTimeoutMs / 1000} s; still waiting for partitions ${[...pending.keys()].join(", ")}`));
    }, 1000);
    try {
      await done;
    } finally {
      clearInterval(idle);
    }
  } catch (err) {
    failure = err;
  } finally {
    await consumer.disconnect().catch(() => {});
    if (!options.groupId) {
      const admin = kafka.admin();
      await admin.connect().catch(() => {});
      await admin.deleteGroups([groupId]).catch(() => {});
      await admin.disconnect().catch(() => {});
    }
  }
  if (failure) throw failure;
}
