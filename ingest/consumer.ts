// The ingest role: a kafkajs consumer group over the signal topics. Per partition batch:
//   journal Planned → insert each table (dedup token) → dead letters → journal Stored → commit.
// Offsets are committed only after everything up to them is stored or dead-lettered. While the
// store is failing, the batch retries with capped backoff and the partition fetches nothing more
// (bounded memory); on shutdown or rebalance the batch is abandoned uncommitted and replayed.
import type { Tracer } from "@opentelemetry/api";
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from "kafkajs";
import type { Logger } from "pino";
import type { BraidConfig } from "../schemas/config.js";
import type { Store } from "../store/index.js";
import { newNormalizeStats } from "../normalizer/index.js";
import { inSpan } from "../runtime/telemetry.js";
import { processBatch, type BatchOptions } from "./batch.js";
import { BatchJournal, dedupToken } from "./batch-journal.js";
import { sendDeadLetters } from "./dead-letters.js";
import { ensureTopics } from "./kafka.js";
import { headersToStrings, type IngestMessage } from "./message.js";
import { drainNormalizeStats, type IngestMetrics } from "./metrics.js";
import { BatchAbandoned, retryUntilDone, type RetryControl } from "./retry.js";
import { topicRoutes } from "./routing.js";

export interface IngestDeps {
  config: BraidConfig;
  kafka: Kafka;
  store: Store;
  logger: Logger;
  tracer: Tracer;
  metrics: IngestMetrics;
}

export interface IngestHandle {
  /** Finishes or abandons the in-flight batches, commits what is stored, leaves the group. */
  stop(): Promise<void>;
  /** True once the consumer has joined its group. */
  isReady(): boolean;
}

