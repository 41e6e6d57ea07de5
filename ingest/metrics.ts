// Prometheus metrics of the ingest role, registered on the process registry passed in.
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { NormalizeStats } from "../normalizer/index.js";

export interface IngestMetrics {
  messages: Counter<"topic" | "signal" | "outcome">;
  items: Counter<"signal">;
  batchMessages: Histogram<"topic">;
  insertSeconds: Histogram<"table">;
  insertRetries: Counter<"table">;
  deadLetters: Counter<"topic" | "code">;
  consumerLag: Gauge<"topic" | "partition">;
  replays: Counter<"topic" | "outcome">;
  /** Counters fed from the normalizer's stats after each batch. */
  normalizer: Counter<"event">;
}

export function createIngestMetrics(registry: Registry): IngestMetrics {
  const registers = [registry];
  return {
    messages: new Counter({ name: "braid_ingest_messages_total", help: "Kafka messages handled, by outcome (stored, dead_lettered)", labelNames: ["topic", "signal", "outcome"], registers }),
    items: new Counter({ name: "braid_ingest_items_total", help: "Spans, log records and metric points stored", labelNames: ["signal"], registers }),
    batchMessages: new Histogram({ name: "braid_ingest_batch_messages", help: "Kafka messages per stored batch", labelNames: ["topic"], buckets: [1, 5, 10, 50, 100, 500, 1000, 5000], registers }),
    insertSeconds: new Histogram({ name: "braid_ingest_insert_seconds", help: "Store insert latency per table", labelNames: ["table"], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers }),
    insertRetries: new Counter({ name: "braid_ingest_insert_retries_total", help: "Store inserts retried after a failure", labelNames: ["table"], registers }),
    deadLetters: new Counter({ name: "braid_ingest_dead_letters_total", help: "Messages sent to the dead-letter topic, by reason code", labelNames: ["topic", "code"], registers }),
    consumerLag: new Gauge({ name: "braid_ingest_consumer_lag", help: "Messages between the partition's high watermark and the last one stored", labelNames: ["topic", "partition"], registers }),
    replays: new Counter({ name: "braid_ingest_replays_total", help: "Ranges found in the batch journal after a restart or rebalance, by outcome", labelNames: ["topic", "outcome"], registers }),
    normalizer: new Counter({ name: "braid_normalizer_events_total", help: "Normalizer fix-ups (missing service.name, truncated attributes, timestamp fix-ups, unknown errors)", labelNames: ["event"], registers }),
  };
}

/** Moves the normalizer's counts into Prometheus and zeroes them. */
export function drainNormalizeStats(stats: NormalizeStats, metrics: IngestMetrics): void {
  for (const [event, count] of Object.entries(stats)) {
    if (typeof count === "number" && count > 0) {
      metrics.normalizer.inc({ event }, count);
      (stats as unknown as Record<string, number>)[event] = 0;
    }
  }
}
