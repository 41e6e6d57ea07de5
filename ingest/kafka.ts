// kafkajs client construction, with kafkajs' own log lines routed through pino at the level an
// operator should see them at (kafka-logs.ts).
import { Kafka, logLevel, type LogEntry } from "kafkajs";
import type { Logger } from "pino";
import { registerCompressionCodecs } from "./compression.js";
import { operatorLevel } from "./kafka-logs.js";
import type { KafkaSecurity } from "./kafka-security.js";

export function createKafka(options: { brokers: string[]; clientId: string; logger: Logger; security?: KafkaSecurity }): Kafka {
  registerCompressionCodecs();
  const kafkaLogger = options.logger.child({ component: "kafkajs" });
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    // TLS and SASL (ingest/kafka-security.ts), when configured.
    ...options.security,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 200, retries: 10, maxRetryTime: 10_000 },
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, timestamp: _timestamp, logger: _logger, ...extra } = log as LogEntry["log"] & { logger?: string };
        const kafkajsLevel = level <= logLevel.ERROR ? "error" : level === logLevel.WARN ? "warn" : level === logLevel.INFO ? "info" : "debug";
        const { level: shown, context } = operatorLevel(kafkajsLevel, message, extra);
        kafkaLogger[shown](context ? { ...extra, ...context } : extra, message);
      },
  });
}

/**
 * Creates the topics that do not exist yet (existing ones are left as they are) and waits until
 * every partition of them has a leader. kafkajs' own waitForLeaders gives up on the
 * UNKNOWN_TOPIC_OR_PARTITION a KRaft broker answers while the new topic's metadata propagates, so
 * the wait is done here, by polling the metadata.
 */
export async function ensureTopics(kafka: Kafka, topics: string[], partitions: number, replicationFactor: number, timeoutMs = 30_000): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [...new Set(topics)].filter((topic) => !existing.has(topic));
    if (missing.length === 0) return missing;
    // false when another process created them first: fine.
    await admin.createTopics({ waitForLeaders: false, topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor })) });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const { topics: described } = await admin.fetchTopicMetadata({ topics: missing });
        if (described.length === missing.length && described.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return missing;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
      if (Date.now() > deadline) throw new Error(`topics ${missing.join(", ")} have no leader after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await admin.disconnect();
  }
}
