// Every Kafka compression codec, as three different real producers write it: the Apache Kafka Java
// client (the reference implementation), franz-go (the client of the OpenTelemetry Collector's Kafka
// exporter, through the Go examples' producer) and kafkajs (with Braid's codecs). The broker's log
// segments are read to check that each producer really wrote each codec; Braid must store every item
// exactly once. Braid's own dead letters go out compressed as configured.
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compressionTypeOf, ensureTopics, type CompressionName } from "../../ingest/index.js";
import { startBraid, type BraidProcess } from "../../runtime/app.js";
import { eventually, isolatedConfig, kafkaBrokers, requireServices, tempDir, uniqueSuffix } from "../support/env.js";
import { useKafkaClients } from "../support/kafka-clients.js";
import { brokerLogDir, recordBatchesOnDisk } from "../support/kafka-log.js";
import { allCommitted, gaugeMessage, logMessage, repoRoot, spanMessage } from "./ingest-support.js";

const run = promisify(execFile);
const codecs: CompressionName[] = ["none", "gzip", "snappy", "lz4", "zstd"];
const producers = ["java", "franz-go", "kafkajs"] as const;
type ProducerName = (typeof producers)[number];
const messagesPerCell = 6;
const itemsPerMessage = 40;
const kafkaLibs = path.join(process.env.BRAID_STATE_DIR ?? path.join(repoRoot, ".braid"), "kafka/libs");
const franzGoProducer = path.join(repoRoot, "examples/go/bin/kafka-produce");

