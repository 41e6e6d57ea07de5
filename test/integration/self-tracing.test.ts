// Braid traces itself over OTLP gRPC: a real receiver gets its ingest and API spans.
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBraid, type BraidProcess } from "../../runtime/app.js";
import { eventually, isolatedConfig, kafkaBrokers, requireServices, tempDir, uniqueSuffix } from "../support/env.js";
import { encodeTraces, hex, newSpanId, newTraceId, traceRequest } from "../../scripts/lib/otlp-builder.js";
import { startOtlpReceiver, type OtlpReceiver } from "../support/otlp-receiver.js";

describe("self-tracing", () => {
  const suffix = uniqueSuffix();
  const storage = tempDir("selftrace");
  let receiver: OtlpReceiver;
  let braid: BraidProcess;

  beforeAll(async () => {
    await requireServices();
    receiver = await startOtlpReceiver();
    braid = await startBraid(isolatedConfig(suffix, storage.dir, { telemetry: { otlpEndpoint: receiver.endpoint, serviceName: "braid-under-test" } }));
  });

  afterAll(async () => {
    await braid?.stop();
    await receiver?.close();
    storage.cleanup();
  });

  it("exports spans for consumed batches, decoding, inserts and API requests to the OTLP gRPC endpoint", async () => {
    const kafka = new Kafka({ clientId: "selftrace-test", brokers: [kafkaBrokers], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const traceId = newTraceId();
    await producer.send({
      topic: braid.config.kafka.traces.topic,
      messages: [{ value: encodeTraces(traceRequest("svc", [{ traceId, spanId: newSpanId(), name: "op", kind: 2, startNs: BigInt(Date.now()) * 1_000_000n, durationNs: 1_000_000n }])) }],
    });
    await producer.disconnect();
    await eventually(() => fetch(`${braid.apiAddress}/api/v1/traces/${hex(traceId)}`).then((r) => r.status), (status) => status === 200, "the span to be stored");

    const names = await eventually(
      async () => new Set(receiver.spans.map((span) => span.name)),
      (seen) => ["ingest.consume_batch", "ingest.decode", "ingest.insert", "GET /api/v1/traces/:traceId"].every((name) => seen.has(name)),
      "Braid's own spans at the OTLP receiver",
      30_000,
    );
    expect(names.has("ingest.insert")).toBe(true);
    expect(receiver.spans.every((span) => span.serviceName === "braid-under-test")).toBe(true);
    const insert = receiver.spans.find((span) => span.name === "ingest.insert");
    expect(insert?.attributes["db.collection.name"]).toBe("otel_traces");
    const apiSpan = receiver.spans.find((span) => span.name === "GET /api/v1/traces/:traceId" && span.attributes["http.response.status_code"] === 200);
    expect(apiSpan).toBeDefined();
  });
});
