// Alerting contracts: the rule files (and API rule bodies), the notification configuration
// (Alertmanager's route/receiver shape), silences, and the alerting settings. Exported as JSON
// Schema (schemas/json/alert-rules.schema.json) so rule files can be checked in editors and CI.
// Durations use Prometheus's syntax ("30s", "5m", "1h30m", "3d").
import { z } from "zod";

const durationUnits: Record<string, number> = { y: 365 * 86_400, w: 7 * 86_400, d: 86_400, h: 3_600, m: 60, s: 1, ms: 0.001 };
const durationPattern = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Seconds of a Prometheus duration ("1h30m" → 5400), or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const match = durationPattern.exec(text);
  if (!match || text === "") return undefined;
  const units = ["y", "w", "d", "h", "m", "s", "ms"];
  return match.slice(1).reduce((total, part, i) => total + (part ? Number(part) * durationUnits[units[i]!]! : 0), 0);
}

/** The shortest Prometheus spelling of a number of seconds (5400 → "1h30m"). */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return "0s";
  let rest = Math.round(seconds * 1000);
  let out = "";
  for (const [unit, size] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000], ["ms", 1]] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}

/** A duration in seconds; accepts "5m" (Prometheus syntax) or a number of seconds. */
export const Duration = z
  .union([z.number().nonnegative(), z.string()])
  .transform((value, ctx) => {
    if (typeof value === "number") return value;
    const seconds = parseDuration(value.trim());
    if (seconds === undefined) {
      ctx.addIssue({ code: "custom", message: `"${value}" is not a duration (Prometheus syntax: 30s, 5m, 1h30m, 3d)` });
      return z.NEVER;
    }
    return seconds;
  })
  .meta({ description: 'Prometheus duration ("30s", "5m", "1h30m", "3d") or seconds' });

/** The width of the series buckets rules are evaluated on. */
export const seriesBucketSeconds = 10;

const windowDuration = (what: string, max = 90 * 86_400) =>
  Duration.superRefine((seconds, ctx) => {
    if (seconds < seriesBucketSeconds || seconds % seriesBucketSeconds !== 0) {
      ctx.addIssue({ code: "custom", message: `${what} must be a whole number of ${seriesBucketSeconds}s buckets (at least ${seriesBucketSeconds}s)` });
    } else if (seconds > max) ctx.addIssue({ code: "custom", message: `${what} may be at most ${max / 86_400}d` });
  });

export const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Labels Braid sets itself; a rule may not override them. */
export const reservedLabels = ["alertname", "tenant"] as const;

const LabelTemplates = z.record(z.string().regex(labelName, "label names are [a-zA-Z_][a-zA-Z0-9_]*"), z.string()).superRefine((labels, ctx) => {
  for (const name of reservedLabels) if (name in labels) ctx.addIssue({ code: "custom", path: [name], message: `the ${name} label is set by Braid and cannot be overridden` });
});

export const Quantile = z.enum(["p50", "p90", "p95", "p99"]);
export type Quantile = z.infer<typeof Quantile>;
export const quantileValue: Record<Quantile, number> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 };

/** What a rule measures: a service (optionally one operation), or an edge caller → callee. Absent fields match everything. */
export const RuleTarget = z
  .strictObject({
    service: z.string().min(1).optional().describe("service.name of the service whose requests are measured (its SERVER/CONSUMER/root spans)"),
    operation: z.string().min(1).optional().describe('one operation (span name, e.g. "POST /checkout"; from metrics: "{http.request.method} {http.route}")'),
    edge: z
      .strictObject({
        caller: z.string().min(1).optional().describe("the calling service"),
        callee: z.string().min(1).optional().describe("the called service, or a database/peer (peer.service, server.address or db.system)"),
      })
      .optional()
      .describe("the hop caller → callee, measured on the caller's CLIENT spans (the latency the caller sees)"),
  })
  .superRefine((target, ctx) => {
    if (target.edge && (target.service !== undefined || target.operation !== undefined)) {
      ctx.addIssue({ code: "custom", path: ["edge"], message: "a target is either a service (and operation) or an edge, not both" });
    }
  });