describe("ingest reads every compression codec of every producer", () => {
  const suffix = uniqueSuffix();
  const storage = tempDir("compression");
  // Topics per producer, matched by regular expressions (as the Collector's receiver allows).
  const topicOf = (signal: string, producer: ProducerName) => `${signal}_${suffix}_${producer.replace("-", "")}`;
  const config = isolatedConfig(suffix, storage.dir, {
    kafka: {
      partitions: 2,
      traces: { topic: `^otlp_spans_${suffix}_.*`, encoding: "otlp_proto" },
      logs: { topic: `^otlp_logs_${suffix}_.*`, encoding: "otlp_proto" },
      metrics: { topic: `^otlp_metrics_${suffix}_.*`, encoding: "otlp_proto" },
      producerCompression: "zstd",
    },
  });
  const { kafka, admin, producer } = useKafkaClients("ingest-compression-test");
  const spanTopics = producers.map((p) => topicOf("otlp_spans", p));
  const kafkajsTopics = ["otlp_logs", "otlp_metrics"].map((signal) => topicOf(signal, "kafkajs"));
  let braid: BraidProcess;

  beforeAll(async () => {
    await requireServices();
    if (!existsSync(franzGoProducer)) throw new Error(`${franzGoProducer} is missing: run 'bash scripts/build-examples.sh go' (scripts/setup.sh does)`);
    // Regex subscriptions match the topics that exist when the consumer subscribes.
    await ensureTopics(kafka, [...spanTopics, ...kafkajsTopics], 2, 1);
    braid = await startBraid(config);
  });
  afterAll(async () => {
    await braid?.stop();
    storage.cleanup();
  });

  /** Record files for the Java and franz-go producers: DIR/<codec>/<n>.bin, spans tagged with producer and codec. */
  function writeSpanFiles(producerName: ProducerName): string {
    const dir = path.join(storage.dir, `records-${producerName}`);
    for (const codec of codecs) {
      mkdirSync(path.join(dir, codec), { recursive: true });
      for (let i = 0; i < messagesPerCell; i++) {
        const { value } = spanMessage(`${producerName}-svc`, itemsPerMessage, { "test.producer": producerName, "test.codec": codec });
        writeFileSync(path.join(dir, codec, `${String(i).padStart(3, "0")}.bin`), value);
      }
    }
    return dir;
  }

  it("stores each item of none, gzip, snappy, lz4 and zstd batches written by the Java client, franz-go and kafkajs exactly once", async () => {
    const javaOut = await run("java", ["-cp", `${kafkaLibs}/*`, path.join(repoRoot, "test/support/java/ProduceRecords.java"), kafkaBrokers, topicOf("otlp_spans", "java"), writeSpanFiles("java")], { maxBuffer: 16 << 20 });
    const goOut = await run(franzGoProducer, ["-brokers", kafkaBrokers, "-topic", topicOf("otlp_spans", "franz-go"), "-dir", writeSpanFiles("franz-go")]);
    for (const out of [javaOut.stdout, goOut.stdout]) {
      for (const codec of codecs) expect(out).toMatch(new RegExp(`^${codec} ${messagesPerCell}$`, "m"));
    }
    for (const codec of codecs) {
      const compression = compressionTypeOf[codec];
      const tags = { "test.producer": "kafkajs", "test.codec": codec };
      const message = (value: Buffer) => ({ value });
      await producer.send({ topic: topicOf("otlp_spans", "kafkajs"), compression, messages: Array.from({ length: messagesPerCell }, () => message(spanMessage("kafkajs-svc", itemsPerMessage, tags).value)) });
      await producer.send({ topic: topicOf("otlp_logs", "kafkajs"), compression, messages: Array.from({ length: messagesPerCell }, () => message(logMessage("kafkajs-svc", itemsPerMessage, tags).value)) });
      await producer.send({ topic: topicOf("otlp_metrics", "kafkajs"), compression, messages: Array.from({ length: messagesPerCell }, () => message(gaugeMessage("kafkajs-svc", itemsPerMessage, tags).value)) });
    }

    // What each producer really wrote: batches of every codec, several records per compressed batch.
    const logDir = await brokerLogDir(admin);
    for (const topic of [...spanTopics, ...kafkajsTopics]) {
      const batches = recordBatchesOnDisk(logDir, topic);
      expect(new Set(batches.map((batch) => batch.codec)), topic).toEqual(new Set(codecs));
      for (const codec of codecs) expect(batches.filter((b) => b.codec === codec).reduce((sum, b) => sum + b.records, 0), `${topic} ${codec}`).toBe(messagesPerCell);
      expect(batches.some((batch) => batch.codec !== "none" && batch.records > 1), `${topic}: a compressed batch of several records`).toBe(true);
    }

    for (const topic of [...spanTopics, ...kafkajsTopics]) await eventually(() => allCommitted(admin, config.kafka.groupId, topic), Boolean, `${topic} committed`, 120_000);
    const perCell = (table: string, id: string, tags: string) =>
      braid.store.query<{ producer: string; codec: string; rows: string; distinct: string }>(
        `SELECT ${tags}['test.producer'] AS producer, ${tags}['test.codec'] AS codec, count() AS rows, uniqExact(${id}) AS distinct
           FROM {{db}}.${table} GROUP BY producer, codec ORDER BY producer, codec`,
      );
    const expected = (names: readonly ProducerName[]) =>
      names.flatMap((p) => codecs.map((codec) => ({ producer: p, codec, rows: String(messagesPerCell * itemsPerMessage), distinct: String(messagesPerCell * itemsPerMessage) }))).sort((a, b) => `${a.producer}/${a.codec}`.localeCompare(`${b.producer}/${b.codec}`));
    expect(await perCell("otel_traces", "SpanId", "SpanAttributes")).toEqual(expected(producers));
    expect(await perCell("otel_logs", "Body", "ResourceAttributes")).toEqual(expected(["kafkajs"]));
    expect(await perCell("otel_metrics_gauge", "Attributes", "ResourceAttributes")).toEqual(expected(["kafkajs"]));
  });

  it("sends dead letters in batches compressed as kafka.producerCompression says", async () => {
    await producer.send({ topic: topicOf("otlp_spans", "kafkajs"), messages: [{ value: Buffer.from("not protobuf at all") }] });
    const logDir = await brokerLogDir(admin);
    const batches = await eventually(async () => recordBatchesOnDisk(logDir, config.kafka.deadLetterTopic), (found) => found.length > 0, "a dead letter in the DLQ topic");
    expect(batches.map((batch) => batch.codec)).toEqual(["zstd"]);
  });
});
