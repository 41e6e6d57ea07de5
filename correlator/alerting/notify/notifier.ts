// The notifier at the I/O edge: each tick it plans (plan.ts) from the alerts, the silences and
// the notification log, writes every notification to the outbox in ClickHouse before anything is
// sent, advances the log, and queues one delivery job per notification (job id = notification
// id, so a second evaluator's identical plan queues nothing new). Deliveries retry with capped
// backoff on 5xx and timeouts; after the budget a notification is dead-lettered (outbox status
// "dead", a metric, a log line). A sweep re-queues outbox entries whose job Redis lost.
import type { Queue, Job } from "bullmq";
import { UnrecoverableError } from "bullmq";
import type { Logger } from "pino";
import type { AlertingSettings } from "../../../schemas/alerting.js";
import type { Store } from "../../../store/index.js";
import { readActiveSilences } from "../silences.js";
import type { AlertInstance } from "../types.js";
import type { AlertingMetrics } from "../worker.js";
import { NotificationConfigLoader, resolveSecret } from "./config.js";
import { backoffMs, postNotification } from "./deliver.js";
import { slackPayload, webhookPayload } from "./payload.js";
import { compileRoutes, logKey, planNotifications, type NotifyLogEntry } from "./plan.js";

export interface DeliveryJob {
  notificationId: string;
  tenant: string;
  receiver: string;
  integration: "webhook" | "slack";
  index: number;
  groupKey: string;
  body: string;
}

export type OutboxStatus = "pending" | "delivered" | "dead";

export interface NotifierDeps {
  store: Store;
  settings: AlertingSettings;
  logger: Logger;
  metrics: AlertingMetrics;
  queue: Queue<DeliveryJob>;
  externalUrl: string;
}

/** Outbox entries older than this with no terminal status are checked against the queue. */
const sweepAfterSeconds = 60;

export class Notifier {
  private readonly config: NotificationConfigLoader;
  private routes?: ReturnType<typeof compileRoutes>;

  constructor(private readonly deps: NotifierDeps) {
    this.config = new NotificationConfigLoader(deps.settings.notificationsFile);
  }

  private currentConfig() {
    const state = this.config.read();
    if (state.changed && state.problem) this.deps.logger.error({ problem: state.problem }, "notification config not loaded; the previous one stays in force");
    if (state.changed || !this.routes) {
      this.routes = compileRoutes(state.config, this.deps.settings);
      if (state.changed && !state.problem) this.deps.logger.info({ receivers: state.config.receivers.map((r) => r.name) }, "notification config loaded");
    }
    return { config: state.config, routes: this.routes };
  }

  /** Plans, records and queues the notifications due at `at`; returns how many were queued. */
  async run(alerts: readonly AlertInstance[], at: number): Promise<number> {
    const { config, routes } = this.currentConfig();
    await this.sweep(at);
    if (config.receivers.length === 0) return 0;
    const { store } = this.deps;
    const [silences, log] = await Promise.all([readActiveSilences(store, at), readNotifyLog(store)]);
    const planned = planNotifications({ alerts, silences, config, routes, log, at });
    if (planned.length === 0) return 0;

    const jobs: DeliveryJob[] = [];
    const outbox: OutboxRow[] = [];
    for (const n of planned) {
      const integrations = [
        ...n.receiver.webhook_configs.map((c, index) => ({ integration: "webhook" as const, index, sendResolved: c.send_resolved, maxAlerts: c.max_alerts, slack: undefined })),
        ...n.receiver.slack_configs.map((c, index) => ({ integration: "slack" as const, index, sendResolved: c.send_resolved, maxAlerts: 0, slack: c })),
      ];
      for (const target of integrations) {
        const payload = webhookPayload(n, this.deps.externalUrl, { sendResolved: target.sendResolved, maxAlerts: target.maxAlerts });
        if (!payload) continue;
        const body = JSON.stringify(target.slack ? slackPayload(payload, { channel: target.slack.channel, username: target.slack.username }) : payload);
        const notificationId = integrations.length === 1 ? n.id : `${n.id.slice(0, 28)}${target.integration === "webhook" ? "w" : "s"}${target.index.toString(16).padStart(3, "0")}`;
        jobs.push({ notificationId, tenant: n.tenant, receiver: n.receiver.name, integration: target.integration, index: target.index, groupKey: n.groupKey, body });
        outbox.push({ notificationId, tenant: n.tenant, receiver: n.receiver.name, integration: target.integration, index: target.index, groupKey: n.groupKey, status: "pending", alertStatus: payload.status, alerts: payload.alerts.length, body, attempts: 0, lastError: "", createdAt: at * 1000 });
        this.deps.metrics.notifications.inc({ integration: target.integration });
      }
    }
    // Outbox first, then the log: a crash in between re-plans the same ids next tick.
    await writeOutbox(store, outbox);
    await writeNotifyLog(store, planned.map((n) => ({ ...n.log, notificationId: n.id })));
    for (const job of jobs) await this.enqueue(job);
    for (const n of planned) this.deps.logger.info({ notification: n.id, receiver: n.receiver.name, groupKey: n.groupKey, status: n.status, alerts: n.alerts.length }, "notification queued");
    return jobs.length;
  }

