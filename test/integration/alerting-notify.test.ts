// Notifications end to end on the real Redis and chDB: two evaluators (BullMQ workers sharing one
// queue prefix) over one store send one notification; a webhook receiver in the test checks the
// HMAC signature, answers 500 twice and then 200, and sees the notification delivered once per
// idempotency key, although the alerting role is restarted while the delivery is being retried;
// receivers that keep failing or refuse get the notification dead-lettered.
import { createHmac } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readOutbox, startAlerting, type AlertingHandle } from "../../correlator/alerting/index.js";
import type { Registry } from "prom-client";
import { createLogger } from "../../runtime/logger.js";
import { createMetricsRegistry } from "../../runtime/metrics.js";
import { AlertingSettings } from "../../schemas/alerting.js";
import { ChdbStore, migrate, type Store } from "../../store/index.js";
import { eventually, redisUrl, requireServices, tempDir, uniqueSuffix } from "../support/env.js";
import { shopTraffic } from "../support/rows.js";

const storage = tempDir("alerting-notify");
const secret = "s3cret-for-the-test";
let store: Store;
let server: Server;
const received: { key: string; signatureOk: boolean; status: number; body: Record<string, unknown> }[] = [];
let failuresLeft = 2;

beforeAll(async () => {
  await requireServices();
  store = new ChdbStore(path.join(storage.dir, "chdb"), "alerting_notify");
  await migrate(store);
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString();
      const expected = `sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`;
      const status = failuresLeft-- > 0 ? 500 : 200;
      received.push({ key: String(req.headers["idempotency-key"]), signatureOk: req.headers["x-braid-signature-256"] === expected, status, body: JSON.parse(raw) as Record<string, unknown> });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
}, 60_000);

afterAll(async () => {
  server?.close();
  await store?.close();
  storage.cleanup();
});

