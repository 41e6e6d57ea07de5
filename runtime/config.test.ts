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
