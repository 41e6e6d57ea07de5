// Backpressure: the embedded store really fails (the target table is detached from the same chDB
// session, so every insert into it fails in the engine) while data keeps arriving on Kafka.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBraid, type BraidProcess } from "../../runtime/app.js";
import { eventually, isolatedConfig, requireServices, tempDir, uniqueSuffix } from "../support/env.js";
import { useKafkaClients } from "../support/kafka-clients.js";
import { allCommitted, committedOffsets, gaugeMessage, logMessage, metricValue, spanMessage } from "./ingest-support.js";

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

  it("one signal whose table keeps failing holds back no other signal: logs and metrics are stored meanwhile, then everything once", async () => {
    const logsTopic = config.kafka.logs.topic;
    const metricsTopic = config.kafka.metrics.topic;
    const spans: string[] = [];
    const bodies: string[] = [];
    let points = 0;
    const produceLogsAndMetrics = async (messages: number) => {
      for (let i = 0; i < messages; i++) {
        const logs = logMessage("isolation-svc", 20);
        bodies.push(...logs.bodies);
        const gauge = gaugeMessage("isolation-svc", 20);
        points += gauge.points;
        await producer.send({ topic: logsTopic, messages: [{ partition: i % 2, value: logs.value }] });
        await producer.send({ topic: metricsTopic, messages: [{ partition: i % 2, value: gauge.value }] });
      }
    };
    const stored = async () => {
      const [logs] = await braid.store.query<{ n: string; distinct: string }>("SELECT count() AS n, uniqExact(Body) AS distinct FROM {{db}}.otel_logs WHERE ServiceName = 'isolation-svc'");
      const [gauge] = await braid.store.query<{ n: string }>("SELECT count() AS n FROM {{db}}.otel_metrics_gauge WHERE ServiceName = 'isolation-svc'");
      return { logs: Number(logs!.n), distinctLogs: Number(logs!.distinct), points: Number(gauge!.n) };
    };
    const retriesBefore = await metricValue(braid.apiAddress!, "braid_ingest_insert_retries_total", { table: "otel_traces" });
    const tracesCommitted = await committedOffsets(admin, group, topic);

    await braid.store.exec("DETACH TABLE {{db}}.otel_traces");
    let reattached = false;
    try {
      await produce(10, spans);
      await eventually(() => metricValue(braid.apiAddress!, "braid_ingest_insert_retries_total", { table: "otel_traces" }), (n) => n >= retriesBefore + 3, "traces inserts failing and retried");
      // While the traces consumer waits on its table, logs and metrics arrive and are stored, in several fetches.
      for (let round = 0; round < 3; round++) {
        await produceLogsAndMetrics(4);
        await eventually(stored, (now) => now.logs === bodies.length && now.points === points, `logs and metrics of round ${round + 1} stored while otel_traces is gone`);
      }
      expect(await allCommitted(admin, group, logsTopic)).toBe(true);
      expect(await allCommitted(admin, group, metricsTopic)).toBe(true);
      expect(await committedOffsets(admin, group, topic)).toEqual(tracesCommitted);
      await braid.store.exec("ATTACH TABLE {{db}}.otel_traces");
      reattached = true;
    } finally {
      if (!reattached) await braid.store.exec("ATTACH TABLE {{db}}.otel_traces").catch(() => {});
    }

    await eventually(() => allCommitted(admin, group, topic), Boolean, "the traces committed once their table is back", 60_000);
    const [traces] = await braid.store.query<{ n: string; distinct: string }>("SELECT count() AS n, uniqExact(SpanId) AS distinct FROM {{db}}.otel_traces WHERE SpanId IN {ids:Array(String)}", { ids: spans });
    expect({ n: Number(traces!.n), distinct: Number(traces!.distinct) }).toEqual({ n: spans.length, distinct: spans.length });
    expect(await stored()).toEqual({ logs: bodies.length, distinctLogs: bodies.length, points });
  });
});