export type RuleTarget = z.infer<typeof RuleTarget>;

export const GroupDimension = z.enum(["service", "operation", "caller", "callee"]);
export type GroupDimension = z.infer<typeof GroupDimension>;

export const SeriesSource = z.enum(["spans", "metrics"]);
export type SeriesSource = z.infer<typeof SeriesSource>;

/** Resource-attribute filters: attribute → value, or a list of accepted values. */
const ResourceFilter = z.record(z.string().min(1), z.union([z.string(), z.array(z.string()).min(1)]));

const commonRuleFields = {
  name: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$/, "a rule name starts with a letter or _ and has at most 128 of [A-Za-z0-9_.:-]")
    .describe("the alert's name (the alertname label); unique per tenant"),
  description: z.string().max(2000).optional(),
  tenant: z.string().min(1).optional().describe("evaluate on this tenant's data only; absent: every tenant, one alert per tenant"),
  target: RuleTarget.prefault({}),
  group_by: z.array(GroupDimension).default([]).describe("one alert per distinct value of these dimensions (e.g. [operation])"),
  resource: ResourceFilter.default({}).describe('resource-attribute filters, e.g. { "deployment.environment.name": "prod" }'),
  source: SeriesSource.default("spans").describe("spans: RED series Braid keeps from spans; metrics: OTLP histograms such as http.server.request.duration"),
  metric: z.string().min(1).optional().describe("with source: metrics, the histogram to read (default http.server.request.duration, or http.client.request.duration for an edge)"),
  min_requests: z.number().int().nonnegative().default(1).describe("windows with fewer requests are not evaluated (no data, no alert)"),
  for: Duration.default(0).describe("how long the condition must hold before the alert fires (pending until then)"),
  keep_firing_for: Duration.default(0).describe("keep firing this long after the condition last held"),
  severity: z.string().regex(/^[a-z][a-z0-9_-]*$/, "a lower-case word such as page, ticket, critical, warning").default("warning"),
  labels: LabelTemplates.default({}),
  annotations: z.record(z.string().min(1), z.string()).default({}),
};

export const LatencyRule = z
  .strictObject({
    ...commonRuleFields,
    kind: z.literal("latency"),
    quantile: Quantile.default("p99"),
    threshold_ms: z.number().positive().describe("fires while the quantile is above this many milliseconds"),
    window: windowDuration("window", 86_400).default(300),
  })
  .describe("latency objective: a quantile of a service, operation or edge above a threshold over a window");

export const ErrorRateRule = z
  .strictObject({
    ...commonRuleFields,
    kind: z.literal("error_rate"),
    threshold: z.number().gt(0).max(1).describe("fires while errors / requests is above this ratio (0.05 = 5%)"),
    window: windowDuration("window", 86_400).default(300),
  })
  .describe("error-rate objective of a service, operation or edge over a window");

export const BurnRateWindow = z.strictObject({
  severity: z.string().regex(/^[a-z][a-z0-9_-]*$/),
  long: windowDuration("long"),
  short: windowDuration("short"),
  factor: z.number().positive().describe("burn rate both windows must exceed (1 = spending the budget exactly over the period)"),
});
export type BurnRateWindow = z.infer<typeof BurnRateWindow>;

/** The Google SRE workbook's multiwindow, multi-burn-rate alerts. */
export const defaultBurnRates: z.input<typeof BurnRateWindow>[] = [
  { severity: "page", long: "1h", short: "5m", factor: 14.4 },
  { severity: "page", long: "6h", short: "30m", factor: 6 },
  { severity: "ticket", long: "3d", short: "6h", factor: 1 },
];

