// Alerts, SLO status and notification deliveries. Everything is filtered by the caller's tenant.
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { readActiveSilences, readOutbox, silencedBy, type AlertInstance, type Silence } from "../../correlator/alerting/index.js";
import type { ApiDeps } from "../deps.js";
import { paginationFields } from "../params.js";
import { alertTransitions, listAlerts, listSlos } from "../queries/alerts.js";
import { ErrorBody } from "../schemas.js";

const iso = (seconds: number | null) => (seconds === null ? null : new Date(seconds * 1000).toISOString());

export const Alert = z.object({
  Fingerprint: z.string().describe("Prometheus/Alertmanager fingerprint of the label set (16 hex digits)"),
  RuleId: z.string(),
  RuleName: z.string(),
  Tenant: z.string(),
  State: z.enum(["inactive", "pending", "firing", "resolved"]),
  Since: z.string().nullable().describe("When the current state began (pending: the condition started to hold; firing; resolved)"),
  ActiveAt: z.string().nullable(),
  FiredAt: z.string().nullable(),
  ResolvedAt: z.string().nullable(),
  LastEvaluation: z.string(),
  Value: z.number().nullable().describe("ms for latency rules, a ratio for error-rate rules, the long-window burn rate for SLOs"),
  Labels: z.record(z.string(), z.string()),
  Annotations: z.record(z.string(), z.string()),
  Services: z.array(z.string()),
  SilencedBy: z.array(z.string()).describe("Ids of the silences that mute this alert's notifications now"),
  Links: z.object({
    Incidents: z.array(z.object({ IncidentId: z.string(), Href: z.string() })),
    Rule: z.string(),
  }),
});

export function apiAlert(alert: AlertInstance, silences: readonly Silence[] = []): z.infer<typeof Alert> {
  const since = alert.state === "firing" ? alert.firedAt : alert.state === "pending" ? alert.activeAt : alert.state === "resolved" ? alert.resolvedAt : alert.lastEvalAt;
  return {
    Fingerprint: alert.fingerprint, RuleId: alert.ruleId, RuleName: alert.ruleName, Tenant: alert.tenant, State: alert.state,
    Since: iso(since), ActiveAt: iso(alert.activeAt), FiredAt: iso(alert.firedAt), ResolvedAt: iso(alert.resolvedAt), LastEvaluation: iso(alert.lastEvalAt)!,
    Value: alert.value, Labels: alert.labels, Annotations: alert.annotations, Services: alert.services,
    SilencedBy: alert.state === "firing" ? silencedBy(silences, alert, Math.floor(Date.now() / 1000)) : [],
    Links: { Incidents: alert.incidentIds.map((id) => ({ IncidentId: id, Href: `/api/v1/incidents/${id}` })), Rule: `/api/v1/rules/${encodeURIComponent(alert.ruleName)}` },
  };
}

const BurnRate = z.object({
  Severity: z.string(),
  LongWindow: z.string(),
  ShortWindow: z.string(),
  Factor: z.number(),
  LongBurnRate: z.number().nullable(),
  ShortBurnRate: z.number().nullable(),
  Firing: z.boolean(),
});

const Slo = z.object({
  RuleName: z.string(),
  RuleId: z.string(),
  Tenant: z.string(),
  Labels: z.record(z.string(), z.string()),
  Objective: z.number().describe("percent"),
  Period: z.string(),
  SliNow: z.number().nullable().describe("good / total over the shortest burn-rate window"),
  SliPeriod: z.number().nullable().describe("good / total over the period"),
  ErrorBudgetRemaining: z.number().nullable().describe("1 = untouched, 0 = spent, negative = overspent"),
  TotalRequests: z.number(),
  BadRequests: z.number(),
  BurnRates: z.array(BurnRate),
  EvaluatedAt: z.string(),
});

const Notification = z.object({
  NotificationId: z.string().describe("Also the Idempotency-Key header of every delivery attempt"),
  Tenant: z.string(),
  Receiver: z.string(),
  Integration: z.enum(["webhook", "slack"]),
  GroupKey: z.string(),
  Status: z.enum(["pending", "delivered", "dead"]),
  AlertStatus: z.string(),
  Alerts: z.number(),
  Attempts: z.number(),
  LastError: z.string(),
  CreatedAt: z.string(),
});

const durationText = (seconds: number) => {
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60]] as const) if (seconds % size === 0) return `${seconds / size}${unit}`;
  return `${seconds}s`;
};

