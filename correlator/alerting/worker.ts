// The alerting role on BullMQ, shaped like the correlator's: one job scheduler shared by every
// Braid process adds one evaluation job per interval with an id derived from the tick's time, in
// a queue of global concurrency 1, so the rules are evaluated once per interval whatever the
// number of processes. Notifications are delivered by a second queue whose job id is the
// notification's id. Everything that must survive is in ClickHouse (state, notification log,
// outbox); Redis only schedules, and a process re-creates the schedule if Redis lost it.
import type { Tracer } from "@opentelemetry/api";
import { Queue, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { AlertingSettings } from "../../schemas/alerting.js";
import type { Store } from "../../store/index.js";
import { inSpan } from "../../runtime/telemetry.js";
import { RuleCatalogLoader } from "./catalog.js";
import { runAlertTick } from "./processor.js";
import { Notifier, type DeliveryJob } from "./notify/notifier.js";

export interface AlertingDeps {
  settings: AlertingSettings;
  /** BullMQ key prefix (the correlator's): processes sharing it share the schedule. */
  queuePrefix: string;
  redisUrl: string;
  store: Store;
  logger: Logger;
  tracer: Tracer;
  registry: Registry;
  /** Base URL for links in notifications when alerting.externalUrl is unset. */
  externalUrl?: string;
  /** Reads the clock; tests move it. */
  now?: () => number;
}

export interface AlertingHandle {
  /** Evaluates the tick of `atMs` now (tests and the CLI), through the same queue. */
  stop(): Promise<void>;
}

interface TickData {
  at: number;
}

export const evaluateQueueName = "braid-alerts-evaluate";
export const deliverQueueName = "braid-alerts-deliver";
const schedulerId = "alerts-every-interval";

export function alertingMetrics(registry: Registry) {
  return {
    evaluations: new Counter({ name: "braid_alert_evaluations_total", help: "Alert evaluation ticks run (skipped: already evaluated)", labelNames: ["result"], registers: [registry] }),
    evaluationSeconds: new Histogram({ name: "braid_alert_evaluation_seconds", help: "Time to evaluate every rule once", buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry] }),
    rules: new Gauge({ name: "braid_alert_rules", help: "Rules loaded, by origin", labelNames: ["origin"], registers: [registry] }),
    ruleProblems: new Gauge({ name: "braid_alert_rule_problems", help: "Rule-file and API-rule problems in the last load", registers: [registry] }),
    transitions: new Counter({ name: "braid_alert_transitions_total", help: "Alert state transitions", labelNames: ["to"], registers: [registry] }),
    notifications: new Counter({ name: "braid_alert_notifications_total", help: "Notifications planned, by receiver integration", labelNames: ["integration"], registers: [registry] }),
    deliveries: new Counter({ name: "braid_alert_deliveries_total", help: "Delivery attempts, by outcome", labelNames: ["outcome"], registers: [registry] }),
    deadLetters: new Counter({ name: "braid_alert_notifications_dead_total", help: "Notifications given up after the retry budget (or refused by the receiver)", labelNames: ["receiver"], registers: [registry] }),
  };
}
export type AlertingMetrics = ReturnType<typeof alertingMetrics>;

