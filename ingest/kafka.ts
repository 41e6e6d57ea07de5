// kafkajs client construction, with kafkajs' own log lines routed through pino.
import { Kafka, logLevel, type LogEntry } from "kafkajs";
import type { Logger } from "pino";

export function createKafka(options: { brokers: string[]; clientId: string; logger: Logger }): Kafka {
  const kafkaLogger = options.logger.child({ component: "kafkajs" });
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 200, retries: 10, maxRetryTime: 10_000 },
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...extra } = log;
        if (level <= logLevel.ERROR) kafkaLogger.error(extra, message);
        else if (level === logLevel.WARN) kafkaLogger.warn(extra, message);
        else kafkaLogger.debug(extra, message);
      },
  });
}

/** Creates the topics that do not exist yet; existing ones are left as they are. */
export async function ensureTopics(kafka: Kafka, topics: string[], partitions: number, replicationFactor: number): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [...new Set(topics)].filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor })),
      });
    }
    return missing;
  } finally {
    await admin.disconnect();
  }
}
