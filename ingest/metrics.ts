// Prometheus metrics of the ingest role, registered on the process registry passed in (served by
// the API role on /metrics). Every name is listed, with its meaning, in docs/ingest.md.
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { NormalizeStats } from "../normalizer/index.js";

export interface IngestMetrics {
  messages: Counter<"topic" | "signal" | "outcome">;
  items: Counter<"signal">;
  batchMessages: Histogram<"topic">;
  batchRows: Histogram<"table">;
  batchSeconds: Histogram<"topic">;
  insertSeconds: Histogram<"table">;
  insertRetries: Counter<"table">;
  rejectedInserts: Counter<"table">;
  retries: Counter<"operation">;
  deadLetters: Counter<"topic" | "code">;
  consumerLag: Gauge<"topic" | "partition">;
  replays: Counter<"topic" | "outcome">;
  abandoned: Counter<"topic" | "reason">;
  /** Counters fed from the normalizer's stats after each batch. */
  normalizer: Counter<"event">;
}

export function createIngestMetrics(registry: Registry): IngestMetrics {
  const registers = [registry];
  return {
    messages: new Counter({ name: "braid_ingest_messages_total", help: "Kafka messages handled, by outcome (stored, dead_lettered)", labelNames: ["topic", "signal", "outcome"], registers }),
    items: new Counter({ name: "braid_ingest_items_total", help: "Spans, log records and metric points stored, by signal", labelNames: ["signal"], registers }),
    batchMessages: new Histogram({ name: "braid_ingest_batch_messages", help: "Kafka messages per stored range (one insert per table)", labelNames: ["topic"], buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 5000], registers }),
    batchRows: new Histogram({ name: "braid_ingest_batch_rows", help: "Rows per insert, by table", labelNames: ["table"], buckets: [1, 10, 100, 1000, 5000, 10_000, 25_000, 50_000, 100_000, 250_000], registers }),
    batchSeconds: new Histogram({ name: "braid_ingest_batch_seconds", help: "Time from a fetched batch to its commit (decode, plan, inserts, dead letters, commit)", labelNames: ["topic"], buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers }),
    insertSeconds: new Histogram({ name: "braid_ingest_insert_seconds", help: "Latency of successful store inserts, by table", labelNames: ["table"], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers }),
    insertRetries: new Counter({ name: "braid_ingest_insert_retries_total", help: "Store inserts retried after a failure, by table", labelNames: ["table"], registers }),
    rejectedInserts: new Counter({ name: "braid_ingest_rejected_inserts_total", help: "Inserts the store rejected as data and that were split to isolate the offending messages, by table", labelNames: ["table"], registers }),
    retries: new Counter({ name: "braid_ingest_retries_total", help: "Retried writes of ingest, by operation (insert, plan, dead_letter, commit)", labelNames: ["operation"], registers }),
    deadLetters: new Counter({ name: "braid_ingest_dead_letters_total", help: "Messages sent to the dead-letter topic, by source topic and reason code", labelNames: ["topic", "code"], registers }),
    consumerLag: new Gauge({ name: "braid_ingest_consumer_lag", help: "Messages between the partition's high watermark and the next offset to store, per partition", labelNames: ["topic", "partition"], registers }),
    replays: new Counter({ name: "braid_ingest_replays_total", help: "Planned ranges found at the committed offset after a restart or rebalance, by outcome (reinserted_planned, gathering_planned)", labelNames: ["topic", "outcome"], registers }),
    abandoned: new Counter({ name: "braid_ingest_batches_abandoned_total", help: "Batches left uncommitted to be replayed, by reason (shutdown, rebalance)", labelNames: ["topic", "reason"], registers }),
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