export async function alertRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    "/api/v1/alerts",
    {
      schema: {
        summary: "Alerts (pending, firing, recently resolved) with their value, labels and linked incidents; firing first",
        tags: ["alerts"],
        querystring: z.object({
          ...paginationFields,
          state: z.enum(["pending", "firing", "resolved"]).optional(),
          rule: z.string().min(1).max(256).optional(),
          service: z.string().min(1).max(256).optional(),
        }),
        response: { 200: z.object({ Total: z.number(), Limit: z.number(), Offset: z.number(), Alerts: z.array(Alert) }), 400: ErrorBody },
      },
    },
    async (request) => {
      const { limit, offset, state, rule, service } = request.query;
      const { total, alerts } = await listAlerts(deps.store, { tenant: request.caller.tenant, state, rule, service, limit, offset });
      const silences = await readActiveSilences(deps.store, Math.floor(Date.now() / 1000));
      return { Total: total, Limit: limit, Offset: offset, Alerts: alerts.map((a) => apiAlert(a, silences)) };
    },
  );

  api.get(
    "/api/v1/alerts/:fingerprint",
    {
      schema: {
        summary: "One alert with every state transition recorded (time and value)",
        tags: ["alerts"],
        params: z.object({ fingerprint: z.string().regex(/^[0-9a-f]{16}$/, "a fingerprint of 16 hex digits") }),
        querystring: z.object({ rule: z.string().min(1).optional().describe("the rule id, when several rules share a fingerprint") }),
        response: {
          200: Alert.extend({ Transitions: z.array(z.object({ At: z.string(), From: z.string(), To: z.string(), Value: z.number().nullable() })) }),
          400: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const { alerts } = await listAlerts(deps.store, { tenant: request.caller.tenant, fingerprint: request.params.fingerprint, limit: 10, offset: 0 });
      const alert = alerts.find((a) => request.query.rule === undefined || a.ruleId === request.query.rule);
      if (!alert) return reply.code(404).send({ statusCode: 404, error: "Not Found", message: `alert ${request.params.fingerprint} was not found` });
      const transitions = (await alertTransitions(deps.store, request.caller.tenant, alert.fingerprint)).filter((t) => t.RuleId === alert.ruleId);
      const silences = await readActiveSilences(deps.store, Math.floor(Date.now() / 1000));
      return { ...apiAlert(alert, silences), Transitions: transitions.map((t) => ({ At: iso(Number(t.At))!, From: t.FromState, To: t.ToState, Value: t.Value })) };
    },
  );

  api.get(
    "/api/v1/slos",
    {
      schema: {
        summary: "SLOs: SLI now and over the period, error budget remaining, burn rate per window",
        tags: ["alerts"],
        querystring: z.object({ rule: z.string().min(1).max(256).optional() }),
        response: { 200: z.object({ Slos: z.array(Slo) }), 400: ErrorBody },
      },
    },
    async (request) => {
      const rows = await listSlos(deps.store, request.caller.tenant, request.query.rule);
      return {
        Slos: rows.map((row) => ({
          RuleName: row.RuleName, RuleId: row.RuleId, Tenant: row.Tenant, Labels: row.Labels, Objective: row.Objective, Period: durationText(Number(row.PeriodSeconds)),
          SliNow: row.SliNow, SliPeriod: row.SliPeriod, ErrorBudgetRemaining: row.BudgetRemaining, TotalRequests: Number(row.TotalRequests), BadRequests: Number(row.BadRequests),
          BurnRates: (JSON.parse(row.BurnRates) as { severity: string; longSeconds: number; shortSeconds: number; factor: number; longBurnRate: number | null; shortBurnRate: number | null; firing: boolean }[]).map((b) => ({
            Severity: b.severity, LongWindow: durationText(b.longSeconds), ShortWindow: durationText(b.shortSeconds), Factor: b.factor, LongBurnRate: b.longBurnRate, ShortBurnRate: b.shortBurnRate, Firing: b.firing,
          })),
          EvaluatedAt: iso(Number(row.EvaluatedAt))!,
        })),
      };
    },
  );

  api.get(
    "/api/v1/alerts/notifications",
    {
      schema: {
        summary: "Notifications and their delivery: pending (being retried), delivered, or dead (retry budget spent or refused)",
        tags: ["alerts"],
        querystring: z.object({ ...paginationFields, status: z.enum(["pending", "delivered", "dead"]).optional() }),
        response: { 200: z.object({ Notifications: z.array(Notification) }), 400: ErrorBody },
      },
    },
    async (request) => {
      const rows = await readOutbox(deps.store, { tenant: request.caller.tenant, status: request.query.status, limit: request.query.limit, offset: request.query.offset });
      return {
        Notifications: rows.map((r) => ({
          NotificationId: r.notificationId, Tenant: r.tenant, Receiver: r.receiver, Integration: r.integration, GroupKey: r.groupKey, Status: r.status,
          AlertStatus: r.alertStatus, Alerts: r.alerts, Attempts: r.attempts, LastError: r.lastError, CreatedAt: new Date(r.createdAt).toISOString(),
        })),
      };
    },
  );
}
