// The alerting API on a real (embedded) store: rules from a directory and through the API (bad
// bodies answered 400 naming the field), alerts after an evaluation, SLO status, silences, and the
// incident ↔ alert link. Requests go through Fastify's inject.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { trace } from "@opentelemetry/api";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApi } from "../../api/index.js";
import { listAlerts } from "../../api/queries/alerts.js";
import { RuleCatalogLoader, runAlertTick } from "../../correlator/alerting/index.js";
import { runCorrelation, runDetection } from "../../correlator/index.js";
import { createLogger } from "../../runtime/logger.js";
import { createMetricsRegistry } from "../../runtime/metrics.js";
import { AlertingSettings } from "../../schemas/alerting.js";
import { CorrelatorSettings } from "../../schemas/config.js";
import { ChdbStore, migrate, type Store } from "../../store/index.js";
import { tempDir } from "../support/env.js";
import { shopTraffic } from "../support/rows.js";

const storage = tempDir("alerting-api");
const rulesDir = path.join(storage.dir, "rules");
const start = 1_800_000_000;
let store: Store;
let app: FastifyInstance;

beforeAll(async () => {
  mkdirSync(rulesDir);
  writeFileSync(
    path.join(rulesDir, "shop.yaml"),
    `rules:
  - name: payments-hop
    kind: latency
    target: { edge: { caller: checkout, callee: payments } }
    threshold_ms: 200
    window: 30s
    for: 20s
    severity: page
    annotations:
      summary: "checkout → payments p99 {{ $value | humanize }}ms"
  - name: payments-availability
    kind: slo
    target: { service: payments }
    objective: 99.5
    period: 1h
    burn_rates: [{ severity: page, long: 1m, short: 20s, factor: 2 }]
`,
  );
  writeFileSync(path.join(rulesDir, "broken.yaml"), "rules:\n  - name: bad-one\n    kind: latency\n    threshold_ms: -5\n");
  store = new ChdbStore(path.join(storage.dir, "chdb"), "alerting_api");
  await migrate(store);
  const rows = shopTraffic({ startSecond: start, seconds: 900, requestsPerSecond: 4, fault: { node: "payments", kind: "latency", addedLatencyMs: 400, fromSecond: 600, toSecond: 780 } });
  for (let i = 0; i < rows.length; i += 20_000) await store.insert("otel_traces", rows.slice(i, i + 20_000));
  // The correlator opens its incident; alert ticks run at the same simulated times.
  const correlator = CorrelatorSettings.parse({});
  const alerting = AlertingSettings.parse({ ingestLagSeconds: 0 });
  const catalog = new RuleCatalogLoader(store, rulesDir);
  for (let now = start + 540; now < start + 700; now += 10) {
    await runDetection(store, correlator, now * 1000);
    await runCorrelation(store, correlator, now * 1000);
    await runAlertTick(store, alerting, (await catalog.load()).rules, now);
  }
  app = await buildApi({ deps: { store, logger: createLogger("silent"), alerting: { rulesDir } }, tracer: trace.getTracer("test"), registry: createMetricsRegistry(), health: [] });
}, 240_000);

afterAll(async () => {
  await app?.close();
  await store?.close();
  storage.cleanup();
});

