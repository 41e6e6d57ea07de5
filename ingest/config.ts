// The ingest role's settings: what it reads from BraidConfig (documented in schemas/config.ts) plus
// the consumer tunables that are not user settings, each with its value and the reason for it.
import type { BraidConfig } from "../schemas/config.js";
import type { CompressionTypes } from "kafkajs";
import { compressionTypeOf } from "./compression.js";
import { topicRoutes, type TopicRoute } from "./routing.js";

export interface IngestSettings {
  groupId: string;
  routes: TopicRoute[];
  deadLetterTopic: string;
  /** Compression of the dead letters' record batches (kafka.producerCompression). */
  producerCompression: CompressionTypes;
  /** Topics created when missing (named topics and the DLQ; regex routes match what exists). */
  topicsToCreate: string[];
  partitions: number;
  replicationFactor: number;
  fromBeginning: boolean;
  /** A message larger than this goes to the DLQ as message_too_large. */
  maxMessageBytes: number;
  /** Partition batches handled at the same time by one process (decode of one overlaps the insert of another). */
  partitionsConsumedConcurrently: number;
  /** Fetch size per partition: the upper bound of one batch, hence of one insert and of the memory it holds. */
  maxBytesPerPartition: number;
  /** Fetch size over all partitions of one fetch: with the per-partition bound, the memory bound of ingest. */
  maxBytes: number;
  /** Longest a fetch waits for data; a fetch returns as soon as any data is there (minBytes 1). */
  maxWaitTimeMs: number;
  /**
   * Group session: a member silent this long is evicted, and a crashed member's partitions wait
   * this long before they move (the Collector's default, 10 s). Heartbeats go on while a batch
   * inserts or waits on the store, so only a stalled process is evicted.
   */
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** How long a rebalance waits for members to rejoin; a member abandons a waiting batch at once. */
  rebalanceTimeoutMs: number;
  /** Capped exponential backoff of store and DLQ writes: base * 2^attempt, at most cap, with jitter. */
  retryBaseMs: number;
  retryCapMs: number;
  tenancy: BraidConfig["tenancy"];
  limits: BraidConfig["limits"];
}

export function ingestSettings(config: BraidConfig): IngestSettings {
  const routes = topicRoutes(config);
  const named = routes.flatMap((route) => (route.topic ? [route.topic] : []));
  return {
    groupId: config.kafka.groupId,
    routes,
    deadLetterTopic: config.kafka.deadLetterTopic,
    producerCompression: compressionTypeOf[config.kafka.producerCompression],
    topicsToCreate: [...new Set([...named, config.kafka.deadLetterTopic])],
    partitions: config.kafka.partitions,
    replicationFactor: config.kafka.replicationFactor,
    fromBeginning: config.kafka.fromBeginning,
    maxMessageBytes: config.kafka.maxMessageBytes,
    partitionsConsumedConcurrently: config.kafka.partitionsConsumedConcurrently,
    maxBytesPerPartition: config.kafka.maxBytesPerPartition,
    maxBytes: config.kafka.maxBytesPerPartition * 4,
    maxWaitTimeMs: 500,
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 3_000,
    rebalanceTimeoutMs: 60_000,
    retryBaseMs: 100,
    retryCapMs: 30_000,
    tenancy: config.tenancy,
    limits: config.limits,
  };
}
