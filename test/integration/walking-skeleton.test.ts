// Issue 2's acceptance test: OTLP protobuf spans produced to the real Kafka are queryable through
// the HTTP API from the embedded chDB store.
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBraid, type BraidProcess } from "../../runtime/app.js";
import { encodeTraces, hex, newSpanId, newTraceId, traceRequest } from "../../scripts/lib/otlp-builder.js";
import { eventually, isolatedConfig, kafkaBrokers, requireServices, tempDir, uniqueSuffix } from "../support/env.js";

describe("walking skeleton: Kafka → ingest → chDB → API", () => {
  const suffix = uniqueSuffix();
  const storage = tempDir("skeleton");
  const config = isolatedConfig(suffix, storage.dir);
  let braid: BraidProcess;
  const kafka = new Kafka({ clientId: "skeleton-test", brokers: [kafkaBrokers], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();

  beforeAll(async () => {
    await requireServices();
    braid = await startBraid(config);
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    await braid?.stop();
    storage.cleanup();
  });

  it("serves a cross-service trace produced as OTLP protobuf, span by span", async () => {
    const traceId = newTraceId();
    const root = newSpanId();
    const child = newSpanId();
    const start = BigInt(Date.now()) * 1_000_000n;
    await producer.send({
      topic: config.kafka.traces.topic,
      messages: [
        { value: encodeTraces(traceRequest("frontend", [{ traceId, spanId: root, name: "GET /checkout", kind: 2, startNs: start, durationNs: 25_000_000n, attributes: { "http.request.method": "GET", "http.response.status_code": 200 } }], "go")) },
        { value: encodeTraces(traceRequest("payments", [{ traceId, spanId: child, parentSpanId: root, name: "POST /charge", kind: 2, startNs: start + 2_000_000n, durationNs: 20_000_000n, status: { code: 1 } }], "rust")) },
      ],
    });

    const url = `${braid.apiAddress}/api/v1/traces/${hex(traceId)}`;
    const body = await eventually(
      async () => {
        const response = await fetch(url);
        return response.status === 200 ? ((await response.json()) as { SpanCount: number; Spans: Record<string, unknown>[] }) : undefined;
      },
      (value) => value?.SpanCount === 2,
      `both spans of trace ${hex(traceId)} through ${url}`,
    );
    const [first, second] = body!.Spans;
    expect(first).toMatchObject({
      TraceId: hex(traceId),
      SpanId: hex(root),
      ParentSpanId: "",
      ServiceName: "frontend",
      SpanName: "GET /checkout",
      SpanKind: "Server",
      Duration: "25000000",
      TimestampNs: start.toString(),
      SourceLanguage: "go",
      Depth: 0,
    });
    expect(first!.SpanAttributes).toMatchObject({ "http.request.method": "GET", "http.response.status_code": "200" });
    expect(second).toMatchObject({ SpanId: hex(child), ParentSpanId: hex(root), ServiceName: "payments", StatusCode: "Ok", SourceLanguage: "rust", Depth: 1, Duration: "20000000" });
  });

  it("answers 400 for a malformed trace id and 404 for an unknown one", async () => {
    const bad = await fetch(`${braid.apiAddress}/api/v1/traces/not-a-trace-id`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/traceId/);
    const unknown = await fetch(`${braid.apiAddress}/api/v1/traces/${"ab".repeat(16)}`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { message: string }).message).toBe(`trace ${"ab".repeat(16)} was not found`);
  });

  it("reports Kafka, Redis and the store healthy on /healthz", async () => {
    const response = await fetch(`${braid.apiAddress}/healthz`);
    const health = (await response.json()) as { status: string; checks: Record<string, { ok: boolean }> };
    expect(response.status).toBe(200);
    expect(health.status).toBe("ok");
    expect(Object.keys(health.checks).sort()).toEqual(["kafka", "redis", "store"]);
  });
});