describe("alerting API", () => {
  it("lists the file rules and reports the bad one with its file, name and field", async () => {
    const res = await app.inject({ url: "/api/v1/rules" });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.Rules.map((r: { Name: string; Origin: string }) => [r.Name, r.Origin])).toEqual([["payments-hop", "file"], ["payments-availability", "file"]]);
    expect(body.Problems).toEqual([{ File: path.join(rulesDir, "broken.yaml"), Rule: "bad-one", Field: "rules[0].threshold_ms", Message: expect.stringContaining(">0") }]);
  });

  it("shows the firing alert with its value, labels, annotations, transitions and the incident it overlaps", async () => {
    const res = await app.inject({ url: "/api/v1/alerts?state=firing" });
    expect(res.statusCode).toBe(200);
    const [alert] = res.json().Alerts;
    expect(alert).toMatchObject({ RuleName: "payments-hop", State: "firing", Labels: { alertname: "payments-hop", caller: "checkout", callee: "payments", severity: "page", tenant: "default" } });
    expect(alert.Value).toBeGreaterThan(400);
    expect(alert.Annotations.summary).toMatch(/^checkout → payments p99 4\d\d(\.\d+)?ms$/);
    expect(alert.Links.Incidents.length).toBe(1);
    const detail = (await app.inject({ url: `/api/v1/alerts/${alert.Fingerprint}` })).json();
    expect(detail.Transitions.map((t: { From: string; To: string }) => `${t.From}→${t.To}`)).toEqual(["pending→firing", "inactive→pending"]);
    // The incident shows its alerts.
    const incident = (await app.inject({ url: alert.Links.Incidents[0].Href })).json();
    expect(incident.Alerts.map((a: { RuleName: string }) => a.RuleName)).toContain("payments-hop");
  });

  it("shows SLO status: SLI, budget remaining and burn rate per window", async () => {
    const res = await app.inject({ url: "/api/v1/slos" });
    expect(res.statusCode).toBe(200);
    const [slo] = res.json().Slos;
    expect(slo).toMatchObject({ RuleName: "payments-availability", Objective: 99.5, Period: "1h", SliPeriod: 1, ErrorBudgetRemaining: 1 });
    expect(slo.BurnRates).toEqual([{ Severity: "page", LongWindow: "1m", ShortWindow: "20s", Factor: 2, LongBurnRate: 0, ShortBurnRate: 0, Firing: false }]);
  });

  it("creates, replaces and deletes API rules; a bad body is a 400 naming the field; names are unique", async () => {
    const bad = await app.inject({ method: "POST", url: "/api/v1/rules", payload: { name: "x", kind: "error_rate", threshold: 2 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain("threshold:");
    const badTemplate = await app.inject({ method: "POST", url: "/api/v1/rules", payload: { name: "x", kind: "error_rate", threshold: 0.1, annotations: { summary: "{{ $nope }}" } } });
    expect(badTemplate.statusCode).toBe(400);
    expect(badTemplate.json().message).toContain("annotations.summary: bad template: unknown variable $nope");
    const clash = await app.inject({ method: "POST", url: "/api/v1/rules", payload: { name: "payments-hop", kind: "error_rate", threshold: 0.1 } });
    expect(clash.statusCode).toBe(409);
    const created = await app.inject({ method: "POST", url: "/api/v1/rules", payload: { name: "checkout-errors", kind: "error_rate", target: { service: "checkout" }, threshold: 0.1, for: "1m" } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ Name: "checkout-errors", Origin: "api", Definition: { for: 60, window: 300 } });
    const replaced = await app.inject({ method: "PUT", url: "/api/v1/rules/checkout-errors", payload: { kind: "error_rate", target: { service: "checkout" }, threshold: 0.2 } });
    expect(replaced.statusCode).toBe(200);
    expect((await app.inject({ url: "/api/v1/rules/checkout-errors" })).json().Definition.threshold).toBe(0.2);
    expect((await app.inject({ method: "DELETE", url: "/api/v1/rules/checkout-errors" })).statusCode).toBe(204);
    expect((await app.inject({ url: "/api/v1/rules/checkout-errors" })).statusCode).toBe(404);
    expect((await app.inject({ method: "DELETE", url: "/api/v1/rules/payments-hop" })).statusCode).toBe(409);
  });

  it("creates, lists and expires silences; rejects a silence without matchers", async () => {
    expect((await app.inject({ method: "POST", url: "/api/v1/silences", payload: { matchers: [], endsAt: new Date(Date.now() + 3600_000).toISOString() } })).statusCode).toBe(400);
    const created = await app.inject({ method: "POST", url: "/api/v1/silences", payload: { matchers: [{ name: "alertname", value: "payments-.*", isRegex: true }], endsAt: new Date(Date.now() + 3600_000).toISOString(), comment: "deploy" } });
    expect(created.statusCode).toBe(201);
    const { id } = created.json();
    expect((await app.inject({ url: "/api/v1/silences" })).json().Silences.map((s: { id: string; status: { state: string } }) => [s.id, s.status.state])).toEqual([[id, "active"]]);
    // The firing alert shows the silence that mutes it.
    expect((await app.inject({ url: "/api/v1/alerts?state=firing" })).json().Alerts[0].SilencedBy).toEqual([id]);
    const expired = await app.inject({ method: "DELETE", url: `/api/v1/silences/${id}` });
    expect(expired.json().status.state).toBe("expired");
    expect((await app.inject({ url: "/api/v1/silences" })).json().Silences).toEqual([]);
  });

  it("filters alerts by the caller's tenant", async () => {
    expect((await listAlerts(store, { tenant: "default", limit: 10, offset: 0 })).total).toBeGreaterThan(0);
    expect((await listAlerts(store, { tenant: "globex", limit: 10, offset: 0 })).total).toBe(0);
  });
});
