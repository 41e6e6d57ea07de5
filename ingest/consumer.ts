// The ingest role: one kafkajs consumer per signal, all members of the one consumer group, each
// handing its fetched partition batches to its partition workers (partition-worker.ts), which store
// them and commit them.
//
// Why one consumer per signal: kafkajs fetches again only when every batch of its last fetch is
// done, so with one consumer for every topic, a table whose inserts keep failing (retried with
// backoff) would hold back every other topic's partitions too. With a consumer per signal, a
// signal whose store writes fail waits alone; the others go on fetching and storing. The members
// share the group (offsets, scale-out, the DLQ's consumer group) thanks to an assigner that gives
// each member only the partitions of the topics it subscribes to (assigner.ts).
//
// Guarantees, and where they come from:
// - at-least-once: autoCommit is off; an offset is committed only after its range is stored and its
//   dead letters are in Kafka (partition-worker.ts), with the batch's own commit call, which still
//   works while the consumer is stopping (consumer.commitOffsets silently does nothing then).
// - no duplicates as queried: ranges planned in the commit metadata + insert deduplication tokens
//   (range-plan.ts, partition-worker.ts).
// - backpressure: a failing write retries with capped backoff inside the batch (retry.ts); kafkajs
//   fetches again only when every batch of its last fetch is done, so memory stays bounded by one
//   fetch (maxBytes) and nothing past unstored data is committed.
// - rebalance: a member that learns of a rebalance stops retrying and skips new batches, so it
//   rejoins quickly; a batch already stored still commits (the broker accepts commits of the current
//   generation until the member rejoins).
// - shutdown: stop() lets the in-flight batches finish (or abandon them if they are waiting on a
//   failing store), commits what they stored, and leaves the group.
import type { Tracer } from "@opentelemetry/api";
import { Partitioners, type Admin, type Consumer, type EachBatchPayload, type Kafka, type KafkaMessage, type Producer } from "kafkajs";
import type { Logger } from "pino";
import type { BraidConfig } from "../schemas/config.js";
import type { Store } from "../store/index.js";
import { newNormalizeStats } from "../normalizer/index.js";
import { inSpan } from "../runtime/telemetry.js";
import type { BatchOptions } from "./batch.js";
import { ingestSettings } from "./config.js";
import { kafkaDeadLetterSink } from "./dead-letters.js";
import { failpointsFromEnv, type FailpointHook } from "./failpoints.js";
import { rootCause } from "./kafka-logs.js";
import { createRangeDecoder, type RangeDecoder } from "./decode-pool.js";
import { kafkaSecurity } from "./kafka-security.js";
import { createKafka, ensureTopics } from "./kafka.js";
import { headersToStrings, type IngestMessage } from "./message.js";
import type { IngestMetrics } from "./metrics.js";
import { PartitionWorkers, type PartitionControl } from "./partition-worker.js";
import type { TopicRoute } from "./routing.js";
import { subscriptionAwareAssigner } from "./assigner.js";
import type { IngestSettings } from "./config.js";
import type { DeadLetterSink } from "./dead-letters.js";
import { parsePlan, planMetadata } from "./range-plan.js";
import { BatchAbandoned } from "./retry.js";

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

/** Errors by which the group coordinator says this member's generation is over. */
function isGroupMoving(err: unknown): boolean {
  const type = (err as { type?: string }).type;
  return type === "REBALANCE_IN_PROGRESS" || type === "ILLEGAL_GENERATION" || type === "UNKNOWN_MEMBER_ID" || type === "NOT_COORDINATOR_FOR_GROUP" || type === "FENCED_INSTANCE_ID";
}

interface SignalConsumerDeps extends IngestDeps {
  settings: IngestSettings;
  route: TopicRoute;
  admin: Admin;
  deadLetters: DeadLetterSink;
  batchOptions: BatchOptions;
  decoder: RangeDecoder;
  failpoint?: FailpointHook;
}