  private async enqueue(job: DeliveryJob): Promise<void> {
    await this.deps.queue.add("deliver", job, {
      jobId: job.notificationId,
      attempts: this.deps.settings.deliveryAttempts,
      backoff: { type: "custom" },
      removeOnComplete: { age: 7 * 86_400, count: 10_000 },
      removeOnFail: { age: 30 * 86_400, count: 10_000 },
    });
  }

  /** Re-queues pending outbox entries whose delivery job is gone (Redis restarted without its data). */
  async sweep(at: number): Promise<void> {
    const pending = await readOutbox(this.deps.store, { status: "pending", createdBefore: (at - sweepAfterSeconds) * 1000, limit: 500 });
    for (const row of pending) {
      const state = await this.deps.queue.getJobState(row.notificationId);
      if (state === "unknown") {
        this.deps.logger.warn({ notification: row.notificationId, receiver: row.receiver }, "delivery job missing from the queue; queued again from the outbox");
        await this.enqueue({ notificationId: row.notificationId, tenant: row.tenant, receiver: row.receiver, integration: row.integration, index: row.index, groupKey: row.groupKey, body: row.body });
      } else if (state === "failed") {
        await this.markDead(row, row.lastError || "delivery failed");
      } else if (state === "completed") {
        await writeOutbox(this.deps.store, [{ ...row, status: "delivered" }]);
      }
    }
  }

  backoffMs(attemptsMade: number): number {
    return backoffMs(attemptsMade, this.deps.settings.deliveryBackoffSeconds, this.deps.settings.deliveryBackoffCapSeconds);
  }

  /** The delivery job's processor. Throws to retry; UnrecoverableError for what retrying cannot fix. */
  async deliver(job: Job<DeliveryJob>): Promise<{ status?: number }> {
    const data = job.data;
    const row: OutboxRow = { ...data, status: "pending", alertStatus: JSON.parse(data.body).status ?? "", alerts: 0, attempts: job.attemptsMade + 1, lastError: "", createdAt: job.timestamp };
    const [existing] = await readOutbox(this.deps.store, { id: data.notificationId, limit: 1 });
    if (existing?.status === "delivered" || existing?.status === "dead") return {};
    if (existing) Object.assign(row, { alertStatus: existing.alertStatus, alerts: existing.alerts, createdAt: existing.createdAt });
    const { config } = this.currentConfig();
    const receiver = config.receivers.find((r) => r.name === data.receiver);
    const integration = receiver ? (data.integration === "webhook" ? receiver.webhook_configs[data.index] : receiver.slack_configs[data.index]) : undefined;
    if (!integration) {
      const reason = `receiver ${data.receiver} has no ${data.integration} integration #${data.index} any more`;
      await this.markDead(row, reason);
      throw new UnrecoverableError(reason);
    }
    let secret: string | undefined;
    try {
      secret = resolveSecret(integration);
    } catch (err) {
      throw new Error(`cannot read the signing secret: ${(err as Error).message}`);
    }
    const url = "url" in integration ? integration.url : integration.api_url;
    const outcome = await postNotification({ url, body: data.body, id: data.notificationId, secret, timeoutSeconds: integration.timeout });
    if (outcome.ok) {
      this.deps.metrics.deliveries.inc({ outcome: "delivered" });
      await writeOutbox(this.deps.store, [{ ...row, status: "delivered", lastError: "" }]);
      this.deps.logger.info({ notification: data.notificationId, receiver: data.receiver, attempt: row.attempts }, "notification delivered");
      return { status: outcome.status };
    }
    this.deps.metrics.deliveries.inc({ outcome: outcome.retryable ? "retry" : "refused" });
    // Only the host is logged: receiver URLs (Slack's) carry secrets.
    this.deps.logger.warn({ notification: data.notificationId, receiver: data.receiver, host: new URL(url).host, attempt: row.attempts, error: outcome.error }, "notification delivery failed");
    await writeOutbox(this.deps.store, [{ ...row, lastError: outcome.error ?? "" }]);
    if (!outcome.retryable) {
      await this.markDead(row, outcome.error ?? "refused");
      throw new UnrecoverableError(`receiver refused the notification: ${outcome.error}`);
    }
    throw new Error(outcome.error ?? "delivery failed");
  }

  /** Called when a job has used its last attempt. */
  async deadLetter(job: Job<DeliveryJob>, err: Error): Promise<void> {
    const [existing] = await readOutbox(this.deps.store, { id: job.data.notificationId, limit: 1 });
    if (existing?.status === "dead" || existing?.status === "delivered") return;
    const row: OutboxRow = existing ?? { ...job.data, status: "pending", alertStatus: "", alerts: 0, attempts: job.attemptsMade, lastError: "", createdAt: job.timestamp };
    await this.markDead({ ...row, attempts: job.attemptsMade }, err.message);
  }

