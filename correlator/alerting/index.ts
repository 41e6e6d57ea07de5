// Alerting: rules on latency budgets, error rates and SLOs, evaluated on a schedule, notified to
// webhooks and Slack the way Alertmanager does it. The parts: the rule schema (schemas/alerting.ts)
// and rule files (rule-files.ts), the pure evaluator (evaluate.ts), the series it reads
// (series.ts), durable state (state.ts), the notifier (notify/), and the BullMQ wiring (worker.ts).
export { startAlerting, alertingMetrics, type AlertingDeps, type AlertingHandle } from "./worker.js";
export { runAlertTick, readSnapshot, type TickResult } from "./processor.js";
export { evaluateRules, SeriesIndex, step, burnRate, seriesRequests, seriesRequestKey, ruleFamily, ruleWindows, instanceKey, type EvaluationInput } from "./evaluate.js";
export { validateRuleDirectory, parseRuleFile, compileRule, ruleIdOf, RuleDirectoryWatcher, type RuleProblem, type RuleFileReport, type RuleDirectoryReport } from "./rule-files.js";
export { RuleCatalogLoader, readApiRules, writeApiRule, compileApiRules, mergeCatalogs, collides, type RuleCatalog, type ApiRuleRecord } from "./catalog.js";
export { alertColumns, toAlertInstance, readLiveAlerts } from "./state.js";
export { listSilences, getSilence, writeSilence, readActiveSilences, type SilenceRecord } from "./silences.js";
export { parseMatcher, matches, matchesAll, matcherString, type Matcher } from "./matchers.js";
export { fingerprint, labelSetString, type Labels } from "./labels.js";
export { Template, TemplateError, templateVariables } from "./template.js";
export { quantile, countAtMost, spanBucket, spanBucketIndex, type Histogram } from "./histogram.js";
export { readSeries, refreshRollups, windowEndAt } from "./series.js";
export { planNotifications, compileRoutes, matchRoutes, notificationId, silencedBy, type PlannedNotification, type Silence } from "./notify/plan.js";
export { webhookPayload, slackPayload, type WebhookPayload } from "./notify/payload.js";
export { signBody, signatureHeader, idempotencyHeader, postNotification, backoffMs } from "./notify/deliver.js";
export { readOutbox, readNotifyLog, type OutboxRow } from "./notify/notifier.js";
export { parseNotificationConfig, NotificationConfigLoader } from "./notify/config.js";
export type * from "./types.js";
