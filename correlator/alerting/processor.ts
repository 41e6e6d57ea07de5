// One evaluation tick as a function of the store, the settings, the rules and the tick's time (no
// Redis): refresh the recomputed series, read every series the rules need, evaluate, link firing
// alerts to incidents, write state. The same tick run twice (a retried job, a second evaluator, a
// Redis that forgot the job id) is skipped by the tick marker, and by each instance's
// last-evaluation time if it crashed halfway.
import type { AlertingSettings } from "../../schemas/alerting.js";
import type { Store } from "../../store/index.js";
import { evaluateRules, instanceKey, ruleWindows, seriesRequestKey, seriesRequests } from "./evaluate.js";
import { maxFineWindowSeconds, readSeries, refreshRollups, windowEndAt } from "./series.js";
import { linkIncidents, markTick, readLiveAlerts, tickDone, writeAlerts, writeSloStatus, writeTransitions } from "./state.js";
import type { AlertInstance, EvaluationResult, LoadedRule, SeriesSnapshot } from "./types.js";

export interface TickResult extends EvaluationResult {
  tick: number;
  skipped: boolean;
  /** Every live instance after the tick (changed or not), for the notifier. */
  alerts: AlertInstance[];
  timings: { rollupMs: number; seriesMs: number; evaluateMs: number; writeMs: number };
}

export type TickSettings = Pick<AlertingSettings, "ingestLagSeconds" | "serverMetrics" | "clientMetrics">;

/** Reads every series the rules need for a tick evaluated at `at`. */
export async function readSnapshot(store: Store, rules: readonly LoadedRule[], settings: TickSettings, at: number): Promise<SeriesSnapshot> {
  const end = windowEndAt(at, settings.ingestLagSeconds);
  const series: SeriesSnapshot = new Map();
  for (const request of seriesRequests(rules, settings)) series.set(seriesRequestKey(request), await readSeries(store, request, end));
  return series;
}

export async function runAlertTick(store: Store, settings: TickSettings, rules: readonly LoadedRule[], at: number, options: { force?: boolean } = {}): Promise<TickResult> {
  const empty: TickResult = { tick: at, skipped: true, instances: [], transitions: [], slos: [], problems: [], alerts: [], timings: { rollupMs: 0, seriesMs: 0, evaluateMs: 0, writeMs: 0 } };
  if (!options.force && (await tickDone(store, at))) return { ...empty, alerts: await readLiveAlerts(store, at) };
  const started = performance.now();
  if (rules.length === 0) {
    const live = await readLiveAlerts(store, at);
    // Nothing to evaluate and nothing left to resolve: no series work at all.
    if (live.every((a) => a.state !== "firing" && a.state !== "pending")) return { ...empty, skipped: false, alerts: live };
  }
  const end = windowEndAt(at, settings.ingestLagSeconds);
  const needsHours = rules.some(({ rule }) => ruleWindows(rule).some((w) => w > maxFineWindowSeconds));
  await refreshRollups(store, end, { serverMetrics: settings.serverMetrics, clientMetrics: settings.clientMetrics, hours: needsHours });
  const rolledUp = performance.now();
  const series = await readSnapshot(store, rules, settings, at);
  const previousList = await readLiveAlerts(store, at);
  const previous = new Map(previousList.map((a) => [instanceKey(a.ruleId, a.fingerprint), a]));
  const read = performance.now();
  const result = evaluateRules({ rules, series, previous, at, defaults: settings });
  const evaluated = performance.now();

  // Link firing and pending alerts to the incidents they overlap (links only accumulate).
  const links = await linkIncidents(store, result.instances, at);
  for (const instance of result.instances) {
    const linked = links.get(instanceKey(instance.ruleId, instance.fingerprint));
    if (linked) instance.incidentIds = [...new Set([...instance.incidentIds, ...linked])].sort();
  }
  // Instances of rules that no longer exist resolve (or clear) instead of firing forever.
  const ruleIds = new Set(rules.map((r) => r.id));
  for (const orphan of previousList) {
    if (ruleIds.has(orphan.ruleId) || orphan.lastEvalAt >= at || (orphan.state !== "firing" && orphan.state !== "pending")) continue;
    const to = orphan.state === "firing" ? "resolved" : "inactive";
    const next: AlertInstance = { ...orphan, state: to, lastEvalAt: at, resolvedAt: to === "resolved" ? at : orphan.resolvedAt, activeAt: to === "inactive" ? null : orphan.activeAt };
    result.instances.push(next);
    result.transitions.push({ tenant: orphan.tenant, ruleId: orphan.ruleId, ruleName: orphan.ruleName, fingerprint: orphan.fingerprint, at, from: orphan.state, to, value: orphan.value, labels: orphan.labels });
  }

  await writeTransitions(store, result.transitions);
  await writeAlerts(store, result.instances, at);
  await writeSloStatus(store, result.slos);
  const written = performance.now();
  await markTick(store, { tick: at, rules: rules.length, instances: result.instances.length, transitions: result.transitions.length, durationMs: written - started });

  const alerts = new Map(previous);
  for (const instance of result.instances) alerts.set(instanceKey(instance.ruleId, instance.fingerprint), instance);
  return {
    ...result,
    tick: at,
    skipped: false,
    alerts: [...alerts.values()],
    timings: { rollupMs: rolledUp - started, seriesMs: read - rolledUp, evaluateMs: evaluated - read, writeMs: written - evaluated },
  };
}
