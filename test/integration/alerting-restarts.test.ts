// Alert state survives restarts: while an alert is pending, the Redis that schedules evaluations is
// killed and started again empty (a redis-server of this test's own, on another port: the shared
// one is never restarted), and the alerting role itself is restarted. The alert keeps the time it
// became pending, fires once, and is notified once.
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import path from "node:path";
import { trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readLiveAlerts, startAlerting, type AlertingHandle } from "../../correlator/alerting/index.js";
import { freePort } from "../../examples/runner/processes.js";
import { createLogger } from "../../runtime/logger.js";
import { createMetricsRegistry } from "../../runtime/metrics.js";
import { AlertingSettings } from "../../schemas/alerting.js";
import { ChdbStore, migrate, type Store } from "../../store/index.js";
import { eventually, tempDir, uniqueSuffix } from "../support/env.js";
import { shopTraffic } from "../support/rows.js";

const storage = tempDir("alerting-restarts");
let store: Store;
let redis: ChildProcess | undefined;
let redisPort = 0;
let server: Server;
const deliveries: { key: string; status: string }[] = [];


/** A fresh, empty redis-server (no persistence): a restart loses every key, as a crash would. */
async function startRedis(): Promise<void> {
  redis = spawn("redis-server", ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  await eventually(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(redisPort, "127.0.0.1", () => (socket.destroy(), resolve(true)));
        socket.on("error", () => resolve(false));
      }),
    Boolean,
    `redis-server on port ${redisPort}`,
    10_000,
  );
}

async function killRedis(): Promise<void> {
  if (!redis) return;
  const exited = new Promise((resolve) => redis!.once("exit", resolve));
  redis.kill("SIGKILL");
  await exited;
  redis = undefined;
}

beforeAll(async () => {
  redisPort = await freePort();
  await startRedis();
  store = new ChdbStore(path.join(storage.dir, "chdb"), "alerting_restarts");
  await migrate(store);
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      deliveries.push({ key: String(req.headers["idempotency-key"]), status: (JSON.parse(Buffer.concat(chunks).toString()) as { status: string }).status });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
}, 60_000);

afterAll(async () => {
  await killRedis();
  server?.close();
  await store?.close();
  storage.cleanup();
});

describe("alert state across restarts", () => {
  it("keeps a pending alert through a Redis restart and a restart of the alerting role, then fires and notifies it once", async () => {
    const now = Math.floor(Date.now() / 1000);
    const rows = shopTraffic({ startSecond: now - 60, seconds: 300, requestsPerSecond: 3, fault: { node: "payments", kind: "latency", addedLatencyMs: 400, fromSecond: 30, toSecond: 300 } });
    for (let i = 0; i < rows.length; i += 20_000) await store.insert("otel_traces", rows.slice(i, i + 20_000));
    writeFileSync(path.join(storage.dir, "rules.yaml"), "rules:\n  - { name: payments-hop, kind: latency, target: { edge: { caller: checkout, callee: payments } }, threshold_ms: 200, window: 30s, for: 24s }\n");
    const notifications = path.join(storage.dir, "notifications.yml");
    writeFileSync(notifications, `route: { receiver: oncall, group_wait: 0s }\nreceivers:\n  - { name: oncall, webhook_configs: [{ url: "http://127.0.0.1:${(server.address() as AddressInfo).port}/" }] }\n`);
    const settings = AlertingSettings.parse({ rulesDir: storage.dir, notificationsFile: notifications, intervalSeconds: 2, ingestLagSeconds: 0 });
    const prefix = `braid_test_${uniqueSuffix()}`;
    const start = () => startAlerting({ settings, queuePrefix: prefix, redisUrl: `redis://127.0.0.1:${redisPort}`, store, logger: createLogger("silent"), tracer: trace.getTracer("test"), registry: createMetricsRegistry() });
    const alertState = async () => (await readLiveAlerts(store, Math.floor(Date.now() / 1000))).find((a) => a.ruleName === "payments-hop");

    let alerting: AlertingHandle = await start();
    try {
      const pending = await eventually(alertState, (a) => a?.state === "pending", "the alert to be pending", 30_000);
      // Redis dies and comes back empty: no schedule, no job ids, no concurrency limit.
      await killRedis();
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await startRedis();
      await new Promise((resolve) => setTimeout(resolve, 2000));
      // Braid restarts too, still within the pending period.
      await alerting.stop();
      alerting = await start();
      expect((await alertState())!.state).toBe("pending");
      const firing = await eventually(alertState, (a) => a?.state === "firing", "the alert to fire", 60_000);
      expect(firing!.activeAt).toBe(pending!.activeAt);
      expect(firing!.firedAt! - firing!.activeAt!).toBeGreaterThanOrEqual(24);
      await eventually(async () => deliveries.length, (n) => n >= 1, "the notification", 30_000);
      await new Promise((resolve) => setTimeout(resolve, 5000));
    } finally {
      await alerting.stop();
    }
    const transitions = await store.query<{ FromState: string; ToState: string }>("SELECT FromState, ToState FROM {{db}}.braid_alert_transitions FINAL ORDER BY At");
    expect(transitions.map((t) => `${t.FromState}→${t.ToState}`)).toEqual(["inactive→pending", "pending→firing"]);
    expect(deliveries.map((d) => d.status)).toEqual(["firing"]);
  });
});