export async function startIngest(deps: IngestDeps): Promise<IngestHandle> {
  const { config, kafka } = deps;
  const settings = ingestSettings(config);

  await ensureTopics(kafka, settings.topicsToCreate, settings.partitions, settings.replicationFactor);

  // Reads the committed offsets and their metadata (the planned ranges) when a partition is replayed.
  const admin = kafka.admin();
  await admin.connect();
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const batchOptions: BatchOptions = {
    routes: settings.routes,
    tenancy: settings.tenancy,
    limits: settings.limits,
    maxMessageBytes: settings.maxMessageBytes,
    stats: newNormalizeStats(),
  };
  const failpoint = failpointsFromEnv(); // one count for the process, whichever signal reaches it
  const deadLetters = kafkaDeadLetterSink(producer, settings.deadLetterTopic, settings.groupId, settings.producerCompression);
  const consumers: IngestHandle[] = [];
  let decoder: RangeDecoder | undefined;
  try {
    decoder = await createRangeDecoder({ store: deps.store, options: batchOptions, threads: settings.decodeThreads, logger: deps.logger });
    deps.logger.info({ role: "ingest", decodeThreads: decoder.threads }, "ingest decodes in worker threads");
    const shared = decoder;
    // Joined together, so the group settles in as few rebalances as possible.
    consumers.push(...(await Promise.all(settings.routes.map((route) => startSignalConsumer({ ...deps, settings, route, admin, deadLetters, batchOptions, decoder: shared, failpoint })))));
  } catch (err) {
    await Promise.all(consumers.map((c) => c.stop().catch(() => {})));
    await decoder?.close().catch(() => {});
    await producer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
    throw err;
  }

  return {
    isReady: () => consumers.every((c) => c.isReady()),
    async stop() {
      await Promise.all(consumers.map((c) => c.stop()));
      await decoder!.close();
      await producer.disconnect();
      await admin.disconnect();
    },
  };
}

