// Two correlator processes' worth of BullMQ workers (two startCorrelator instances sharing one
// queue prefix in the real Redis) over one store never open the same incident twice: job ids are
// per detection window and both queues have a global concurrency of 1.
import { trace } from "@opentelemetry/api";
import { Kafka, logLevel } from "kafkajs";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { correlateQueueName, startCorrelator, type CorrelatorHandle } from "../../correlator/worker.js";
import { createLogger } from "../../runtime/logger.js";
import { createMetricsRegistry } from "../../runtime/metrics.js";
import { CorrelatorSettings } from "../../schemas/config.js";
import { ChdbStore, migrate, type Store } from "../../store/index.js";
import { eventually, kafkaBrokers, redisUrl, requireServices, tempDir, uniqueSuffix } from "../support/env.js";
import { shopTraffic } from "../support/rows.js";

const storage = tempDir("workers");
const suffix = uniqueSuffix();
const settings = CorrelatorSettings.parse({ tickSeconds: 1, queuePrefix: `braid_test_${suffix}`, incidentTopic: `braid_incidents_${suffix}` });
let store: Store;
const correlators: CorrelatorHandle[] = [];
const kafka = new Kafka({ clientId: "workers-test", brokers: [kafkaBrokers], logLevel: logLevel.NOTHING });

beforeAll(async () => {
  await requireServices();
  store = new ChdbStore(storage.dir, "workers_test");
  await migrate(store);
  // Ten minutes of healthy traffic ending three minutes ago, then postgres refusing connections up to now.
  const now = Math.floor(Date.now() / 1000);
  const rows = shopTraffic({ startSecond: now - 780, seconds: 780, requestsPerSecond: 3, fault: { node: "postgres", kind: "error", errorCode: "UNAVAILABLE.CONNECTION_REFUSED", fromSecond: 600, toSecond: 780 } });
  for (let i = 0; i < rows.length; i += 20_000) await store.insert("otel_traces", rows.slice(i, i + 20_000));
  for (let i = 0; i < 2; i++) {
    correlators.push(await startCorrelator({ settings, redisUrl, store, kafka, logger: createLogger("silent"), tracer: trace.getTracer("test"), registry: createMetricsRegistry() }));
  }
});

afterAll(async () => {
  for (const correlator of correlators) await correlator.stop();
  const redis = new Redis(redisUrl);
  const keys = await redis.keys(`${settings.queuePrefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await store?.close();
  storage.cleanup();
});

describe("correlator workers on the real Redis", () => {
  it("open one incident, once, however many workers run, and publish it on Kafka", async () => {
    const incidents = await eventually(
      () => store.query<{ IncidentId: string; TopRootCause: string; Versions: string }>("SELECT IncidentId, argMax(TopRootCause, Version) AS TopRootCause, count() AS Versions FROM {{db}}.braid_incidents GROUP BY IncidentId"),
      (rows) => rows.length > 0,
      "an incident from the scheduled ticks",
      90_000,
    );
    // Let several more ticks run on both workers, then look again.
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    const after = await store.query<{ IncidentId: string; TopRootCause: string }>("SELECT IncidentId, argMax(TopRootCause, Version) AS TopRootCause FROM {{db}}.braid_incidents GROUP BY IncidentId");
    expect(after.map((row) => row.TopRootCause)).toEqual(["postgres"]);
    expect(after[0]!.IncidentId).toBe(incidents[0]!.IncidentId);
    const [opened] = await store.query<{ n: string }>("SELECT count() AS n FROM {{db}}.braid_incident_events FINAL WHERE Kind = 'opened'");
    expect(opened!.n).toBe("1");

    // One correlation job per detection window, whichever worker added it.
    const queue = new Queue(correlateQueueName, { connection: new Redis(redisUrl, { maxRetriesPerRequest: null }), prefix: settings.queuePrefix });
    const jobs = await queue.getJobs(["completed"], 0, 1000);
    const ids = jobs.map((job) => job.id);
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => /^correlate-\d+$/.test(id ?? ""))).toBe(true);
    await queue.close();

    // The incident is published for other tools.
    const consumer = kafka.consumer({ groupId: `workers_test_${suffix}` });
    await consumer.connect();
    await consumer.subscribe({ topic: settings.incidentTopic, fromBeginning: true });
    const published: { type: string; incident: { incidentId: string; rootCauses: { node: string }[] } }[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void published.push(JSON.parse(message.value!.toString())) });
    await eventually(async () => published.length, (n) => n > 0, "incident events on Kafka", 30_000);
    await consumer.disconnect();
    expect(published[0]).toMatchObject({ type: "incident", incident: { incidentId: after[0]!.IncidentId } });
    expect(published[0]!.incident.rootCauses[0]!.node).toBe("postgres");
  });
});
