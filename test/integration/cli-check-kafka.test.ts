// `braid check --kafka-topic`: a sample of what is on a real Kafka topic, with the messages' own
// headers and timestamps, through the same check as files.
import { describe, expect, it } from "vitest";
import { encodeTraces, traceRequest } from "../../scripts/lib/otlp-builder.js";
import { CheckReport } from "../../schemas/check.js";
import { runBraid } from "../support/cli.js";
import { kafkaBrokers, uniqueSuffix } from "../support/env.js";
import { useKafkaClients } from "../support/kafka-clients.js";

describe("braid check --kafka-topic (real Kafka)", () => {
  const { admin, producer } = useKafkaClients("cli-check-kafka");
  const topic = `check_spans_${uniqueSuffix()}`;

  it("samples the newest messages of a topic across partitions and reports what Braid would do with them", async () => {
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    const now = BigInt(Date.now()) * 1_000_000n;
    const span = (i: number, name: string) => ({ traceId: Buffer.alloc(16, i + 1), spanId: Buffer.alloc(8, i + 1), name, kind: 2, startNs: now, durationNs: 1_000_000n });
    const messages = [
      ...Array.from({ length: 6 }, (_, i) => ({ partition: i % 2, value: encodeTraces(traceRequest("cart", [span(i, i < 3 ? "GET /cart" : `GET /cart/${1000 + i}`)])) })),
      { partition: 0, value: Buffer.from("not protobuf \u0000\u00ff") },
      { partition: 1, value: Buffer.from('{"resourceSpans":[]}'), headers: { "content-type": "text/plain" } },
    ];
    await producer.send({ topic, messages });
    const run = await runBraid(["check", "--kafka-topic", topic, "--signal", "traces", "--sample", "20", "--json"], { env: { BRAID_KAFKA_BROKERS: kafkaBrokers } });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(1);
    const report = CheckReport.parse(JSON.parse(run.stdout));
    expect(report.inputs).toEqual([{ name: topic, signal: "traces", messages: 8, format: "kafka" }]);
    const decode = report.findings.filter((f) => f.rule === "decode.failed").map((f) => [f.subject, f.count, f.locations.map((l) => l.replace(/@\d+$/, ""))]);
    expect(decode).toEqual([
      ["decode_error", 1, [`${topic}/0`]],
      ["unsupported_content_type", 1, [`${topic}/1`]],
    ]);
    expect(report.findings.find((f) => f.rule === "cardinality.span_name")).toMatchObject({ service: "cart", subject: "GET /cart/{n}", count: 3 });
    expect(report.services.map((s) => [s.service, s.items])).toEqual([["cart", { traces: 6 }]]);
  });

  it("exits 2 with the broker and topic when the topic does not exist", async () => {
    const run = await runBraid(["check", "--kafka-topic", `${topic}_missing`, "--signal", "traces"], { env: { BRAID_KAFKA_BROKERS: kafkaBrokers } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^braid: --kafka-topic ${topic}_missing \\(brokers ${kafkaBrokers}\\): cannot read topic ${topic}_missing: topic ${topic}_missing does not exist`));
  });
});