export async function startAlerting(deps: AlertingDeps): Promise<AlertingHandle> {
  const { settings, store, tracer } = deps;
  const log = deps.logger.child({ role: "alerting" });
  const now = deps.now ?? Date.now;
  const connections: Redis[] = [];
  const open = () => {
    const redis = new Redis(deps.redisUrl, { maxRetriesPerRequest: null });
    redis.on("error", (err) => log.warn({ err: err.message }, "redis connection error"));
    connections.push(redis);
    return redis;
  };
  const prefix = deps.queuePrefix;
  const evaluateQueue = new Queue<TickData>(evaluateQueueName, { connection: open(), prefix });
  const deliverQueue = new Queue<DeliveryJob>(deliverQueueName, { connection: open(), prefix });
  for (const queue of [evaluateQueue, deliverQueue]) queue.on("error", (err) => log.warn({ err: err.message }, "alert queue error"));
  const metrics = alertingMetrics(deps.registry);
  const catalog = new RuleCatalogLoader(store, settings.rulesDir);
  const notifier = new Notifier({ store, settings, logger: log, metrics, queue: deliverQueue, externalUrl: settings.externalUrl ?? deps.externalUrl ?? "http://127.0.0.1:8080" });
  const intervalMs = settings.intervalSeconds * 1000;
  const jobOptions = { removeOnComplete: { count: 200 }, removeOnFail: { count: 200 }, attempts: 3, backoff: { type: "exponential", delay: 1000 } };

  const evaluateWorker = new Worker<TickData>(
    evaluateQueueName,
    async (job: Job<TickData>) => {
      if (job.name === "tick") {
        // The scheduler's job: one evaluation job per interval, deduplicated by its id.
        const at = Math.floor(now() / intervalMs) * settings.intervalSeconds;
        await evaluateQueue.add("evaluate", { at }, { ...jobOptions, jobId: `evaluate-${at}` });
        return { at };
      }
      return inSpan(tracer, "alerting.evaluate", { "braid.alert.tick": job.data.at }, async () => {
        const loaded = await catalog.load();
        if (loaded.filesChanged) log.info({ rules: loaded.rules.length, problems: loaded.problems.length }, "rules loaded");
        for (const problem of loaded.filesChanged ? loaded.problems : []) log.warn(problem, "rule problem");
        metrics.rules.set({ origin: "file" }, loaded.rules.filter((r) => r.origin === "file").length);
        metrics.rules.set({ origin: "api" }, loaded.rules.filter((r) => r.origin === "api").length);
        metrics.ruleProblems.set(loaded.problems.length);
        const started = performance.now();
        const result = await runAlertTick(store, settings, loaded.rules, job.data.at);
        metrics.evaluations.inc({ result: result.skipped ? "skipped" : "evaluated" });
        if (!result.skipped) metrics.evaluationSeconds.observe((performance.now() - started) / 1000);
        for (const transition of result.transitions) {
          metrics.transitions.inc({ to: transition.to });
          log.info({ rule: transition.ruleId, fingerprint: transition.fingerprint, from: transition.from, to: transition.to, value: transition.value, at: transition.at }, "alert transition");
        }
        for (const problem of result.problems) log.warn(problem, "rule not evaluated");
        const planned = await notifier.run(result.alerts, job.data.at);
        return { at: job.data.at, skipped: result.skipped, transitions: result.transitions.length, notifications: planned };
      });
    },
    { connection: open(), prefix, concurrency: 1 },
  );

  const deliverWorker = new Worker<DeliveryJob>(deliverQueueName, async (job) => notifier.deliver(job), {
    connection: open(),
    prefix,
    concurrency: 4,
    // A delivery interrupted by a crash is picked up again rather than failed.
    maxStalledCount: 5,
    settings: { backoffStrategy: (attemptsMade: number) => notifier.backoffMs(attemptsMade) },
  });
  deliverWorker.on("failed", (job, err) => {
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) void notifier.deadLetter(job, err).catch((e: Error) => log.error({ err: e.message }, "dead-letter write failed"));
  });
  for (const worker of [evaluateWorker, deliverWorker]) worker.on("error", (err) => log.error({ err: err.message }, "alerting worker error"));
  evaluateWorker.on("failed", (job, err) => log.error({ job: job?.id, err: err.message }, "alert evaluation failed"));

  // Idempotent: every process (re)declares the schedule and the concurrency limit, now and each
  // interval, so a Redis restart that lost them costs at most one interval.
  const declare = async () => {
    await evaluateQueue.setGlobalConcurrency(1);
    await evaluateQueue.upsertJobScheduler(schedulerId, { every: intervalMs }, { name: "tick", data: { at: 0 }, opts: { removeOnComplete: { count: 50 }, removeOnFail: { count: 50 } } });
  };
  await declare();
  const redeclare = setInterval(() => void declare().catch((err: Error) => log.warn({ err: err.message }, "could not declare the alert schedule")), Math.max(intervalMs, 5000));

  return {
    async stop() {
      clearInterval(redeclare);
      await Promise.allSettled([evaluateWorker.close(), deliverWorker.close()]);
      await Promise.allSettled([evaluateQueue.close(), deliverQueue.close()]);
      for (const redis of connections) redis.disconnect();
    },
  };
}
