// A message whose rows ClickHouse itself rejects (a real rejection: CHECK constraints added to the
// test's tables, which one span and one sum point violate), in the middle of a 100k-span stream
// with logs and metrics beside it: the message ends in the DLQ as store_rejected with ClickHouse's
// error text, everything else of every signal is stored exactly once, and the partitions move on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBraid, type BraidProcess } from "../../runtime/app.js";
import { otlpTypes } from "../../schemas/otlp/index.js";
import { encodeTraces, newSpanId, newTraceId, traceRequest } from "../../scripts/lib/otlp-builder.js";
import { eventually, isolatedConfig, requireServices, tempDir, uniqueSuffix } from "../support/env.js";
import { useKafkaClients } from "../support/kafka-clients.js";
import { allCommitted, gaugeMessage, logMessage, metricValue, spanMessage } from "./ingest-support.js";

interface DeadLetterSeen {
  value: Buffer;
  headers: Record<string, string>;
}

/** A metrics request with a gauge and a sum; the sum's name is the one the test's constraint refuses. */
function gaugeAndSum(service: string, sumName: string): Buffer {
  const now = String(BigInt(Date.now()) * 1_000_000n);
  const start = String(BigInt(Date.now() - 10_000) * 1_000_000n);
  const type = otlpTypes().ExportMetricsServiceRequest;
  const point = { startTimeUnixNano: start, timeUnixNano: now, asDouble: 1 };
  const request = {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] },
        scopeMetrics: [{ metrics: [{ name: "mixed.gauge", gauge: { dataPoints: [point] } }, { name: sumName, sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [point] } }] }],
      },
    ],
  };
  return Buffer.from(type.encode(type.fromObject(request)).finish());
}

