// Kafka headers kept as kafka.header.<name> resource attributes, the tenant taken from a header or
// a resource attribute, and the attribute limits (count per item, value length) applied with a
// marker and counted in /metrics.
import { Kafka, Partitioners, logLevel, type Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRUNCATION_MARKER } from "../../normalizer/index.js";
import { startBraid, type BraidProcess } from "../../runtime/app.js";
import { attr, encodeTraces, newSpanId, newTraceId } from "../../scripts/lib/otlp-builder.js";
import { eventually, isolatedConfig, kafkaBrokers, requireServices, tempDir, uniqueSuffix } from "../support/env.js";
import { metricValue } from "./ingest-support.js";

describe("ingest headers, tenancy and limits", () => {
  const storage = tempDir("tenancy");
  const config = isolatedConfig(uniqueSuffix(), storage.dir, {
    kafka: { partitions: 1 },
    tenancy: { header: "x-tenant", resourceAttribute: "tenant.id", default: "shared" },
    limits: { maxAttributesPerItem: 8, maxAttributeValueLength: 40 },
  });
  const topic = config.kafka.traces.topic;
  const kafka = new Kafka({ clientId: "ingest-tenancy-test", brokers: [kafkaBrokers], logLevel: logLevel.NOTHING });
  let producer: Producer;
  let braid: BraidProcess;

  beforeAll(async () => {
    await requireServices();
    braid = await startBraid(config);
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await braid?.stop();
    storage.cleanup();
  });

  /** One span whose resource may name a tenant; returns the message value and the span id. */
  function span(resourceTenant: string | undefined, spanAttributes: Record<string, string> = {}) {
    const spanId = newSpanId();
    const start = (BigInt(Date.now()) * 1_000_000n).toString();
    const resource = [attr("service.name", "tenancy-svc"), ...(resourceTenant ? [attr("tenant.id", resourceTenant)] : [])];
    const request = {
      resourceSpans: [{ resource: { attributes: resource }, scopeSpans: [{ spans: [{ traceId: newTraceId(), spanId, name: "op", kind: 1, startTimeUnixNano: start, endTimeUnixNano: start, attributes: Object.entries(spanAttributes).map(([k, v]) => attr(k, v)) }] }] }],
    };
    return { value: encodeTraces(request), id: spanId.toString("hex") };
  }

  const row = (id: string) =>
    eventually(
      () => braid.store.query<{ Tenant: string; ResourceAttributes: Record<string, string>; SpanAttributes: Record<string, string> }>("SELECT Tenant, ResourceAttributes, SpanAttributes FROM {{db}}.otel_traces WHERE SpanId = {id:String}", { id }),
      (rows) => rows.length === 1,
      `span ${id}`,
    ).then((rows) => rows[0]!);

  it("takes the tenant from the header, else from the resource attribute, else the default; keeps headers as kafka.header.* resource attributes", async () => {
    const both = span("globex");
    const headerOnly = span(undefined);
    const attributeOnly = span("initech");
    const neither = span(undefined);
    await producer.send({
      topic,
      messages: [
        { value: both.value, headers: { "x-tenant": "acme", "x-producer": "collector-eu-1" } },
        { value: headerOnly.value, headers: { "x-tenant": "umbrella" } },
        { value: attributeOnly.value },
        { value: neither.value, headers: { "x-producer": "collector-us-2" } },
      ],
    });
    expect(await row(both.id)).toMatchObject({ Tenant: "acme", ResourceAttributes: { "tenant.id": "globex", "kafka.header.x-tenant": "acme", "kafka.header.x-producer": "collector-eu-1" } });
    expect((await row(headerOnly.id)).Tenant).toBe("umbrella");
    const fromAttribute = await row(attributeOnly.id);
    expect(fromAttribute.Tenant).toBe("initech");
    expect(Object.keys(fromAttribute.ResourceAttributes).filter((key) => key.startsWith("kafka.header."))).toEqual([]);
    expect(await row(neither.id)).toMatchObject({ Tenant: "shared", ResourceAttributes: { "kafka.header.x-producer": "collector-us-2" } });
  });

  it("keeps at most maxAttributesPerItem attributes and cuts long values to maxAttributeValueLength with a marker, counting both", async () => {
    const truncatedBefore = await metricValue(braid.apiAddress!, "braid_normalizer_events_total", { event: "truncatedAttributes" });
    const droppedBefore = await metricValue(braid.apiAddress!, "braid_normalizer_events_total", { event: "droppedAttributes" });
    const many = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`attr.${String(i).padStart(2, "0")}`, `value-${i}`]));
    many["attr.00"] = "x".repeat(100);
    const limited = span(undefined, many);
    await producer.send({ topic, messages: [{ value: limited.value }] });

    const { SpanAttributes } = await row(limited.id);
    expect(Object.keys(SpanAttributes)).toHaveLength(8);
    expect(SpanAttributes["attr.00"]).toHaveLength(40);
    expect(SpanAttributes["attr.00"]).toBe("x".repeat(40 - TRUNCATION_MARKER.length) + TRUNCATION_MARKER);
    expect(SpanAttributes["attr.07"]).toBe("value-7");
    expect(SpanAttributes["attr.08"]).toBeUndefined();
    await eventually(() => metricValue(braid.apiAddress!, "braid_normalizer_events_total", { event: "droppedAttributes" }), (n) => n === droppedBefore + 4, "4 dropped attributes counted");
    expect(await metricValue(braid.apiAddress!, "braid_normalizer_events_total", { event: "truncatedAttributes" })).toBe(truncatedBefore + 1);
  });
});
