// Notification bodies. The webhook body is Alertmanager's webhook payload, version 4, field for
// field, so anything that accepts Alertmanager's webhook accepts Braid's. The Slack body is an
// incoming-webhook message (text + attachments), which Slack, Mattermost and Rocket.Chat take.
import type { Labels } from "../labels.js";
import type { PlannedNotification } from "./plan.js";

/** Alertmanager's zero time, sent as endsAt of firing alerts. */
const zeroTime = "0001-01-01T00:00:00Z";
const rfc3339 = (seconds: number) => new Date(seconds * 1000).toISOString().replace(".000Z", "Z");

export interface WebhookAlert {
  status: "firing" | "resolved";
  labels: Labels;
  annotations: Labels;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

export interface WebhookPayload {
  version: "4";
  groupKey: string;
  truncatedAlerts: number;
  status: "firing" | "resolved";
  receiver: string;
  groupLabels: Labels;
  commonLabels: Labels;
  commonAnnotations: Labels;
  externalURL: string;
  alerts: WebhookAlert[];
}

function common(maps: Labels[]): Labels {
  if (maps.length === 0) return {};
  const out: Labels = { ...maps[0] };
  for (const map of maps.slice(1)) for (const [name, value] of Object.entries(out)) if (map[name] !== value) delete out[name];
  return out;
}

export function webhookPayload(n: PlannedNotification, externalUrl: string, options: { sendResolved: boolean; maxAlerts: number }): WebhookPayload | undefined {
  const base = externalUrl.replace(/\/+$/, "");
  let alerts: WebhookAlert[] = n.alerts
    .filter((a) => options.sendResolved || a.status === "firing")
    .map(({ alert, status }) => ({
      status,
      labels: alert.labels,
      annotations: alert.annotations,
      startsAt: rfc3339(alert.firedAt ?? alert.activeAt ?? alert.lastEvalAt),
      endsAt: status === "resolved" && alert.resolvedAt !== null ? rfc3339(alert.resolvedAt) : zeroTime,
      generatorURL: `${base}/api/v1/alerts/${alert.fingerprint}?rule=${encodeURIComponent(alert.ruleId)}`,
      fingerprint: alert.fingerprint,
    }));
  if (alerts.length === 0) return undefined;
  const total = alerts.length;
  if (options.maxAlerts > 0 && alerts.length > options.maxAlerts) alerts = alerts.slice(0, options.maxAlerts);
  const status = alerts.some((a) => a.status === "firing") ? "firing" : "resolved";
  return {
    version: "4",
    groupKey: n.groupKey,
    truncatedAlerts: total - alerts.length,
    status,
    receiver: n.receiver.name,
    groupLabels: n.groupLabels,
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL: base,
    alerts,
  };
}

export function slackPayload(payload: WebhookPayload, options: { channel?: string; username?: string }): Record<string, unknown> {
  const firing = payload.alerts.filter((a) => a.status === "firing").length;
  const title = `[${payload.status.toUpperCase()}${payload.status === "firing" ? `:${firing}` : ""}] ${payload.commonLabels.alertname ?? payload.groupLabels.alertname ?? "alerts"}${payload.commonLabels.severity ? ` (${payload.commonLabels.severity})` : ""}`;
  const lines = payload.alerts.map((a) => `${a.status === "firing" ? "🔥" : "✅"} ${a.annotations.summary ?? a.labels.alertname ?? a.fingerprint}`);
  const body: Record<string, unknown> = {
    text: `${title}\n${lines.join("\n")}`,
    attachments: [
      {
        color: payload.status === "firing" ? "danger" : "good",
        title,
        title_link: `${payload.externalURL}/api/v1/alerts`,
        text: lines.join("\n"),
        fallback: title,
        fields: Object.entries(payload.groupLabels).map(([name, value]) => ({ title: name, value, short: true })),
      },
    ],
  };
  if (options.channel) body.channel = options.channel;
  if (options.username) body.username = options.username;
  return body;
}
