// The dead-letter topic: the original key and bytes, plus headers that say where the message came
// from and why it could not be stored, so it can be inspected, fixed and replayed.
import type { CompressionTypes, Message, Producer } from "kafkajs";
import type { DeadLetter } from "./batch.js";

export const deadLetterHeaders = {
  topic: "braid.dlq.source.topic",
  partition: "braid.dlq.source.partition",
  offset: "braid.dlq.source.offset",
  code: "braid.dlq.error.code",
  reason: "braid.dlq.error.reason",
  group: "braid.dlq.consumer.group",
  at: "braid.dlq.at",
  /** Present when the value was cut to fit the DLQ topic: the original size in bytes. */
  truncated: "braid.dlq.value.truncated",
} as const;

export function deadLetterRecord(letter: DeadLetter, group: string, now = new Date()): Message {
  return {
    key: letter.message.key,
    value: letter.message.value ?? Buffer.alloc(0),
    timestamp: letter.message.timestamp,
    headers: {
      ...letter.message.headers,
      [deadLetterHeaders.topic]: letter.message.topic,
      [deadLetterHeaders.partition]: String(letter.message.partition),
      [deadLetterHeaders.offset]: letter.message.offset,
      [deadLetterHeaders.code]: letter.code,
      [deadLetterHeaders.reason]: letter.reason.slice(0, 2000),
      [deadLetterHeaders.group]: group,
      [deadLetterHeaders.at]: now.toISOString(),
    },
  };
}

/** Where dead letters go; resolves once they are durable. */
export interface DeadLetterSink {
  send(letters: readonly DeadLetter[]): Promise<void>;
}

/** kafkajs sends one record batch per partition and call; brokers refuse batches above message.max.bytes (1 MiB by default). */
const maxSendBytes = 512 * 1024;
/** What is kept of a value the DLQ topic refuses as too large (the headers say how large it was). */
export const truncatedValueBytes = 64 * 1024;

const recordBytes = (record: Message) => (record.value as Buffer | null)?.length ?? 0;

/**
 * Produces dead letters with acks from all in-sync replicas; resolves once Kafka has them. Sends are
 * split so no record batch exceeds the broker's limit; a single message the DLQ topic still refuses
 * as too large (the source topic may allow larger ones) is sent with its first 64 KiB and the header
 * braid.dlq.value.truncated = its original size, rather than blocking the partition forever.
 */
export function kafkaDeadLetterSink(producer: Producer, topic: string, group: string, compression?: CompressionTypes): DeadLetterSink {
  const send = (messages: Message[]) => producer.send({ topic, acks: -1, compression, messages });
  return {
    async send(letters) {
      const records = letters.map((letter) => deadLetterRecord(letter, group));
      let chunk: Message[] = [];
      let bytes = 0;
      const flush = async () => {
        if (chunk.length === 0) return;
        const messages = chunk;
        chunk = [];
        bytes = 0;
        try {
          await send(messages);
        } catch (err) {
          if (messages.length !== 1 || !isTooLarge(err)) throw err;
          const [record] = messages as [Message];
          const value = record.value as Buffer;
          await send([{ ...record, value: value.subarray(0, truncatedValueBytes), headers: { ...record.headers, [deadLetterHeaders.truncated]: String(value.length) } }]);
        }
      };
      for (const record of records) {
        if (chunk.length > 0 && bytes + recordBytes(record) > maxSendBytes) await flush();
        chunk.push(record);
        bytes += recordBytes(record);
      }
      await flush();
    },
  };
}

function isTooLarge(err: unknown): boolean {
  for (let e = err as { type?: string; message?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.type === "MESSAGE_TOO_LARGE" || e.type === "RECORD_LIST_TOO_LARGE" || /too large/i.test(e.message ?? "")) return true;
  }
  return false;
}
