import { describe, expect, it } from "vitest";
import { NotificationConfig } from "../../../schemas/alerting.js";
import { fingerprint } from "../labels.js";
import { matches, parseMatcher } from "../matchers.js";
import type { AlertInstance } from "../types.js";
import { signBody } from "./deliver.js";
import { slackPayload, webhookPayload } from "./payload.js";
import { compileRoutes, logKey, matchRoutes, planNotifications, type NotifyLogEntry, type PlannedNotification } from "./plan.js";

const config = NotificationConfig.parse({
  route: {
    receiver: "default",
    group_by: ["alertname"],
    group_wait: "30s",
    group_interval: "5m",
    repeat_interval: "4h",
    routes: [{ matchers: ['severity="page"'], receiver: "pager", group_by: ["alertname", "service"] }, { matchers: ["team=~\"pay.*\""], receiver: "payments-team", continue: true }],
  },
  receivers: [{ name: "default", webhook_configs: [{ url: "http://127.0.0.1:1/default" }] }, { name: "pager", webhook_configs: [{ url: "http://127.0.0.1:1/pager" }] }, { name: "payments-team", slack_configs: [{ api_url: "http://127.0.0.1:1/slack" }] }],
});
const routes = compileRoutes(config, { groupWaitSeconds: 30, groupIntervalSeconds: 300, repeatIntervalSeconds: 14_400 });

function alert(labels: Record<string, string>, state: AlertInstance["state"], firedAt: number, resolvedAt: number | null = null): AlertInstance {
  const all: Record<string, string> = { tenant: "acme", ...labels };
  return { tenant: "acme", ruleId: `*/${all.alertname}`, ruleName: all.alertname!, fingerprint: fingerprint(all), state, labels: all, annotations: { summary: `${all.alertname} on ${all.service}` }, value: 1, activeAt: firedAt, firedAt, keepFiringSince: null, resolvedAt, lastEvalAt: firedAt, services: [], incidentIds: [] };
}

function plan(alerts: AlertInstance[], at: number, log = new Map<string, NotifyLogEntry>(), silences = []) {
  return planNotifications({ alerts, silences, config, routes, log, at });
}
const remember = (log: Map<string, NotifyLogEntry>, planned: PlannedNotification[]) => planned.forEach((n) => log.set(logKey(n.log.receiver, n.groupKey), n.log));

describe("matchers (Alertmanager syntax)", () => {
  it("parses =, !=, =~, !~ with anchored regular expressions", () => {
    expect(matches(parseMatcher('service=~"check.*"'), { service: "checkout" })).toBe(true);
    expect(matches(parseMatcher('service=~"check"'), { service: "checkout" })).toBe(false);
    expect(matches(parseMatcher("severity!=page"), {})).toBe(true);
    expect(matches(parseMatcher('team!~"pay.*"'), { team: "payments" })).toBe(false);
    expect(() => parseMatcher("severity")).toThrow(/is not a matcher/);
  });
});

