// Change events end to end on the real Kafka: announced through the API (which puts them on the
// changes topic) or produced there by a pipeline, stored by ingest in braid_changes once each,
// listed per tenant; a malformed one goes to the dead-letter topic with the field that is wrong.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBraid, type BraidProcess } from "../../runtime/app.js";
import { eventually, isolatedConfig, requireServices, tempDir, uniqueSuffix } from "../support/env.js";
import { useKafkaClients } from "../support/kafka-clients.js";

describe("change events", () => {
  const storage = tempDir("changes");
  const config = isolatedConfig(uniqueSuffix(), storage.dir, { kafka: { partitions: 1 } });
  const { kafka, producer } = useKafkaClients("changes-test");
  let braid: BraidProcess;
  let base: string;

  beforeAll(async () => {
    await requireServices();
    braid = await startBraid(config);
    base = braid.apiAddress!;
  });
  afterAll(async () => {
    await braid?.stop();
    storage.cleanup();
  });

  const list = async (query = "") => {
    const res = await fetch(`${base}/api/v1/changes?from=${Date.now() - 3_600_000}&to=${Date.now() + 60_000}${query}`);
    return (await res.json()) as { Total: number; Changes: { ChangeId: string; Tenant: string; Service: string; Kind: string; Version: string; Source: string; At: string }[] };
  };

  it("stores a deploy announced through the API, once however often it is sent, and lists it", async () => {
    const deploy = { id: "gha-run-4711", time: new Date(Date.now() - 60_000).toISOString(), service: "payments", kind: "deploy", version: "1.4.3", previous_version: "1.4.2", source: "github-actions", description: "raise the pool size" };
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${base}/api/v1/changes`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(deploy) });
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ ChangeId: "gha-run-4711", Tenant: "default", Topic: config.kafka.changes.topic });
    }
    const listed = await eventually(() => list("&service=payments"), (body) => body.Total >= 1, "the deploy in braid_changes");
    expect(listed.Total).toBe(1);
    expect(listed.Changes[0]).toMatchObject({ ChangeId: "gha-run-4711", Tenant: "default", Service: "payments", Kind: "deploy", Version: "1.4.3", Source: "github-actions" });
  });

  it("rejects an invalid change with a 400 that names the field", async () => {
    const res = await fetch(`${base}/api/v1/changes`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ time: "yesterday", service: "payments", kind: "deploy" }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toContain("body.time");
  });

  it("stores an event a pipeline produced on the topic under the tenant of its header, and dead-letters a malformed one", async () => {
    await producer.send({
      topic: config.kafka.changes.topic,
      messages: [
        { value: JSON.stringify({ time: Date.now() - 30_000, service: "checkout", kind: "feature_flag", description: "new-pricing on", source: "launchdarkly" }), headers: { tenant: "acme" } },
        { value: JSON.stringify({ time: Date.now(), service: "checkout", kind: "rollout" }) },
      ],
    });
    const listed = await eventually(() => list("&service=checkout"), (body) => body.Total >= 1, "the flag change in braid_changes");
    expect(listed.Changes[0]).toMatchObject({ Tenant: "acme", Kind: "feature_flag", Source: "launchdarkly" });
    const consumer = kafka.consumer({ groupId: `changes-dlq-${uniqueSuffix()}` });
    const reasons: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [config.kafka.deadLetterTopic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void reasons.push(String(message.headers?.["braid.dlq.error.reason"] ?? "")) });
    try {
      await eventually(async () => reasons.length, (n) => n >= 1, "a dead letter");
    } finally {
      await consumer.disconnect();
    }
    expect(reasons.join(" ")).toContain("kind");
  });
});
