// The correlator role on BullMQ: a repeatable detection job (one job scheduler, shared by every
// correlator process), and one correlation job per tick with an idempotent job id. Both queues
// have a global concurrency of 1, so two correlator processes never run a tick twice or two ticks
// at once, and so never open the same incident twice. Incident events go to Kafka for other tools.
import type { Tracer } from "@opentelemetry/api";
import { Queue, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import { Partitioners, type CompressionTypes, type Kafka, type Producer } from "kafkajs";
import type { Logger } from "pino";
import { Counter, Histogram, type Registry } from "prom-client";
import type { CorrelatorSettings } from "../schemas/config.js";
import type { Store } from "../store/index.js";
import { inSpan } from "../runtime/telemetry.js";
import { runCorrelation, runDetection, type CorrelationResult } from "./processors.js";

export interface CorrelatorDeps {
  settings: CorrelatorSettings;
  redisUrl: string;
  store: Store;
  kafka: Kafka;
  /** Compression of the incident events' record batches (kafka.producerCompression); none when unset. */
  producerCompression?: CompressionTypes;
  logger: Logger;
  tracer: Tracer;
  registry: Registry;
}

export interface CorrelatorHandle {
  stop(): Promise<void>;
}

interface TickData {
  nowMs: number;
}

export const detectQueueName = "braid-detect";
export const correlateQueueName = "braid-correlate";

export async function startCorrelator(deps: CorrelatorDeps): Promise<CorrelatorHandle> {
  const { settings, store, logger, tracer } = deps;
  const log = logger.child({ role: "correlator" });
  const connection = () => new Redis(deps.redisUrl, { maxRetriesPerRequest: null });
  const connections: Redis[] = [];
  const open = () => {
    const redis = connection();
    redis.on("error", (err) => log.warn({ err: err.message }, "redis connection error"));
    connections.push(redis);
    return redis;
  };
  const prefix = settings.queuePrefix;
  const detectQueue = new Queue<TickData>(detectQueueName, { connection: open(), prefix });
  const correlateQueue = new Queue<TickData, CorrelationResult>(correlateQueueName, { connection: open(), prefix });
  await detectQueue.setGlobalConcurrency(1);
  await correlateQueue.setGlobalConcurrency(1);

  const incidentsOpened = new Counter({ name: "braid_correlator_incidents_total", help: "Incident versions written, by status", labelNames: ["status"], registers: [deps.registry] });
  const anomaliesFound = new Counter({ name: "braid_correlator_anomalies_total", help: "Anomaly versions written, by kind", labelNames: ["kind"], registers: [deps.registry] });
  const tickDuration = new Histogram({
    name: "braid_correlator_tick_seconds", help: "Time a detection or correlation tick took", labelNames: ["job"],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [deps.registry],
  });
  // A tick longer than the tick interval delays every detection behind it: worth an operator's look.
  const timed = async <T>(job: "detect" | "correlate", work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      const seconds = (performance.now() - started) / 1000;
      tickDuration.observe({ job }, seconds);
      if (seconds > settings.tickSeconds) log.warn({ job, seconds: Math.round(seconds * 10) / 10, tickSeconds: settings.tickSeconds }, "correlator tick took longer than the tick interval");
    }
  };

  const producer: Producer = deps.kafka.producer({ allowAutoTopicCreation: true, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();

  // The last window this process judged: a scheduler tick in the same window has nothing new.
  let lastWindowEnd: number | undefined;
  const jobOptions = { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 }, attempts: 3, backoff: { type: "exponential", delay: 1000 } };

  const detectWorker = new Worker<TickData>(
    detectQueueName,
    async (job: Job<TickData>) =>
      timed("detect", () => inSpan(tracer, "correlator.detect", {}, async () => {
        // Scheduler jobs carry no time: a tick measures from when it runs.
        const nowMs = job.data.nowMs || Date.now();
        const detection = await runDetection(store, settings, nowMs, job.data.nowMs ? undefined : lastWindowEnd);
        if (detection.skipped) return { windowEnd: detection.windowEnd, anomalies: 0, skipped: true };
        lastWindowEnd = detection.windowEnd;
        for (const anomaly of detection.anomalies) anomaliesFound.inc({ kind: anomaly.kind });
        // One correlation job per detection window: a duplicate add (another process, a retry) is a no-op.
        await correlateQueue.add("correlate", { nowMs }, { ...jobOptions, jobId: `correlate-${detection.windowEnd}` });
        return { windowEnd: detection.windowEnd, anomalies: detection.anomalies.length };
      })),
    { connection: open(), prefix, concurrency: 1 },
  );

  const correlateWorker = new Worker<TickData, CorrelationResult>(
    correlateQueueName,
    async (job) =>
      timed("correlate", () => inSpan(tracer, "correlator.correlate", {}, async () => {
        const result = await runCorrelation(store, settings, job.data.nowMs);
        for (const incident of result.incidents) incidentsOpened.inc({ status: incident.status });
        if (result.incidents.length > 0) {
          await producer.send({
            topic: settings.incidentTopic,
            acks: -1,
            compression: deps.producerCompression,
            messages: result.incidents.map((incident) => ({
              key: incident.incidentId,
              value: JSON.stringify({ type: "incident", incident, events: result.events.filter((e) => e.incidentId === incident.incidentId) }),
              headers: { "content-type": "application/json", tenant: incident.tenant },
            })),
          });
          for (const incident of result.incidents) {
            log.info({ incidentId: incident.incidentId, status: incident.status, title: incident.title, top: incident.rootCauses[0]?.node }, "incident written");
          }
        }
        return result;
      })),
    { connection: open(), prefix, concurrency: 1 },
  );
  for (const worker of [detectWorker, correlateWorker]) {
    worker.on("failed", (job, err) => log.error({ job: job?.id, err: err.message }, "correlator job failed"));
    worker.on("error", (err) => log.error({ err: err.message }, "correlator worker error"));
  }

  await detectQueue.upsertJobScheduler("detect-every-tick", { every: settings.tickSeconds * 1000 }, { name: "detect", data: { nowMs: 0 }, opts: jobOptions });

  return {
    // The job scheduler stays in Redis: other correlator processes keep ticking with it.
    async stop() {
      await Promise.allSettled([detectWorker.close(), correlateWorker.close()]);
      await Promise.allSettled([detectQueue.close(), correlateQueue.close()]);
      await producer.disconnect().catch(() => {});
      for (const redis of connections) redis.disconnect();
    },
  };
}