  private async markDead(row: OutboxRow, reason: string): Promise<void> {
    await writeOutbox(this.deps.store, [{ ...row, status: "dead", lastError: reason }]);
    this.deps.metrics.deadLetters.inc({ receiver: row.receiver });
    this.deps.logger.error({ notification: row.notificationId, receiver: row.receiver, attempts: row.attempts, reason }, "notification dead-lettered");
  }
}

// --- notification log and outbox -------------------------------------------------------------

export async function readNotifyLog(store: Store): Promise<Map<string, NotifyLogEntry>> {
  const rows = await store.query<{ Receiver: string; GroupKey: string; Tenant: string; Sequence: string; SentAt: number; Firing: string[]; Resolved: string[] }>(
    `SELECT Receiver, GroupKey, Tenant, Sequence, toUnixTimestamp(SentAt) AS SentAt, Firing, Resolved FROM {{db}}.braid_alert_notify_log FINAL`,
  );
  return new Map(rows.map((r) => [logKey(r.Receiver, r.GroupKey), { receiver: r.Receiver, groupKey: r.GroupKey, tenant: r.Tenant, sequence: Number(r.Sequence), sentAt: Number(r.SentAt), firing: r.Firing, resolved: r.Resolved }]));
}

async function writeNotifyLog(store: Store, entries: (NotifyLogEntry & { notificationId: string })[]): Promise<void> {
  if (entries.length === 0) return;
  await store.insert(
    "braid_alert_notify_log",
    entries.map((e) => ({ Receiver: e.receiver, GroupKey: e.groupKey, Tenant: e.tenant, Sequence: e.sequence, SentAt: e.sentAt, Firing: e.firing, Resolved: e.resolved, NotificationId: e.notificationId })),
  );
}

export interface OutboxRow {
  notificationId: string;
  tenant: string;
  receiver: string;
  integration: "webhook" | "slack";
  index: number;
  groupKey: string;
  status: OutboxStatus;
  alertStatus: string;
  alerts: number;
  body: string;
  attempts: number;
  lastError: string;
  /** Unix milliseconds. */
  createdAt: number;
}

let outboxVersion = 0;
async function writeOutbox(store: Store, rows: readonly OutboxRow[]): Promise<void> {
  if (rows.length === 0) return;
  const now = Date.now();
  await store.insert(
    "braid_alert_notifications",
    rows.map((r) => ({
      NotificationId: r.notificationId, Tenant: r.tenant, Receiver: r.receiver, Integration: r.integration, IntegrationIndex: r.index, GroupKey: r.groupKey,
      Status: r.status, AlertStatus: r.alertStatus, Alerts: r.alerts, Body: r.body, Attempts: r.attempts, LastError: r.lastError.slice(0, 1000),
      CreatedAt: new Date(r.createdAt).toISOString(), UpdatedAt: new Date(now).toISOString(),
      // Terminal states outrank anything a straggler writes at the same millisecond.
      Version: now * 1000 + (r.status === "pending" ? 0 : 500) + (outboxVersion = (outboxVersion + 1) % 500),
    })),
  );
}

export async function readOutbox(store: Store, filter: { id?: string; status?: OutboxStatus; tenant?: string; createdBefore?: number; limit: number; offset?: number }): Promise<OutboxRow[]> {
  const rows = await store.query<{ NotificationId: string; Tenant: string; Receiver: string; Integration: "webhook" | "slack"; IntegrationIndex: number; GroupKey: string; Status: OutboxStatus; AlertStatus: string; Alerts: number; Body: string; Attempts: number; LastError: string; CreatedMs: string }>(
    `SELECT NotificationId, Tenant, Receiver, Integration, IntegrationIndex, GroupKey, Status, AlertStatus, Alerts, Body, Attempts, LastError, toUnixTimestamp64Milli(CreatedAt) AS CreatedMs
     FROM {{db}}.braid_alert_notifications FINAL
     WHERE ({id:String} = '' OR NotificationId = {id:String}) AND ({status:String} = '' OR Status = {status:String})
       AND ({tenant:String} = '*' OR Tenant = {tenant:String}) AND ({before:Int64} = 0 OR toUnixTimestamp64Milli(CreatedAt) < {before:Int64})
     ORDER BY CreatedAt DESC, NotificationId LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
    { id: filter.id ?? "", status: filter.status ?? "", tenant: filter.tenant ?? "*", before: filter.createdBefore ?? 0, limit: filter.limit, offset: filter.offset ?? 0 },
  );
  return rows.map((r) => ({
    notificationId: r.NotificationId, tenant: r.Tenant, receiver: r.Receiver, integration: r.Integration, index: Number(r.IntegrationIndex), groupKey: r.GroupKey,
    status: r.Status, alertStatus: r.AlertStatus, alerts: Number(r.Alerts), body: r.Body, attempts: Number(r.Attempts), lastError: r.LastError, createdAt: Number(r.CreatedMs),
  }));
}