export const SloIndicator = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("availability").describe("good = requests that did not fail") }),
  z.strictObject({ type: z.literal("latency"), threshold_ms: z.number().positive().describe("good = requests that completed within this many ms") }),
]);

export const SloRule = z
  .strictObject({
    ...commonRuleFields,
    kind: z.literal("slo"),
    objective: z.number().gt(0).lt(100).describe("percent of good requests over the period, e.g. 99.9"),
    sli: SloIndicator.default({ type: "availability" }),
    period: windowDuration("period").default(30 * 86_400),
    burn_rates: z.array(BurnRateWindow).min(1).prefault(defaultBurnRates),
  })
  .superRefine((rule, ctx) => {
    rule.burn_rates.forEach((burn, i) => {
      if (burn.short >= burn.long) ctx.addIssue({ code: "custom", path: ["burn_rates", i, "short"], message: "the short window must be shorter than the long one" });
      if (burn.long > rule.period) ctx.addIssue({ code: "custom", path: ["burn_rates", i, "long"], message: "the long window may not exceed the period" });
    });
  })
  .describe("SLO with an error budget over a period, alerting on multiwindow burn rates");

export const AlertRule = z.discriminatedUnion("kind", [LatencyRule, ErrorRateRule, SloRule]);
export type AlertRule = z.infer<typeof AlertRule>;
export type AlertRuleInput = z.input<typeof AlertRule>;
export type LatencyRule = z.infer<typeof LatencyRule>;
export type ErrorRateRule = z.infer<typeof ErrorRateRule>;
export type SloRule = z.infer<typeof SloRule>;

/** One rule file: a list of rules (the whole file is also checked against this for editors). */
export const AlertRuleFile = z.strictObject({
  rules: z.array(AlertRule).describe("alert rules; each is validated on its own, so one bad rule does not stop the others"),
});

// ---------------------------------------------------------------------------------------------
// Notifications: Alertmanager's configuration shape (route tree + receivers), so people who know
// it can read and write Braid's.

/** A label matcher in Alertmanager syntax: name="value", name!="value", name=~"re", name!~"re". */
export const MatcherText = z.string().regex(/^\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*("(?:[^"\\]|\\.)*"|[^\s"]*)\s*$/, 'a matcher such as severity="page" or service=~"checkout|payments"');

const Secret = z
  .strictObject({
    secret: z.string().min(1).optional().describe("HMAC-SHA256 signing secret (prefer secret_env or secret_file)"),
    secret_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional().describe("environment variable holding the signing secret"),
    secret_file: z.string().min(1).optional().describe("file holding the signing secret"),
  })
  .partial();

export const WebhookConfig = z.strictObject({
  url: z.url().describe("receives the Alertmanager webhook payload (version 4)"),
  send_resolved: z.boolean().default(true),
  max_alerts: z.number().int().nonnegative().default(0).describe("0 = all; beyond it alerts are dropped and counted in truncatedAlerts"),
  timeout: Duration.default(10),
  ...Secret.shape,
});

export const SlackConfig = z.strictObject({
  api_url: z.url().describe("a Slack (or Mattermost, Rocket.Chat) incoming-webhook URL"),
  channel: z.string().optional(),
  username: z.string().optional(),
  send_resolved: z.boolean().default(true),
  timeout: Duration.default(10),
  ...Secret.shape,
});

export const Receiver = z.strictObject({
  name: z.string().min(1),
  webhook_configs: z.array(WebhookConfig).default([]),
  slack_configs: z.array(SlackConfig).default([]),
});
export type Receiver = z.infer<typeof Receiver>;

const routeFields = {
  receiver: z.string().min(1).optional().describe("inherited from the parent route when absent"),
  matchers: z.array(MatcherText).default([]),
  group_by: z.array(z.string()).optional().describe("labels to group by; ['...'] groups by all labels; inherited when absent"),
  group_wait: Duration.optional(),
  group_interval: Duration.optional(),
  repeat_interval: Duration.optional(),
  continue: z.boolean().default(false),
};

