// Braid over the broker's secured listeners (scripts/services.sh makes them, with a CA and
// certificates of its own): SASL_SSL with SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN, and SSL with a
// client certificate, configured through environment variables and a config file as an operator
// would. Braid consumes and produces through them; a refused password gives one clear error and
// slow retries, and Braid carries on by itself once the broker accepts it; no secret reaches a log.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import { Kafka, Partitioners, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectAdmin, createKafka, ensureTopics, kafkaRefusal, kafkaSecurity, refusalMessage } from "../../ingest/index.js";
import { loadConfig } from "../../runtime/config.js";
import { startBraid, type BraidProcess } from "../../runtime/app.js";
import { createLogger } from "../../runtime/logger.js";
import type { BraidConfig } from "../../schemas/config.js";
import { encodeTraces, hex, newSpanId, newTraceId, traceRequest } from "../../scripts/lib/otlp-builder.js";
import { eventually, isolatedConfig, requireServices, tempDir, uniqueSuffix } from "../support/env.js";
import { secureKafka, type SecureKafka } from "../support/secure-kafka.js";

let broker: SecureKafka;
const storage = tempDir("kafka-transport");
const silent = createLogger("silent");

beforeAll(async () => {
  await requireServices();
  broker = await secureKafka();
}, 180_000);
afterAll(async () => {
  await broker?.stop();
  storage.cleanup();
});

/** Log records written by a logger, parsed, and the raw text (to search for secrets). */
function capturedLogs() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  return { logger: createLogger("debug", "braid", stream), lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown> & { level: number; msg: string }) };
}

/** Settings from the environment, as an operator sets them, for one of the broker's listeners. */
const envFor = (overrides: Record<string, string>) => ({ BRAID_KAFKA_TLS: "true", BRAID_KAFKA_TLS_CA_FILE: path.join(broker.tlsDir, "ca.pem"), ...overrides });

/** Produces one message and reads it back through `config`'s connection. */
async function roundTrip(config: Pick<BraidConfig, "kafka">): Promise<string> {
  const kafka = createKafka({ brokers: config.kafka.brokers, clientId: "transport-test", logger: silent, security: kafkaSecurity(config.kafka) });
  const topic = `transport_${uniqueSuffix()}`;
  await ensureTopics(kafka, [topic], 1, 1);
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({ groupId: `transport_${uniqueSuffix()}` });
  await producer.connect();
  await consumer.connect();
  try {
    await producer.send({ topic, messages: [{ value: `hello over ${config.kafka.sasl?.mechanism ?? "mTLS"}` }] });
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    return await new Promise<string>((resolve) => void consumer.run({ eachMessage: async ({ message }) => resolve(message.value!.toString()) }));
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }
}