describe("alert notifications", () => {
  it("two evaluators send one notification, signed, retried through a restart, delivered once per idempotency key", async () => {
    const now = Math.floor(Date.now() / 1000);
    // Payments is 400 ms slower for the last 90 s (and the next 5 minutes): the rule fires at once.
    const rows = shopTraffic({ startSecond: now - 120, seconds: 420, requestsPerSecond: 3, fault: { node: "payments", kind: "latency", addedLatencyMs: 400, fromSecond: 30, toSecond: 420 } });
    for (let i = 0; i < rows.length; i += 20_000) await store.insert("otel_traces", rows.slice(i, i + 20_000));
    const rulesDir = storage.dir;
    writeFileSync(path.join(rulesDir, "rules.yaml"), "rules:\n  - { name: payments-hop, kind: latency, target: { edge: { caller: checkout, callee: payments } }, threshold_ms: 200, window: 30s, severity: page }\n");
    const notifications = path.join(storage.dir, "notifications.yml");
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    writeFileSync(notifications, `route: { receiver: oncall, group_by: [alertname], group_wait: 0s, group_interval: 1m, repeat_interval: 4h }\nreceivers:\n  - name: oncall\n    webhook_configs: [{ url: "${url}", secret_env: BRAID_TEST_WEBHOOK_SECRET }]\n`);
    process.env.BRAID_TEST_WEBHOOK_SECRET = secret;
    const settings = AlertingSettings.parse({ rulesDir, notificationsFile: notifications, intervalSeconds: 2, ingestLagSeconds: 0, deliveryBackoffSeconds: 1.5, deliveryBackoffCapSeconds: 3 });
    const prefix = `braid_test_${uniqueSuffix()}`;
    const start = (): Promise<AlertingHandle> =>
      startAlerting({ settings, queuePrefix: prefix, redisUrl, store, logger: createLogger("silent"), tracer: trace.getTracer("test"), registry: createMetricsRegistry(), externalUrl: "http://braid.example:8080" });

    const evaluators = [await start(), await start()];
    let restarted: AlertingHandle | undefined;
    try {
      await eventually(async () => received.length, (n) => n >= 1, "the first delivery attempt", 60_000);
      // Restart the alerting role while the delivery is being retried.
      await Promise.all(evaluators.map((e) => e.stop()));
      restarted = await start();
      await eventually(async () => received.filter((r) => r.status === 200).length, (n) => n >= 1, "a delivery answered 200", 60_000);
      // A few more evaluation intervals: nothing new to say about the group, so nothing more is sent.
      await new Promise((resolve) => setTimeout(resolve, 6000));
    } finally {
      await restarted?.stop();
      await Promise.all(evaluators.map((e) => e.stop()));
    }

    expect(received.map((r) => r.status)).toEqual([500, 500, 200]);
    expect(new Set(received.map((r) => r.key)).size).toBe(1);
    expect(received.every((r) => r.signatureOk)).toBe(true);
    const body = received[2]!.body;
    expect(body).toMatchObject({
      version: "4",
      status: "firing",
      receiver: "oncall",
      groupKey: '{}:{alertname="payments-hop", tenant="default"}',
      groupLabels: { alertname: "payments-hop", tenant: "default" },
      commonLabels: { alertname: "payments-hop", callee: "payments", caller: "checkout", severity: "page", tenant: "default" },
      externalURL: "http://braid.example:8080",
      truncatedAlerts: 0,
    });
    const [alert] = body.alerts as Record<string, unknown>[];
    expect(Object.keys(alert!).sort()).toEqual(["annotations", "endsAt", "fingerprint", "generatorURL", "labels", "startsAt", "status"]);
    expect(alert).toMatchObject({ status: "firing", endsAt: "0001-01-01T00:00:00Z", fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) });
    const [outbox] = await readOutbox(store, { limit: 10 });
    expect(outbox).toMatchObject({ notificationId: received[0]!.key, status: "delivered", receiver: "oncall" });
  });

  it("dead-letters a notification after the retry budget (5xx) and at once when the receiver refuses it (4xx), with a metric", async () => {
    const statuses: Record<string, number> = { "/down": 503, "/refuses": 400 };
    const hits: Record<string, number> = {};
    const failing = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        hits[req.url!] = (hits[req.url!] ?? 0) + 1;
        res.writeHead(statuses[req.url!] ?? 500).end();
      });
    });
    await new Promise<void>((resolve) => failing.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(failing.address() as AddressInfo).port}`;
    const db = new ChdbStore(path.join(storage.dir, "chdb"), "alerting_dead");
    await migrate(db);
    const now = Math.floor(Date.now() / 1000);
    const rows = shopTraffic({ startSecond: now - 120, seconds: 420, requestsPerSecond: 3, fault: { node: "payments", kind: "latency", addedLatencyMs: 400, fromSecond: 30, toSecond: 420 } });
    for (let i = 0; i < rows.length; i += 20_000) await db.insert("otel_traces", rows.slice(i, i + 20_000));
    const dir = path.join(storage.dir, "dead");
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "rules.yaml"), "rules:\n  - { name: payments-hop, kind: latency, target: { edge: { caller: checkout, callee: payments } }, threshold_ms: 200, window: 30s }\n");
    const notifications = path.join(dir, "notifications.yml");
    writeFileSync(notifications, `route: { receiver: down, group_wait: 0s }\nreceivers:\n  - { name: down, webhook_configs: [{ url: "${base}/down" }, { url: "${base}/refuses" }] }\n`);
    const settings = AlertingSettings.parse({ rulesDir: dir, notificationsFile: notifications, intervalSeconds: 2, ingestLagSeconds: 0, deliveryAttempts: 3, deliveryBackoffSeconds: 0.5, deliveryBackoffCapSeconds: 1 });
    const registry: Registry = createMetricsRegistry();
    const alerting = await startAlerting({ settings, queuePrefix: `braid_test_${uniqueSuffix()}`, redisUrl, store: db, logger: createLogger("silent"), tracer: trace.getTracer("test"), registry });
    try {
      const dead = await eventually(async () => readOutbox(db, { status: "dead", limit: 10 }), (r) => r.length === 2, "both notifications dead-lettered", 60_000);
      expect(dead.map((r) => [r.integration, r.lastError]).sort()).toEqual([["webhook", "HTTP 400 Bad Request"], ["webhook", "HTTP 503 Service Unavailable"]]);
      expect(hits).toEqual({ "/down": 3, "/refuses": 1 });
      const metric = await registry.getSingleMetricAsString("braid_alert_notifications_dead_total");
      expect(metric).toContain('braid_alert_notifications_dead_total{receiver="down"} 2');
    } finally {
      await alerting.stop();
      failing.close();
      await db.close();
    }
  });
});