export interface RouteInput {
  receiver?: string;
  matchers?: string[];
  group_by?: string[];
  group_wait?: string | number;
  group_interval?: string | number;
  repeat_interval?: string | number;
  continue?: boolean;
  routes?: RouteInput[];
}
export interface Route {
  receiver?: string;
  matchers: string[];
  group_by?: string[];
  group_wait?: number;
  group_interval?: number;
  repeat_interval?: number;
  continue: boolean;
  routes: Route[];
}

export const Route: z.ZodType<Route, RouteInput> = z.lazy(() => z.strictObject({ ...routeFields, routes: z.array(Route).default([]) }));

export const NotificationConfig = z
  .strictObject({
    route: Route.prefault({}),
    receivers: z.array(Receiver).default([]),
  })
  .superRefine((config, ctx) => {
    const names = new Set(config.receivers.map((r) => r.name));
    const check = (route: Route, path: (string | number)[]) => {
      if (route.receiver !== undefined && !names.has(route.receiver)) ctx.addIssue({ code: "custom", path: [...path, "receiver"], message: `no receiver named "${route.receiver}"` });
      route.routes.forEach((child, i) => check(child, [...path, "routes", i]));
    };
    check(config.route, ["route"]);
    if (config.route.receiver === undefined && config.receivers.length > 0) ctx.addIssue({ code: "custom", path: ["route", "receiver"], message: "the root route needs a receiver" });
  });
export type NotificationConfig = z.infer<typeof NotificationConfig>;

/** A silence as the API takes it (Alertmanager's v2 shape). */
export const SilenceMatcher = z.strictObject({
  name: z.string().regex(labelName),
  value: z.string(),
  isRegex: z.boolean().default(false),
  isEqual: z.boolean().default(true),
});
export type SilenceMatcher = z.infer<typeof SilenceMatcher>;

// ---------------------------------------------------------------------------------------------

const positiveInt = z.coerce.number().int().positive();

export const AlertingSettings = z.object({
  /** Evaluate rules in this process (with the correlator role). */
  enabled: z.preprocess((v) => (typeof v === "string" ? !/^(false|0|no)$/i.test(v) : v), z.boolean()).default(true),
  /** Directory of rule files (*.yaml, *.yml, *.json); re-read every evaluation, so edits apply without a restart. */
  rulesDir: z.string().min(1).optional(),
  /** Alertmanager-style route and receivers (YAML); re-read when it changes. */
  notificationsFile: z.string().min(1).optional(),
  /** How often every rule is evaluated (one evaluation per interval across all Braid processes). */
  intervalSeconds: positiveInt.default(15),
  /** Closed buckets only: spans of the newest seconds may still be in Kafka. */
  ingestLagSeconds: z.coerce.number().int().nonnegative().default(5),
  /** Alertmanager's defaults for routes that do not set them. */
  groupWaitSeconds: z.coerce.number().nonnegative().default(30),
  groupIntervalSeconds: z.coerce.number().positive().default(300),
  repeatIntervalSeconds: z.coerce.number().positive().default(4 * 3600),
  /** Base URL links in notifications point at (generatorURL, externalURL); default: the API's address. */
  externalUrl: z.url().optional(),
  /** Delivery attempts before a notification is dead-lettered, and the backoff between them. */
  deliveryAttempts: positiveInt.default(10),
  deliveryBackoffSeconds: z.coerce.number().positive().default(1),
  deliveryBackoffCapSeconds: z.coerce.number().positive().default(60),
  /** OTLP histograms rolled up into RED series for rules with source: metrics. */
  serverMetrics: z.array(z.string().min(1)).default(["http.server.request.duration", "rpc.server.duration"]),
  clientMetrics: z.array(z.string().min(1)).default(["http.client.request.duration", "rpc.client.duration"]),
});
export type AlertingSettings = z.infer<typeof AlertingSettings>;
