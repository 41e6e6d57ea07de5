// The dead-letter topic: poison messages in the middle of one batch go to the DLQ with headers
// that say where they came from and why; their neighbours are stored; the partition moves on.
import type { IHeaders } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBraid, type BraidProcess } from "../../runtime/app.js";
import { encodeTraces, newSpanId, newTraceId, traceRequest } from "../../scripts/lib/otlp-builder.js";
import { eventually, isolatedConfig, requireServices, tempDir, uniqueSuffix } from "../support/env.js";
import { useKafkaClients } from "../support/kafka-clients.js";
import { committedOffsets, metricValue, spanMessage } from "./ingest-support.js";

interface DeadLetterSeen {
  value: Buffer;
  headers: Record<string, string>;
}

describe("ingest dead-letter topic", () => {
  const storage = tempDir("dlq");
  // A 64 KiB message limit, so a too-large message is easy to make.
  const config = isolatedConfig(uniqueSuffix(), storage.dir, { kafka: { partitions: 1, maxMessageBytes: 64 * 1024 } });
  const topic = config.kafka.traces.topic;
  const { kafka, admin, producer } = useKafkaClients("ingest-dlq-test");
  let braid: BraidProcess;

  beforeAll(async () => {
    await requireServices();
    braid = await startBraid(config);
  });
  afterAll(async () => {
    await braid?.stop();
    storage.cleanup();
  });

  async function readDeadLetters(count: number): Promise<DeadLetterSeen[]> {
    const seen: DeadLetterSeen[] = [];
    const consumer = kafka.consumer({ groupId: `dlq-reader-${uniqueSuffix()}` });
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
    } finally {
      await consumer.disconnect();
    }
    return seen;
  }

  const storedSpanIds = async (ids: string[]) =>
    (await braid.store.query<{ SpanId: string }>("SELECT SpanId FROM {{db}}.otel_traces WHERE SpanId IN {ids:Array(String)} ORDER BY SpanId", { ids })).map((row) => row.SpanId);

  it("sends each poison message of a batch to the DLQ with its source, code and reason, stores its neighbours, and keeps the partition moving", async () => {
    const good = [spanMessage("dlq-svc", 3), spanMessage("dlq-svc", 3), spanMessage("dlq-svc", 3)];
    const badIdSpan = encodeTraces(traceRequest("dlq-svc", [{ traceId: Buffer.alloc(5, 7), spanId: newSpanId(), name: "bad id", kind: 1, startNs: BigInt(Date.now()) * 1_000_000n, durationNs: 1n }]));
    const tooLarge = spanMessage("dlq-svc", 3, { "padding.value": "x".repeat(100 * 1024) });
    const jsonSpanId = newSpanId().toString("hex");
    const start = String(BigInt(Date.now()) * 1_000_000n);
    const jsonTrace = JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: "service.name", value: { stringValue: "dlq-json" } }] }, scopeSpans: [{ spans: [{ traceId: newTraceId().toString("hex"), spanId: jsonSpanId, name: "x", startTimeUnixNano: start, endTimeUnixNano: start }] }] }] });
    const batch: { value: Buffer; headers?: IHeaders; expect?: { code: string; reason: RegExp } }[] = [
      { value: good[0]!.value, headers: { producer: "checkout" } },
      { value: Buffer.from("this is a plain text line, not protobuf"), headers: { producer: "checkout" }, expect: { code: "decode_error", reason: /not a valid OTLP protobuf ExportTraceServiceRequest/ } },
      { value: good[1]!.value },
      { value: Buffer.from('{"resourceSpans": ['), headers: { "content-type": "application/json" }, expect: { code: "decode_error", reason: /not valid JSON/ } },
      { value: tooLarge.value, expect: { code: "message_too_large", reason: /more than the limit of 65536/ } },
      { value: Buffer.from("<xml/>"), headers: { "content-type": "text/xml" }, expect: { code: "unsupported_content_type", reason: /content-type 'text\/xml'/ } },
      { value: Buffer.alloc(0), expect: { code: "empty_message", reason: /no value/ } },
      { value: badIdSpan, expect: { code: "invalid_payload", reason: /traceId has 5 bytes, expected 16/ } },
      { value: Buffer.from(jsonTrace), headers: { "content-type": "application/json" } },
      { value: good[2]!.value },
    ];
    // One produce call: one record batch, so all of it reaches ingest as one batch.
    await producer.send({ topic, messages: batch.map(({ value, headers }) => ({ partition: 0, value, headers })) });

    const expectedIds = [...good[0]!.spanIds, ...good[1]!.spanIds, jsonSpanId, ...good[2]!.spanIds].sort();
    expect(await eventually(() => storedSpanIds(expectedIds), (ids) => ids.length === expectedIds.length, "the good neighbours stored")).toEqual(expectedIds);
    await eventually(() => committedOffsets(admin, config.kafka.groupId, topic), (offsets) => offsets.get(0) === BigInt(batch.length), "the whole batch committed");

    const poison = batch.map((message, offset) => ({ ...message, offset })).filter((message) => message.expect);
    const letters = await readDeadLetters(poison.length);
    expect(letters).toHaveLength(poison.length);
    for (const [i, sent] of poison.entries()) {
      const letter = letters[i]!;
      expect(letter.headers).toMatchObject({
        "braid.dlq.source.topic": topic,
        "braid.dlq.source.partition": "0",
        "braid.dlq.source.offset": String(sent.offset),
        "braid.dlq.error.code": sent.expect!.code,
        "braid.dlq.consumer.group": config.kafka.groupId,
        ...Object.fromEntries(Object.entries(sent.headers ?? {}).map(([name, value]) => [name, String(value)])),
      });
      expect(letter.headers["braid.dlq.error.reason"]).toMatch(sent.expect!.reason);
      expect(letter.value.equals(sent.value)).toBe(true);
    }
    expect(await metricValue(braid.apiAddress!, "braid_ingest_dead_letters_total", { topic })).toBe(poison.length);
    expect(await metricValue(braid.apiAddress!, "braid_ingest_dead_letters_total", { topic, code: "decode_error" })).toBe(2);
    expect(await metricValue(braid.apiAddress!, "braid_ingest_messages_total", { topic, outcome: "dead_lettered" })).toBe(poison.length);
    expect(await metricValue(braid.apiAddress!, "braid_ingest_messages_total", { topic, outcome: "stored" })).toBe(batch.length - poison.length);

    // The partition keeps moving after the poison.
    const after = spanMessage("dlq-svc", 2);
    await producer.send({ topic, messages: [{ partition: 0, value: after.value }] });
    await eventually(() => storedSpanIds(after.spanIds), (ids) => ids.length === 2, "a later message stored");
    await eventually(() => committedOffsets(admin, config.kafka.groupId, topic), (offsets) => offsets.get(0) === BigInt(batch.length + 1), "the later message committed");
  });
});
