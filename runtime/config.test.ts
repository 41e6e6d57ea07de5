import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

describe("configuration", () => {
  it("has defaults that run the embedded mode against local Kafka and Redis", () => {
    const config = loadConfig({});
    expect(config.roles).toEqual(["ingest", "correlator", "api"]);
    expect(config.kafka.brokers).toEqual(["127.0.0.1:9092"]);
    expect(config.kafka.traces).toEqual({ topic: "otlp_spans", encoding: "otlp_proto" });
    expect(config.kafka.metrics.topic).toBe("otlp_metrics");
    expect(config.kafka.logs.topic).toBe("otlp_logs");
    expect(config.kafka.deadLetterTopic).toBe("braid_dlq");
    expect(config.store.clickhouseUrl).toBeUndefined();
    expect(config.store.database).toBe("otel");
  });

  it("reads environment variables into typed settings", () => {
    const config = loadConfig({ BRAID_KAFKA_BROKERS: "k1:9092, k2:9093", BRAID_API_PORT: "9000", BRAID_ROLES: "ingest", BRAID_KAFKA_FROM_BEGINNING: "false", BRAID_CLICKHOUSE_URL: "http://ch:8123" });
    expect(config.kafka.brokers).toEqual(["k1:9092", "k2:9093"]);
    expect(config.api.port).toBe(9000);
    expect(config.roles).toEqual(["ingest"]);
    expect(config.kafka.fromBeginning).toBe(false);
    expect(config.store.clickhouseUrl).toBe("http://ch:8123");
  });

  it("lets a topic be set without its encoding, and an encoding without its topic", () => {
    const config = loadConfig({ BRAID_TRACES_TOPIC: "spans_eu", BRAID_LOGS_ENCODING: "otlp_json" });
    expect(config.kafka.traces).toEqual({ topic: "spans_eu", encoding: "otlp_proto" });
    expect(config.kafka.logs).toEqual({ topic: "otlp_logs", encoding: "otlp_json" });
  });

  it("stops with a message naming each bad setting, its variable and what is expected", () => {
    let error: unknown;
    try {
      loadConfig({ BRAID_API_PORT: "eighty", BRAID_ROLES: "ingest,scheduler", BRAID_TRACES_ENCODING: "avro" });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('api.port (env BRAID_API_PORT="eighty")');
    expect(message).toContain('roles.1 (env BRAID_ROLES="ingest,scheduler")');
    expect(message).toMatch(/kafka\.traces\.encoding \(env BRAID_TRACES_ENCODING="avro"\): .*otlp_proto/);
  });
});

describe("secrets in the configuration", () => {
  it("reads a secret from NAME_FILE, as Docker and Kubernetes secrets are mounted", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const dir = mkdtempSync(`${(await import("node:os")).tmpdir()}/braid-secret-`);
    writeFileSync(`${dir}/password`, "s3cret-from-file\n");
    const config = loadConfig({ BRAID_KAFKA_SASL_MECHANISM: "scram-sha-512", BRAID_KAFKA_SASL_USERNAME: "braid", BRAID_KAFKA_SASL_PASSWORD_FILE: `${dir}/password` });
    expect(config.kafka.sasl).toEqual({ mechanism: "scram-sha-512", username: "braid", password: "s3cret-from-file" });
    expect(() => loadConfig({ BRAID_API_BOOTSTRAP_KEY_FILE: `${dir}/missing` })).toThrow(/api\.auth\.bootstrapKey \(env BRAID_API_BOOTSTRAP_KEY_FILE=.*\): cannot read the file: ENOENT/);
  });

  it("never echoes a secret in a configuration error", () => {
    let message = "";
    try {
      loadConfig({ BRAID_API_BOOTSTRAP_KEY: "too-short-secret" });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain("api.auth.bootstrapKey (env BRAID_API_BOOTSTRAP_KEY=[redacted])");
    expect(message).not.toContain("too-short-secret");
  });

  it("redacts secrets and URL credentials in the configuration dump", async () => {
    const { redactConfig } = await import("./config.js");
    const config = loadConfig({
      BRAID_CLICKHOUSE_URL: "https://braid:ch-pass@ch.example:8443",
      BRAID_CLICKHOUSE_PASSWORD: "ch-pass",
      BRAID_KAFKA_SASL_MECHANISM: "plain",
      BRAID_KAFKA_SASL_USERNAME: "braid",
      BRAID_KAFKA_SASL_PASSWORD: "kafka-pass",
      BRAID_KAFKA_TLS_KEY_PASSPHRASE: "key-pass",
      BRAID_API_BOOTSTRAP_KEY: "bootstrap-key-0123456789abcdef0123456789",
      BRAID_REDIS_URL: "rediss://:redis-pass@redis.example:6380",
    });
    const dump = JSON.stringify(redactConfig(config));
    for (const secret of ["ch-pass", "kafka-pass", "key-pass", "bootstrap-key-0123456789abcdef0123456789", "redis-pass"]) expect(dump).not.toContain(secret);
    expect(redactConfig(config).kafka.sasl?.username).toBe("braid");
    expect(redactConfig(config).store.clickhouseUrl).toBe("https://redacted:redacted@ch.example:8443/");
  });

  it("refuses authentication off on an address other than loopback", () => {
    expect(() => loadConfig({ BRAID_API_AUTH: "off", BRAID_API_HOST: "0.0.0.0" })).toThrow(/api\.auth\.mode.*only on a loopback address/);
    expect(loadConfig({ BRAID_API_AUTH: "off" }).api.auth.mode).toBe("off");
    expect(loadConfig({}).api.auth.mode).toBe("keys");
  });
});