function toIngestMessage(topic: string, partition: number, message: KafkaMessage): IngestMessage {
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

export async function startIngest(deps: IngestDeps): Promise<IngestHandle> {
  const { config, kafka, store, logger, tracer, metrics } = deps;
  const log = logger.child({ role: "ingest" });
  const routes = topicRoutes(config);
  const group = config.kafka.groupId;
  const journal = new BatchJournal(store, group);
  const stats = newNormalizeStats();
  const batchOptions: BatchOptions = {
    routes,
    tenancy: config.tenancy,
    limits: config.limits,
    maxMessageBytes: config.kafka.maxMessageBytes,
    stats,
  };

  const namedTopics = routes.flatMap((route) => (route.topic ? [route.topic] : []));
  await ensureTopics(kafka, [...namedTopics, config.kafka.deadLetterTopic], config.kafka.partitions, config.kafka.replicationFactor);

  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const consumer: Consumer = kafka.consumer({
    groupId: group,
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
    maxBytesPerPartition: config.kafka.maxBytesPerPartition,
    maxBytes: config.kafka.maxBytesPerPartition * 4,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  for (const route of routes) {
    await consumer.subscribe({ topics: [route.topic ?? route.pattern!], fromBeginning: config.kafka.fromBeginning });
  }

  // Partitions whose journal was consulted since this process was (re)assigned them.
  const journalChecked = new Set<string>();
  let ready = false;
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    journalChecked.clear();
    ready = true;
    log.info({ assignment: event.payload.memberAssignment }, "joined consumer group");
  });

  async function storeRange(payload: EachBatchPayload, messages: IngestMessage[], control: RetryControl): Promise<void> {
    const { topic, partition } = payload.batch;
    const first = BigInt(messages[0]!.offset);
    const last = BigInt(messages[messages.length - 1]!.offset);
    const result = await inSpan(tracer, "ingest.decode", { "messaging.destination.name": topic, "messaging.batch.message_count": messages.length }, async () =>
      processBatch(messages, batchOptions),
    );
    await retryUntilDone(() => journal.record(topic, partition, first, last, "Planned"), control);
    const token = dedupToken(group, topic, partition, first, last);
    for (const [table, rows] of result.rows) {
      await inSpan(tracer, "ingest.insert", { "db.collection.name": table, "db.operation.batch.size": rows.length }, async () => {
        const end = metrics.insertSeconds.startTimer({ table });
        await retryUntilDone(() => store.insert(table, rows, { dedupToken: token }), {
          ...control,
          onRetry: (err, attempt, delay) => {
            metrics.insertRetries.inc({ table });
            control.onRetry(err, attempt, delay);
          },
        });
        end();
      });
    }
    if (result.deadLetters.length > 0) {
      await retryUntilDone(() => sendDeadLetters(producer, config.kafka.deadLetterTopic, result.deadLetters, group), control);
      for (const letter of result.deadLetters) {
        metrics.deadLetters.inc({ topic, code: letter.code });
        log.warn({ topic, partition, offset: letter.message.offset, code: letter.code, reason: letter.reason }, "message sent to the dead-letter topic");
      }
    }
    await retryUntilDone(() => journal.record(topic, partition, first, last, "Stored"), control);
    await commit(payload, last);
    const signal = routes.find((route) => (route.topic ? route.topic === topic : route.pattern!.test(topic)))?.signal ?? "unknown";
    metrics.messages.inc({ topic, signal, outcome: "stored" }, messages.length - result.deadLetters.length);
    if (result.deadLetters.length) metrics.messages.inc({ topic, signal, outcome: "dead_lettered" }, result.deadLetters.length);
    for (const [itemSignal, count] of Object.entries(result.items)) if (count) metrics.items.inc({ signal: itemSignal }, count);
    metrics.batchMessages.observe({ topic }, messages.length);
    drainNormalizeStats(stats, metrics);
  }

  async function commit(payload: EachBatchPayload, lastOffset: bigint): Promise<void> {
    const { topic, partition } = payload.batch;
    payload.resolveOffset(lastOffset.toString());
    await consumer.commitOffsets([{ topic, partition, offset: (lastOffset + 1n).toString() }]);
  }

  /**
   * The first batch after an assignment may replay a range recorded before a crash: a Stored range
   * is skipped, a Planned one is re-inserted with exactly its old bounds (and so its old token).
   */
  async function replayBoundary(payload: EachBatchPayload, messages: IngestMessage[]): Promise<{ skip: bigint | undefined; planned: bigint | undefined }> {
    const { topic, partition } = payload.batch;
    const key = `${topic}/${partition}`;
    if (journalChecked.has(key)) return { skip: undefined, planned: undefined };
    const entry = await journal.latestFrom(topic, partition, BigInt(messages[0]!.offset));
    journalChecked.add(key);
    if (!entry) return { skip: undefined, planned: undefined };
    const lastFetched = BigInt(messages[messages.length - 1]!.offset);
    if (entry.state === "Stored") {
      metrics.replays.inc({ topic, outcome: "skipped_stored" });
      log.info({ topic, partition, first: entry.firstOffset.toString(), last: entry.lastOffset.toString() }, "skipping a range stored before the last commit");
      return { skip: entry.lastOffset, planned: undefined };
    }
    if (lastFetched < entry.lastOffset) {
      // Only a fetch cut short (e.g. at a log segment end) gets here; the range cannot be rebuilt
      // exactly, so it is inserted as fetched and may repeat rows that had already landed.
      metrics.replays.inc({ topic, outcome: "short_replay" });
      log.warn({ topic, partition, planned: `${entry.firstOffset}-${entry.lastOffset}`, fetchedTo: lastFetched.toString() }, "replayed range is shorter than planned; duplicates possible");
      return { skip: undefined, planned: undefined };
    }
    metrics.replays.inc({ topic, outcome: "reinserted_planned" });
    return { skip: undefined, planned: entry.lastOffset };
  }

  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: config.kafka.partitionsConsumedConcurrently,
    eachBatch: async (payload) => {
      const { batch, isRunning, isStale, heartbeat } = payload;
      if (batch.messages.length === 0) return;
      const control: RetryControl = {
        shouldContinue: () => isRunning() && !isStale(),
        heartbeat,
        onRetry: (err, attempt, delayMs) =>
          log.warn({ topic: batch.topic, partition: batch.partition, attempt, delayMs, err: (err as Error).message }, "store or Kafka write failed; retrying"),
      };
      await inSpan(tracer, "ingest.consume_batch", { "messaging.destination.name": batch.topic, "messaging.destination.partition.id": String(batch.partition), "messaging.batch.message_count": batch.messages.length }, async () => {
        try {
          let messages = batch.messages.map((message) => toIngestMessage(batch.topic, batch.partition, message));
          const boundary = await retryUntilDone(() => replayBoundary(payload, messages), control);
          if (boundary.skip !== undefined) {
            await commit(payload, boundary.skip);
            messages = messages.filter((message) => BigInt(message.offset) > boundary.skip!);
          }
          if (boundary.planned !== undefined) {
            const planned = messages.filter((message) => BigInt(message.offset) <= boundary.planned!);
            await storeRange(payload, planned, control);
            messages = messages.filter((message) => BigInt(message.offset) > boundary.planned!);
          }
          if (messages.length > 0) await storeRange(payload, messages, control);
          const lag = Number(batch.offsetLag());
          metrics.consumerLag.set({ topic: batch.topic, partition: String(batch.partition) }, Number.isFinite(lag) ? lag : 0);
        } catch (err) {
          if (err instanceof BatchAbandoned) {
            log.info({ topic: batch.topic, partition: batch.partition, reason: err.message }, "batch left uncommitted; it will be replayed");
            return;
          }
          throw err;
        }
      });
    },
  });

  return {
    isReady: () => ready,
    async stop() {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}