/** One signal's consumer: a member of the ingest group subscribed to that signal's topic (or pattern). */
async function startSignalConsumer(deps: SignalConsumerDeps): Promise<IngestHandle> {
  const { config, store, logger, tracer, metrics, settings, route, admin } = deps;
  const log = logger.child({ role: "ingest", signal: route.signal });
  // A kafkajs client of its own: the consumers of one client share one cache of committed offsets
  // per group id, and each consumer's join clears the cache of every topic, its own or not (kafkajs
  // then crashes in OffsetManager.resolveOffsets).
  const kafka = createKafka({ brokers: config.kafka.brokers, clientId: config.kafka.clientId, logger, security: kafkaSecurity(config.kafka) });
  const group = settings.groupId;
  const workers = new PartitionWorkers({
    group,
    store,
    deadLetters: deps.deadLetters,
    decoder: deps.decoder,
    batchOptions: deps.batchOptions,
    metrics,
    tracer,
    logger: log,
    failpoint: deps.failpoint,
  });

  const consumer: Consumer = kafka.consumer({
    groupId: group,
    partitionAssigners: [subscriptionAwareAssigner],
    sessionTimeout: settings.sessionTimeoutMs,
    rebalanceTimeout: settings.rebalanceTimeoutMs,
    heartbeatInterval: settings.heartbeatIntervalMs,
    maxBytesPerPartition: settings.maxBytesPerPartition,
    maxBytes: settings.maxBytes,
    maxWaitTimeInMs: settings.maxWaitTimeMs,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [route.topic ?? route.pattern!], fromBeginning: settings.fromBeginning });

  let ready = false;
  // One generation of group membership: set when the member learns the group is rebalancing, reset
  // when it has joined again (kafkajs then re-reads the committed offsets of its new assignment).
  let generation = { moving: false };
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    generation = { moving: false };
    workers.reset();
    ready = true;
    log.info({ assignment: event.payload.memberAssignment }, "joined consumer group");
  });
  consumer.on(consumer.events.CRASH, (event) => {
    const { error, restart } = event.payload;
    const cause = rootCause(error);
    if (!restart) {
      ready = false; // readiness reports it
      log.error({ err: error, cause: cause.message }, "ingest consumer stopped on an error kafkajs does not retry: this signal is not ingested until the process restarts");
    } else if (cause.retriable) {
      // e.g. the group coordinator still loading on a fresh broker: kafkajs restarts the consumer.
      log.info({ cause: cause.message, kafkaError: cause.type, transient: true }, "ingest consumer restarting after a transient Kafka error");
    } else {
      log.warn({ err: error.message, cause: cause.message }, "ingest consumer restarting after an error");
    }
  });

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, isRunning, isStale } = payload;
    if (batch.messages.length === 0 || !isRunning()) return;
    const current = generation;
    const heartbeat = async () => {
      try {
        await payload.heartbeat();
      } catch (err) {
        if (isGroupMoving(err)) current.moving = true;
        throw err;
      }
    };
    // Learn of a rebalance before starting: then this batch is left to the next owner at once.
    await heartbeat().catch(() => {});
    if (current.moving) return;
    const { topic, partition } = batch;
    const commit = async (offset: bigint, metadata: string | null) => {
      const offsets = { topics: [{ topic, partitions: [{ partition, offset: offset.toString(), metadata }] }] };
      for (let attempt = 1; ; attempt++) {
        try {
          await payload.commitOffsetsIfNecessary(offsets);
          return;
        } catch (err) {
          if (isGroupMoving(err)) current.moving = true;
          // Whoever consumes the partition next replays from the last successful commit.
          if (current.moving || !isRunning() || attempt >= 5) throw err;
          metrics.retries.inc({ operation: "commit" });
          await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
        }
      }
    };
    const control: PartitionControl = {
      plan: (firstOffset, lastOffset) => commit(firstOffset, planMetadata(firstOffset, lastOffset)),
      async committedPlan() {
        const [answer] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
        return parsePlan(answer?.partitions.find((p) => p.partition === partition)?.metadata);
      },
      async commit(nextOffset) {
        await commit(nextOffset, null);
        payload.resolveOffset((nextOffset - 1n).toString());
      },
      advance: (lastOffset) => payload.resolveOffset(lastOffset.toString()),
      rewind: (offset) => consumer.seek({ topic, partition, offset: offset.toString() }),
      retry: {
        shouldContinue: () => isRunning() && !current.moving && !isStale(),
        heartbeat,
        giveUp: isGroupMoving,
        baseMs: settings.retryBaseMs,
        capMs: settings.retryCapMs,
        onRetry: (err, attempt, delayMs) => log.warn({ topic, partition, attempt, delayMs, err: (err as Error).message }, "store or Kafka write failed; retrying"),
      },
    };
    // Heartbeats go on while a long insert runs, so the member is not evicted while it works.
    const keepAlive = setInterval(() => void heartbeat().catch(() => {}), Math.max(500, settings.heartbeatIntervalMs / 2));
    try {
      await inSpan(tracer, "ingest.consume_batch", { "messaging.destination.name": topic, "messaging.destination.partition.id": String(partition), "messaging.batch.message_count": batch.messages.length }, async () => {
        const messages = batch.messages.map((message) => toIngestMessage(topic, partition, message));
        await workers.handle({ topic, partition, messages, highWatermark: BigInt(batch.highWatermark) }, control);
      });
    } catch (err) {
      if (err instanceof BatchAbandoned) {
        const reason = !isRunning() ? "shutdown" : "rebalance";
        metrics.abandoned.inc({ topic, reason });
        log.info({ topic, partition, reason, detail: err.message }, "batch left uncommitted; it will be replayed");
        return;
      }
      throw err;
    } finally {
      clearInterval(keepAlive);
    }
  }

  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: settings.partitionsConsumedConcurrently,
    eachBatch,
  });

  return {
    isReady: () => ready,
    async stop() {
      await consumer.disconnect();
    },
  };
}