describe("routing and grouping", () => {
  it("routes to the first matching child, and to later ones only after continue", () => {
    expect(matchRoutes(routes, { alertname: "a", severity: "page", team: "payments" }).map((r) => r.receiver)).toEqual(["pager"]);
    expect(matchRoutes(routes, { alertname: "a", team: "payments" }).map((r) => r.receiver)).toEqual(["payments-team"]);
    expect(matchRoutes(routes, { alertname: "a", severity: "ticket" }).map((r) => [r.receiver, r.key])).toEqual([["default", "{}"]]);
  });

  it("waits group_wait for a new group, then tells nothing new until group_interval, and repeats after repeat_interval", () => {
    const log = new Map<string, NotifyLogEntry>();
    const a = alert({ alertname: "HighLatency", service: "checkout", severity: "page" }, "firing", 1000);
    expect(plan([a], 1020, log)).toEqual([]);
    const first = plan([a], 1030, log);
    expect(first.map((n) => [n.receiver.name, n.groupKey, n.status])).toEqual([["pager", '{}/{severity="page"}:{alertname="HighLatency", service="checkout", tenant="acme"}', "firing"]]);
    remember(log, first);
    expect(plan([a], 1200, log)).toEqual([]);
    const repeat = plan([a], 1030 + 14_400, log);
    expect(repeat).toHaveLength(1);
    expect(repeat[0]!.id).not.toBe(first[0]!.id);
  });

  it("tells a resolution once, after group_interval, and only for alerts told firing", () => {
    const log = new Map<string, NotifyLogEntry>();
    const firing = alert({ alertname: "Errors", service: "payments" }, "firing", 1000);
    remember(log, plan([firing], 1030, log));
    const resolved = { ...firing, state: "resolved" as const, resolvedAt: 1100 };
    expect(plan([resolved], 1110, log)).toEqual([]);
    const told = plan([resolved], 1330, log);
    expect(told.map((n) => [n.status, n.alerts.map((x) => x.status)])).toEqual([["resolved", ["resolved"]]]);
    remember(log, told);
    expect(plan([resolved], 2000, log)).toEqual([]);
    // An alert that resolved before it was ever told is never told.
    expect(plan([{ ...alert({ alertname: "Flap", service: "x" }, "resolved", 5000, 5010) }], 6000, new Map())).toEqual([]);
  });

  it("mutes silenced alerts (a tenant's silence only its own) and never mixes tenants in one group", () => {
    const acme = alert({ alertname: "Errors", service: "payments" }, "firing", 1000);
    const globex = { ...acme, tenant: "globex", labels: { ...acme.labels, tenant: "globex" }, fingerprint: "ffff000000000000" };
    const silence = { id: "s1", tenant: "acme", matchers: [parseMatcher('alertname="Errors"')], startsAt: 900, endsAt: 2000 };
    const planned = planNotifications({ alerts: [acme, globex], silences: [silence], config, routes, log: new Map(), at: 1100 });
    expect(planned.map((n) => n.tenant)).toEqual(["globex"]);
    expect(planNotifications({ alerts: [acme, globex], silences: [], config, routes, log: new Map(), at: 1100 }).map((n) => n.groupLabels.tenant)).toEqual(["acme", "globex"]);
  });
});

describe("payloads", () => {
  it("writes Alertmanager's webhook payload version 4 and a Slack message", () => {
    const a = alert({ alertname: "HighLatency", service: "checkout", severity: "page" }, "firing", 1_700_000_000);
    const [n] = plan([a], 1_700_000_100);
    const payload = webhookPayload(n!, "http://braid:8080/", { sendResolved: true, maxAlerts: 0 })!;
    expect(Object.keys(payload).sort()).toEqual(["alerts", "commonAnnotations", "commonLabels", "externalURL", "groupKey", "groupLabels", "receiver", "status", "truncatedAlerts", "version"]);
    expect(payload.alerts[0]).toEqual({
      status: "firing", labels: a.labels, annotations: a.annotations, startsAt: "2023-11-14T22:13:20Z", endsAt: "0001-01-01T00:00:00Z",
      generatorURL: `http://braid:8080/api/v1/alerts/${a.fingerprint}?rule=*%2FHighLatency`, fingerprint: a.fingerprint,
    });
    expect(payload).toMatchObject({ version: "4", status: "firing", receiver: "pager", externalURL: "http://braid:8080", commonLabels: a.labels, truncatedAlerts: 0 });
    const slack = slackPayload(payload, { channel: "#oncall" });
    expect(slack).toMatchObject({ channel: "#oncall", text: expect.stringContaining("[FIRING:1] HighLatency (page)") });
  });

  it("signs the body with HMAC-SHA256 (RFC 4231 test case 2)", () => {
    expect(signBody("what do ya want for nothing?", "Jefe")).toBe("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  });
});

describe("fingerprint", () => {
  it("is Prometheus's FNV-1a of the sorted label set: the empty set is the FNV offset basis, order does not matter", () => {
    expect(fingerprint({})).toBe("cbf29ce484222325");
    expect(fingerprint({ a: "1" })).toBe("d3b971819376d835");
    expect(fingerprint({ a: "1", b: "2" })).toBe(fingerprint({ b: "2", a: "1" }));
    expect(fingerprint({ a: "1", b: "2" })).not.toBe(fingerprint({ a: "12" }));
  });
});