describe("Kafka over TLS and SASL", () => {
  it.each(["scram-sha-512", "scram-sha-256", "plain"])("produces and consumes over SASL_SSL with %s, configured by environment variables (password from a file)", async (mechanism) => {
    const passwordFile = path.join(storage.dir, "kafka-password");
    writeFileSync(passwordFile, `${broker.password}\n`);
    const config = loadConfig(envFor({ BRAID_KAFKA_BROKERS: broker.saslSsl, BRAID_KAFKA_SASL_MECHANISM: mechanism, BRAID_KAFKA_SASL_USERNAME: broker.username, BRAID_KAFKA_SASL_PASSWORD_FILE: passwordFile }));
    expect(config.kafka.sasl).toEqual({ mechanism, username: broker.username, password: broker.password });
    expect(await roundTrip(config)).toBe(`hello over ${mechanism}`);
  });

  it("produces and consumes over TLS with a client certificate (an encrypted key and its passphrase), configured by a file", async () => {
    const file = path.join(storage.dir, "braid-mtls.yaml");
    writeFileSync(
      file,
      [
        "kafka:",
        `  brokers: ["${broker.mutualTls}"]`,
        "  tls:",
        "    enabled: true",
        `    caFile: ${path.join(broker.tlsDir, "ca.pem")}`,
        `    certFile: ${path.join(broker.tlsDir, "client.pem")}`,
        `    keyFile: ${path.join(broker.tlsDir, "client-encrypted.key")}`,
        `    keyPassphrase: "${readFileSync(path.join(broker.tlsDir, "client-key.passphrase"), "utf8").trim()}"`,
      ].join("\n"),
    );
    expect(await roundTrip(loadConfig({ BRAID_CONFIG: file }))).toBe("hello over mTLS");
  });

  it("names the setting to check when the broker refuses the TLS handshake: an unknown CA, no client certificate", async () => {
    const noCa = loadConfig({ BRAID_KAFKA_BROKERS: broker.saslSsl, BRAID_KAFKA_TLS: "true", BRAID_KAFKA_SASL_MECHANISM: "plain", BRAID_KAFKA_SASL_USERNAME: broker.username, BRAID_KAFKA_SASL_PASSWORD: broker.password });
    const noCert = loadConfig(envFor({ BRAID_KAFKA_BROKERS: broker.mutualTls }));
    for (const config of [noCa, noCert]) {
      // No retries inside kafkajs (a handshake error is retriable to it): the refusal itself is under test.
      const kafka = new Kafka({ brokers: config.kafka.brokers, clientId: "transport-test", logLevel: logLevel.NOTHING, retry: { retries: 0 }, ...kafkaSecurity(config.kafka) });
      const admin = kafka.admin();
      const error = await admin.connect().then(() => undefined, (err: unknown) => err);
      await admin.disconnect();
      expect(kafkaRefusal(error)).toBe("tls");
      expect(refusalMessage("tls", config.kafka, error)).toMatch(/^the TLS handshake with Kafka at 127\.0\.0\.1:\d+ failed: .*Check BRAID_KAFKA_TLS_CA_FILE/);
    }
  });

  it("stores spans consumed over SASL_SSL (SCRAM-SHA-512) and dead-letters a bad message through the same connection", async () => {
    const suffix = uniqueSuffix();
    const config = isolatedConfig(suffix, path.join(storage.dir, "chdb-scram"), {
      kafka: { brokers: [broker.saslSsl], tls: { enabled: true, caFile: path.join(broker.tlsDir, "ca.pem") }, sasl: { mechanism: "scram-sha-512", username: broker.username, password: broker.password } },
    });
    let braid: BraidProcess | undefined;
    try {
      braid = await startBraid(config, { logger: silent });
      const kafka = createKafka({ brokers: config.kafka.brokers, clientId: "transport-test", logger: silent, security: kafkaSecurity(config.kafka) });
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      const traceId = newTraceId();
      await producer.send({
        topic: config.kafka.traces.topic,
        messages: [
          { value: encodeTraces(traceRequest("payments", [{ traceId, spanId: newSpanId(), name: "POST /charge", kind: 2, startNs: BigInt(Date.now()) * 1_000_000n, durationNs: 5_000_000n }], "rust")) },
          { value: Buffer.from("not protobuf at all \u0000\u0007") },
        ],
      });
      await producer.disconnect();
      await eventually(() => braid!.store.query<{ n: string }>("SELECT count() AS n FROM {{db}}.otel_traces WHERE TraceId = {id:String}", { id: hex(traceId) }), (rows) => rows[0]?.n === "1", "the span stored");
      // The dead letter went out through Braid's producer on the secured connection.
      const consumer = kafka.consumer({ groupId: `dlq_reader_${suffix}` });
      await consumer.connect();
      await consumer.subscribe({ topics: [config.kafka.deadLetterTopic], fromBeginning: true });
      const dead = await new Promise<Record<string, string>>((resolve) => void consumer.run({ eachMessage: async ({ message }) => resolve(Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]))) }));
      await consumer.disconnect();
      expect(Object.values(dead).join(" ")).toContain(config.kafka.traces.topic);
      const health = (await (await fetch(`${braid.apiAddress}/healthz`)).json()) as { checks: { kafka: { ok: boolean } } };
      expect(health.checks.kafka.ok).toBe(true);
    } finally {
      await braid?.stop();
    }
  });

  it("gives one clear error for a refused password, retries slowly, and starts by itself once the broker accepts the credentials", async () => {
    const suffix = uniqueSuffix();
    const username = `braid-late-${suffix}`;
    const password = `late-secret-${suffix}`;
    const config = isolatedConfig(suffix, path.join(storage.dir, "chdb-late"), {
      kafka: { brokers: [broker.saslSsl], tls: { enabled: true, caFile: path.join(broker.tlsDir, "ca.pem") }, sasl: { mechanism: "scram-sha-256", username, password } },
      log: { level: "debug" },
    });
    const logs = capturedLogs();
    const started = startBraid(config, { logger: logs.logger, kafkaRefusalRetry: { initialDelayMs: 1000, maxDelayMs: 2000 } });
    // Three refusals: one error, then quiet retries.
    await eventually(async () => logs.records().filter((r) => r.msg === "Kafka still refuses the connection").length, (n) => n >= 2, "two retries", 60_000);
    const errors = logs.records().filter((r) => r.level >= 50);
    expect(errors.map((r) => r.msg)).toHaveLength(1);
    expect(errors[0]!.msg).toMatch(/^Kafka at 127\.0\.0\.1:\d+ rejected Braid's SASL credentials \(SCRAM-SHA-256, user braid-late-.*\): .*Check BRAID_KAFKA_SASL_MECHANISM, BRAID_KAFKA_SASL_USERNAME and BRAID_KAFKA_SASL_PASSWORD/);
    const retries = logs.records().filter((r) => r.msg === "Kafka still refuses the connection");
    expect(retries.map((r) => r.retryInSeconds)).toEqual(expect.arrayContaining([2]));
    // The operator fixes the credentials on the broker: Braid connects at its next attempt.
    await broker.configCommand(["--alter", "--entity-type", "users", "--entity-name", username, "--add-config", `SCRAM-SHA-256=[iterations=4096,password=${password}]`]);
    const braid = await started;
    try {
      expect(logs.records().some((r) => r.msg === "Kafka accepted Braid's connection now")).toBe(true);
      const health = (await (await fetch(`${braid.apiAddress}/healthz`)).json()) as { checks: { kafka: { ok: boolean } } };
      expect(health.checks.kafka.ok).toBe(true);
    } finally {
      await braid.stop();
    }
    // Not one log line, the configuration dump included, holds the password.
    expect(logs.lines.length).toBeGreaterThan(10);
    expect(logs.lines.filter((line) => line.includes(password))).toEqual([]);
    expect(logs.records().find((r) => r.msg === "configuration")).toMatchObject({ config: { kafka: { sasl: { username, password: "[redacted]" } } } });
  });

  it("connects an admin client at once when the credentials are right (no refusal to wait out)", async () => {
    const config = loadConfig(envFor({ BRAID_KAFKA_BROKERS: broker.saslSsl, BRAID_KAFKA_SASL_MECHANISM: "scram-sha-512", BRAID_KAFKA_SASL_USERNAME: broker.username, BRAID_KAFKA_SASL_PASSWORD: broker.password }));
    const logs = capturedLogs();
    const admin = createKafka({ brokers: config.kafka.brokers, clientId: "transport-test", logger: logs.logger, security: kafkaSecurity(config.kafka) }).admin();
    await connectAdmin(admin, config.kafka, logs.logger);
    expect((await admin.describeCluster()).brokers.length).toBe(1);
    await admin.disconnect();
    expect(logs.records().filter((r) => r.level >= 50)).toEqual([]);
  });
});
