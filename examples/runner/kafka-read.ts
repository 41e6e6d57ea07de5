// Reads back what a run put on Kafka: high watermarks before and after, then every message
// in between (kafkajs, a throw-away consumer group that seeks each partition). Used by the
// emitter tests and scripts/capture-fixtures.ts.
import { randomUUID } from "node:crypto";
import { Kafka, logLevel, type KafkaMessage } from "kafkajs";

/** topic -> partition -> offset (the next offset to be written). */
export type Watermarks = Record<string, Record<number, number>>;

function client(brokers: string[]): Kafka {
  return new Kafka({ clientId: "braid-emitter-reader", brokers, logLevel: logLevel.NOTHING, retry: { retries: 3 } });
}

export async function watermarks(brokers: string[], topics: string[]): Promise<Watermarks> {
  const admin = client(brokers).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const result: Watermarks = {};
    for (const topic of topics) {
      result[topic] = {};
      if (!existing.has(topic)) continue;
      for (const p of await admin.fetchTopicOffsets(topic)) result[topic]![p.partition] = Number(p.high);
    }
    return result;
  } finally {
    await admin.disconnect();
  }
}

export interface ReadMessage {
  topic: string;
  partition: number;
  offset: number;
  value: Buffer;
  headers: KafkaMessage["headers"];
}

/** Every message with from <= offset < to, per topic, in partition/offset order. */
export async function readBetween(brokers: string[], from: Watermarks, to: Watermarks, timeoutMs = 60_000): Promise<Record<string, ReadMessage[]>> {
  const topics = Object.keys(to);
  const result: Record<string, ReadMessage[]> = Object.fromEntries(topics.map((t) => [t, []]));
  const pending = new Set<string>();
  for (const topic of topics) {
    for (const [partition, end] of Object.entries(to[topic]!)) {
      if (end > (from[topic]?.[Number(partition)] ?? 0)) pending.add(`${topic}/${partition}`);
    }
  }
  if (pending.size === 0) return result;
  const kafka = client(brokers);
  const groupId = `braid-emitter-reader-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: topics.filter((t) => Object.keys(to[t]!).length > 0), fromBeginning: false });
    let finish: () => void = () => {};
    const done = new Promise<void>((resolve) => (finish = resolve));
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const offset = Number(message.offset);
        const start = from[topic]?.[partition] ?? 0;
        const end = to[topic]?.[partition] ?? 0;
        if (offset >= start && offset < end && message.value) {
          result[topic]!.push({ topic, partition, offset, value: message.value, headers: message.headers });
        }
        if (offset + 1 >= end && pending.delete(`${topic}/${partition}`) && pending.size === 0) finish();
      },
    });
    for (const topic of topics) {
      for (const partition of Object.keys(to[topic]!)) {
        consumer.seek({ topic, partition: Number(partition), offset: String(from[topic]?.[Number(partition)] ?? 0) });
      }
    }
    const timedOut = new Promise<void>((_, reject) =>
      setTimeout(() => reject(new Error(`read from Kafka timed out; still waiting for ${[...pending].join(", ")}`)), timeoutMs).unref(),
    );
    await Promise.race([done, timedOut]);
  } finally {
    await consumer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([groupId]).catch(() => {});
    await admin.disconnect();
  }
  for (const topic of topics) result[topic]!.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  return result;
}
