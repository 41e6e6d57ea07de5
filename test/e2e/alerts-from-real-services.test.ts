// End to end, on real parts only: the Go and Rust shop emits to the real Kafka, Braid (all roles
// in this process, embedded chDB, BullMQ on the real Redis) ingests, correlates and evaluates alert
// rules; a webhook receiver in this test takes the notifications. A latency budget of 200 ms on
// checkout → payments with payments slowed by 400 ms: pending, then firing within `for` + two
// intervals, notified, linked to the incident, resolved and notified resolved when the fault
// ends — from spans and from OTLP metrics alike. A fault-free run fires nothing.
import { createHmac } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKey } from "../../api/index.js";
import { runScenarioWithBraid } from "../../scripts/lib/braid-scenario.js";
import { requireServices, tempDir } from "../support/env.js";

const scenarios = path.join(path.dirname(fileURLToPath(import.meta.url)), "scenarios");
const storage = tempDir("e2e-alerts");
const secret = "e2e-webhook-secret";
const intervalSeconds = 5;
/** The API runs with keys in scenarios: this run's admin key. */
const apiKey = generateKey().key;
const forSeconds = 20;
let server: Server;
let received: { at: number; signatureOk: boolean; body: { status: string; alerts: { status: string; labels: Record<string, string> }[] } }[] = [];

beforeAll(async () => {
  await requireServices();
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString();
      const signatureOk = req.headers["x-braid-signature-256"] === `sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`;
      received.push({ at: Date.now(), signatureOk, body: JSON.parse(raw) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
});
afterAll(() => {
  server?.close();
  storage.cleanup();
});

function alertingEnv(): Record<string, string> {
  const dir = path.join(storage.dir, "alerting");
  mkdirSync(dir, { recursive: true });
  // p95 over a minute: on this 2-core machine the healthy shop's p99 over 30 s already reaches
  // 200-250 ms at times (CPU contention between Braid, Kafka and the services).
  const budget = { kind: "latency", quantile: "p95", threshold_ms: 200, window: "1m", for: `${forSeconds}s`, severity: "page" };
  writeFileSync(
    path.join(dir, "rules.yaml"),
    JSON.stringify({
      rules: [
        { ...budget, name: "checkout-payments-latency", target: { edge: { caller: "checkout", callee: "payments" } } },
        { ...budget, name: "checkout-payments-latency-metrics", source: "metrics", target: { edge: { caller: "checkout", callee: "payments" } } },
        { ...budget, name: "payments-latency-metrics", source: "metrics", target: { service: "payments" } },
      ],
    }),
  );
  // Outside the rules directory: every file there is read as a rule file.
  const notifications = path.join(storage.dir, "notifications.yml");
  writeFileSync(notifications, `route: { receiver: oncall, group_by: [alertname], group_wait: 0s, group_interval: 10s }\nreceivers:\n  - name: oncall\n    webhook_configs: [{ url: "http://127.0.0.1:${(server.address() as AddressInfo).port}/", secret: ${JSON.stringify(secret)} }]\n`);
  return { BRAID_API_BOOTSTRAP_KEY: apiKey, BRAID_ALERT_RULES_DIR: dir, BRAID_ALERT_NOTIFICATIONS_FILE: notifications, BRAID_ALERT_INTERVAL_SECONDS: String(intervalSeconds) };
}

describe("alerts from real Go and Rust services", () => {
  it("alerts on the checkout → payments latency budget: pending, firing, notified, linked to the incident, resolved", async () => {
    received = [];
    const { braid, run } = await runScenarioWithBraid(path.join(scenarios, "e2e-payments-slow.yaml"), { keepBraid: true, chdbPath: path.join(storage.dir, "chdb"), graceSeconds: 60, env: alertingEnv() });
    try {
      const store = braid.store;
      const transitions = await store.query<{ RuleName: string; At: number; FromState: string; ToState: string; Value: number | null }>(
        "SELECT RuleName, toUnixTimestamp(At) AS At, FromState, ToState, Value FROM {{db}}.braid_alert_transitions FINAL ORDER BY RuleName, At",
      );
      const of = (rule: string) => transitions.filter((t) => t.RuleName === rule);
      const faultStart = Math.floor(run.faults[0]!.startedAt.getTime() / 1000);
      const faultEnd = Math.floor(run.faults[0]!.endedAt.getTime() / 1000);
      for (const rule of ["checkout-payments-latency", "checkout-payments-latency-metrics", "payments-latency-metrics"]) {
        const states = of(rule);
        const sequence = states.map((t) => `${t.FromState}→${t.ToState}`);
        expect(sequence.slice(0, 3), rule).toEqual(["inactive→pending", "pending→firing", "firing→resolved"]);
        // Nothing after the resolve: the shop serves 35 s of healthy load and stops; the SDKs'
        // shutdown flushes (in the same second as their last periodic export) are not resets.
        expect(sequence.slice(3), rule).toEqual([]);
        const [pending, firing, resolved] = states.map((t) => Number(t.At));
        expect(pending!, rule).toBeGreaterThanOrEqual(faultStart);
        // Never before `for` has passed. How soon after is a matter of when the ticks ran (late on a
        // loaded machine: 65 s once at a load average of 25); the evaluator's timing is pinned on
        // fixed times in correlator/alerting/evaluate.test.ts, not here.
        expect(firing! - pending!, rule).toBeGreaterThanOrEqual(forSeconds);
        expect(resolved!, rule).toBeGreaterThan(faultEnd);
        expect(states[1]!.Value!, rule).toBeGreaterThan(400);
      }

      // The webhook got the firing and then the resolved notification, signed.
      const forRule = received.filter((r) => r.body.alerts.some((a) => a.labels.alertname === "checkout-payments-latency"));
      expect(forRule.map((r) => r.body.status)).toEqual(["firing", "resolved"]);
      expect(received.every((r) => r.signatureOk)).toBe(true);

      // The firing alert links to the incident the correlator opened, and the incident shows it.
      const [alert] = await store.query<{ IncidentIds: string[] }>("SELECT IncidentIds FROM {{db}}.braid_alerts FINAL WHERE RuleName = 'checkout-payments-latency'");
      expect(alert!.IncidentIds.length).toBeGreaterThanOrEqual(1);
      const res = await fetch(`${braid.apiAddress}/api/v1/incidents/${alert!.IncidentIds[0]}`, { headers: { authorization: `Bearer ${apiKey}` } });
      const incident = (await res.json()) as { Services: string[]; Alerts: { RuleName: string }[] };
      expect(incident.Services).toContain("payments");
      expect(incident.Alerts.map((a) => a.RuleName)).toContain("checkout-payments-latency");
    } finally {
      await braid.stop();
    }
  });

  it("fires nothing while the shop is healthy", async () => {
    received = [];
    const { braid } = await runScenarioWithBraid(path.join(scenarios, "e2e-fault-free.yaml"), { keepBraid: true, chdbPath: path.join(storage.dir, "chdb"), graceSeconds: 10, env: alertingEnv() });
    try {
      const [evaluated] = await braid.store.query<{ n: string }>("SELECT count() AS n FROM {{db}}.braid_alert_ticks");
      // Evaluations ran through the run (every 5 s when the machine keeps up).
      expect(Number(evaluated!.n)).toBeGreaterThanOrEqual(3);
      const transitions = await braid.store.query("SELECT RuleName, ToState FROM {{db}}.braid_alert_transitions FINAL");
      expect(transitions).toEqual([]);
      expect(received).toEqual([]);
    } finally {
      await braid.stop();
    }
  });
});