describe("a message the store rejects, in the middle of a 100k-span stream", () => {
  const storage = tempDir("poison");
  const config = isolatedConfig(uniqueSuffix(), storage.dir, { kafka: { partitions: 2 } });
  const { kafka, admin, producer } = useKafkaClients("ingest-poison-test");
  const group = config.kafka.groupId;
  let braid: BraidProcess;

  beforeAll(async () => {
    await requireServices();
    braid = await startBraid(config);
    await braid.store.exec("ALTER TABLE {{db}}.otel_traces ADD CONSTRAINT no_poison_span CHECK SpanName != 'poison-span'");
    await braid.store.exec("ALTER TABLE {{db}}.otel_metrics_sum ADD CONSTRAINT no_poison_sum CHECK MetricName != 'poison.sum'");
  });
  afterAll(async () => {
    await braid?.stop();
    storage.cleanup();
  });

  async function readDeadLetters(count: number): Promise<DeadLetterSeen[]> {
    const seen: DeadLetterSeen[] = [];
    const consumer = kafka.consumer({ groupId: `poison-dlq-reader-${uniqueSuffix()}` });
    await consumer.connect();
    await consumer.subscribe({ topics: [config.kafka.deadLetterTopic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(value);
        seen.push({ value: message.value ?? Buffer.alloc(0), headers });
      },
    });
    try {
      await eventually(async () => seen.length, (n) => n >= count, `${count} dead letters`);
      await new Promise((resolve) => setTimeout(resolve, 1000)); // and no more than that
    } finally {
      await consumer.disconnect();
    }
    return seen;
  }

  it("dead-letters the rejected message as store_rejected with ClickHouse's reason and stores everything else of every signal exactly once", async () => {
    const tracesTopic = config.kafka.traces.topic;
    const messages = 400;
    const spansPerMessage = 250;
    const poisonAt = 201; // the middle of the stream, on partition 1
    const spanIds: string[] = [];
    let poison: Buffer | undefined;
    const bodies: string[] = [];
    let gaugePoints = 0;
    for (let i = 0; i < messages; i += 4) {
      const batch = [0, 1, 2, 3].map((j) => {
        if (i + j !== poisonAt) {
          const message = spanMessage(`poison-svc-${(i + j) % 3}`, spansPerMessage);
          spanIds.push(...message.spanIds);
          return { partition: (i + j) % 2, value: message.value };
        }
        // One bad span among 250 good ones: the whole message is dead-lettered (its bytes are kept as they came).
        const start = BigInt(Date.now()) * 1_000_000n;
        const spans = Array.from({ length: spansPerMessage }, (_, k) => ({ traceId: newTraceId(), spanId: newSpanId(), name: k === 100 ? "poison-span" : `op-${k}`, kind: 2, startNs: start, durationNs: 1000n }));
        poison = encodeTraces(traceRequest("poison-svc", spans));
        return { partition: (i + j) % 2, value: poison };
      });
      await producer.send({ topic: tracesTopic, messages: batch });
      if (i % 40 === 0) {
        const logs = logMessage("poison-svc", 50);
        bodies.push(...logs.bodies);
        const gauge = gaugeMessage("poison-svc", 50);
        gaugePoints += gauge.points;
        await producer.send({ topic: config.kafka.logs.topic, messages: [{ value: logs.value }] });
        await producer.send({ topic: config.kafka.metrics.topic, messages: [{ value: gauge.value }] });
      }
    }
    // A metrics message whose sum the store rejects and whose gauge it accepts, between good ones.
    const mixed = gaugeAndSum("poison-svc", "poison.sum");
    await producer.send({ topic: config.kafka.metrics.topic, messages: [{ partition: 0, value: gaugeAndSum("poison-svc", "good.sum") }, { partition: 0, value: mixed }, { partition: 0, value: gaugeAndSum("poison-svc", "good.sum") }] });
    expect(spanIds).toHaveLength((messages - 1) * spansPerMessage);

    for (const topic of [tracesTopic, config.kafka.logs.topic, config.kafka.metrics.topic]) {
      await eventually(() => allCommitted(admin, group, topic), Boolean, `${topic} committed`, 170_000);
    }
    const [spansStored] = await braid.store.query<{ rows: string; distinct: string; poison: string }>(
      "SELECT count() AS rows, uniqExact(SpanId) AS distinct, countIf(ServiceName = 'poison-svc') AS poison FROM {{db}}.otel_traces",
    );
    expect(spansStored).toEqual({ rows: String(spanIds.length), distinct: String(spanIds.length), poison: "0" });
    const [logsStored] = await braid.store.query<{ rows: string; distinct: string }>("SELECT count() AS rows, uniqExact(Body) AS distinct FROM {{db}}.otel_logs");
    expect(logsStored).toEqual({ rows: String(bodies.length), distinct: String(bodies.length) });
    const [gauges] = await braid.store.query<{ points: string; mixed: string }>("SELECT countIf(MetricName = 'test.gauge') AS points, countIf(MetricName = 'mixed.gauge') AS mixed FROM {{db}}.otel_metrics_gauge");
    expect(gauges).toEqual({ points: String(gaugePoints), mixed: "3" });
    const sums = await braid.store.query<{ MetricName: string }>("SELECT MetricName FROM {{db}}.otel_metrics_sum ORDER BY MetricName");
    expect(sums.map((row) => row.MetricName)).toEqual(["good.sum", "good.sum"]);

    const letters = await readDeadLetters(2);
    expect(letters).toHaveLength(2);
    const spanLetter = letters.find((letter) => letter.headers["braid.dlq.source.topic"] === tracesTopic)!;
    expect(spanLetter.headers).toMatchObject({ "braid.dlq.error.code": "store_rejected", "braid.dlq.source.partition": "1", "braid.dlq.consumer.group": group });
    expect(spanLetter.headers["braid.dlq.error.reason"]).toMatch(/^otel_traces rejected its 250 row\(s\): Code: 469\. DB::Exception: Constraint `no_poison_span` .* is violated at row \d+.*\(VIOLATED_CONSTRAINT\)/s);
    expect(spanLetter.value.equals(poison!)).toBe(true);
    const metricLetter = letters.find((letter) => letter.headers["braid.dlq.source.topic"] === config.kafka.metrics.topic)!;
    expect(metricLetter.headers["braid.dlq.error.code"]).toBe("store_rejected");
    expect(metricLetter.headers["braid.dlq.error.reason"]).toMatch(/^otel_metrics_sum rejected its 1 row\(s\): Code: 469\..*no_poison_sum.* \(its rows in otel_metrics_gauge were stored\)$/s);
    expect(metricLetter.value.equals(mixed)).toBe(true);

    expect(await metricValue(braid.apiAddress!, "braid_ingest_dead_letters_total", { code: "store_rejected" })).toBe(2);
    expect(await metricValue(braid.apiAddress!, "braid_ingest_rejected_inserts_total", { table: "otel_traces" })).toBeGreaterThanOrEqual(1);
    expect(await metricValue(braid.apiAddress!, "braid_ingest_messages_total", { topic: tracesTopic, outcome: "dead_lettered" })).toBe(1);
    expect(await metricValue(braid.apiAddress!, "braid_ingest_messages_total", { topic: tracesTopic, outcome: "stored" })).toBe(messages - 1);

    // The partition moves on after the poison.
    const after = spanMessage("after-svc", 5);
    await producer.send({ topic: tracesTopic, messages: [{ partition: 1, value: after.value }] });
    await eventually(() => braid.store.query("SELECT 1 FROM {{db}}.otel_traces WHERE SpanId IN {ids:Array(String)}", { ids: after.spanIds }), (rows) => rows.length === 5, "a later message stored");
  });
});
