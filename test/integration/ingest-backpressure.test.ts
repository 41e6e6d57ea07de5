// Backpressure: the embedded store really fails (the target table is detached from the same chDB
// session, so every insert into it fails in the engine) while data keeps arriving on Kafka.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBraid, type BraidProcess } from "../../runtime/app.js";
import { eventually, isolatedConfig, requireServices, tempDir, uniqueSuffix } from "../support/env.js";
import { useKafkaClients } from "../support/kafka-clients.js";
import { allCommitted, committedOffsets, metricValue, spanMessage } from "./ingest-support.js";

describe("ingest backpressure: the store is unavailable for a while", () => {
  const storage = tempDir("backpressure");
  const config = isolatedConfig(uniqueSuffix(), storage.dir, { kafka: { partitions: 2 } });
  const topic = config.kafka.traces.topic;
  const group = config.kafka.groupId;
  const { admin, producer } = useKafkaClients("ingest-backpressure-test");
  let braid: BraidProcess;

  beforeAll(async () => {
    await requireServices();
    braid = await startBraid(config);
  });
  afterAll(async () => {
    await braid?.stop();
    storage.cleanup();
  });

  const produce = async (messages: number, produced: string[]) => {
    for (let i = 0; i < messages; i++) {
      const message = spanMessage("backpressure-svc", 100);
      produced.push(...message.spanIds);
      await producer.send({ topic, messages: [{ partition: i % 2, value: message.value }] });
    }
  };
  const spanCounts = async () => {
    const [row] = await braid.store.query<{ rows: string; distinct: string }>("SELECT count() AS rows, uniqExact(SpanId) AS distinct FROM {{db}}.otel_traces");
    return { rows: Number(row!.rows), distinct: Number(row!.distinct) };
  };

  it("retries with capped backoff, commits nothing past unstored data, and resumes by itself when the store returns, losing nothing", async () => {
    const produced: string[] = [];
    await produce(10, produced);
    await eventually(() => allCommitted(admin, group, topic), Boolean, "the first messages committed");
    const committedBefore = await committedOffsets(admin, group, topic);

    await braid.store.exec("DETACH TABLE {{db}}.otel_traces");
    let reattached = false;
    try {
      await produce(20, produced);
      // Backoff doubles from 100 ms: six retries take about 6 s of failing store.
      await eventually(() => metricValue(braid.apiAddress!, "braid_ingest_insert_retries_total", { table: "otel_traces" }), (n) => n >= 6, "six insert retries", 60_000);
      expect(await committedOffsets(admin, group, topic)).toEqual(committedBefore);
      expect(await metricValue(braid.apiAddress!, "braid_ingest_consumer_lag", { topic })).toBeGreaterThan(0);
      await braid.store.exec("ATTACH TABLE {{db}}.otel_traces");
      reattached = true;
    } finally {
      if (!reattached) await braid.store.exec("ATTACH TABLE {{db}}.otel_traces").catch(() => {});
    }

    await eventually(() => allCommitted(admin, group, topic), Boolean, "every message committed after the store came back", 60_000);
    expect(await spanCounts()).toEqual({ rows: produced.length, distinct: produced.length });
    expect(await metricValue(braid.apiAddress!, "braid_ingest_retries_total", { operation: "insert" })).toBeGreaterThanOrEqual(6);
    expect(await metricValue(braid.apiAddress!, "braid_ingest_consumer_lag", { topic })).toBe(0);
  });
});
