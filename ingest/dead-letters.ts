// The dead-letter topic: the original key and bytes, plus headers that say where the message came
// from and why it could not be stored, so it can be inspected, fixed and replayed.
import type { Message, Producer } from "kafkajs";
import type { DeadLetter } from "./batch.js";

export const deadLetterHeaders = {
  topic: "braid.dlq.source.topic",
  partition: "braid.dlq.source.partition",
  offset: "braid.dlq.source.offset",
  code: "braid.dlq.error.code",
  reason: "braid.dlq.error.reason",
  group: "braid.dlq.consumer.group",
  at: "braid.dlq.at",
} as const;

export function deadLetterRecord(letter: DeadLetter, group: string, now = new Date()): Message {
  return {
    key: letter.message.key,
    value: letter.message.value ?? Buffer.alloc(0),
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

/** Produces dead letters with acks from all in-sync replicas; resolves once Kafka has them. */
export async function sendDeadLetters(producer: Producer, topic: string, letters: readonly DeadLetter[], group: string): Promise<void> {
  if (letters.length === 0) return;
  await producer.send({ topic, acks: -1, messages: letters.map((letter) => deadLetterRecord(letter, group)) });
}
