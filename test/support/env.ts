// Shared set-up for integration tests: real services must be up (scripts/test.sh starts them),
// and each test gets its own topics, consumer group, database and chDB directory.
import { mkdtempSync, rmSync } from "node:fs";
import { Socket } from "node:net";
import os from "node:os";
import path from "node:path";
import { deepMerge } from "../../runtime/config.js";
import { BraidConfig, type BraidConfigInput } from "../../schemas/config.js";

export const kafkaBrokers = process.env.BRAID_KAFKA_BROKERS ?? "127.0.0.1:9092";
export const redisUrl = process.env.BRAID_REDIS_URL ?? "redis://127.0.0.1:6379";

export function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(1000);
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
    socket.once("error", () => resolve(false));
    socket.connect(port, host);
  });
}

/** Fails fast, with the fix, when Kafka or Redis is not running. */
export async function requireServices(): Promise<void> {
  const [kafkaHost, kafkaPort] = kafkaBrokers.split(",")[0]!.split(":");
  const redis = new URL(redisUrl);
  if (!(await portOpen(kafkaHost!, Number(kafkaPort)))) throw new Error(`Kafka is not reachable at ${kafkaBrokers}: run 'bash scripts/services.sh start'`);
  if (!(await portOpen(redis.hostname, Number(redis.port || 6379)))) throw new Error(`Redis is not reachable at ${redisUrl}: run 'bash scripts/services.sh start'`);
}

export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}_${process.pid}_${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `braid-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A config whose topics, group and database belong to this test only. */
export function isolatedConfig(suffix: string, chdbPath: string, overrides: BraidConfigInput = {}): BraidConfig {
  const base: BraidConfigInput = {
    roles: ["ingest", "api"],
    kafka: {
      brokers: kafkaBrokers,
      groupId: `braid_test_${suffix}`,
      partitions: 2,
      traces: { topic: `otlp_spans_${suffix}`, encoding: "otlp_proto" },
      metrics: { topic: `otlp_metrics_${suffix}`, encoding: "otlp_proto" },
      logs: { topic: `otlp_logs_${suffix}`, encoding: "otlp_proto" },
      appLogs: { topic: `app_logs_${suffix}`, encoding: "app_log" },
      changes: { topic: `braid_changes_${suffix}`, encoding: "change_event" },
      deadLetterTopic: `braid_dlq_${suffix}`,
    },
    store: { database: `otel_${suffix}`.replace(/[^A-Za-z0-9_]/g, "_"), chdbPath },
    redis: { url: redisUrl },
    // Test files share one Redis: each gets queues of its own.
    correlator: { queuePrefix: `braid_test_${suffix}`, incidentTopic: `braid_incidents_${suffix}` },
    // Authentication is tested on its own (test/integration/api-auth.test.ts and the tenancy
    // matrix); tests of other features call the API as the open-access operator.
    api: { host: "127.0.0.1", port: 0, auth: { mode: "off" } },
    log: { level: (process.env.BRAID_TEST_LOG_LEVEL as "warn" | undefined) ?? "warn" },
  };
  return BraidConfig.parse(deepMerge(base, overrides));
}

/** Polls until `probe` returns a value that `done` accepts, or fails with the last value seen. */
export async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)?.slice(0, 500)}`);
}
