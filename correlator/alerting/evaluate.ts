// The alert evaluator. Pure: rules, the series they read (merged per window), the instances'
// previous state and the evaluation time in; new instance states, transitions and SLO status out.
// States follow Prometheus: a condition that holds makes an alert pending, then firing once it
// has held for `for`; when it stops holding the alert resolves (after keep_firing_for), and a
// pending alert goes back to inactive. Re-evaluating a time already evaluated changes nothing,
// which is what makes a retried or duplicated tick harmless.
import { formatDuration, quantileValue, type AlertRule, type SloRule } from "../../schemas/alerting.js";
import { countAtMost, mergeInto, quantile, type Histogram } from "./histogram.js";
import { fingerprint, sortedLabels, type Labels } from "./labels.js";
import { Template, templateVariables } from "./template.js";
import type { AlertInstance, AlertState, AlertTransition, BurnRateStatus, EvaluationResult, LoadedRule, SeriesFamily, SeriesRequest, SeriesRow, SeriesSnapshot, SloStatus } from "./types.js";

export interface SeriesDefaults {
  serverMetrics: string[];
  clientMetrics: string[];
}

export function ruleFamily(rule: AlertRule): SeriesFamily {
  return rule.target.edge || rule.group_by.some((d) => d === "caller" || d === "callee") ? "edge" : "service";
}

/** The windows a rule reads: its window, or an SLO's period and burn-rate windows. */
export function ruleWindows(rule: AlertRule): number[] {
  if (rule.kind !== "slo") return [rule.window];
  return [...new Set([rule.period, ...rule.burn_rates.flatMap((b) => [b.long, b.short])])].sort((a, b) => a - b);
}

export function ruleMetrics(rule: AlertRule, defaults: SeriesDefaults): string[] {
  if (rule.source !== "metrics") return [];
  if (rule.metric) return [rule.metric];
  return ruleFamily(rule) === "edge" ? defaults.clientMetrics : defaults.serverMetrics;
}

export function seriesRequestKey(request: SeriesRequest): string {
  return `${request.family}|${request.source}|${request.metrics.join(",")}|${request.windowSeconds}`;
}

/** Every distinct series query the rules need this tick (rules share them). */
export function seriesRequests(rules: readonly LoadedRule[], defaults: SeriesDefaults): SeriesRequest[] {
  const out = new Map<string, SeriesRequest>();
  for (const { rule } of rules) {
    for (const windowSeconds of ruleWindows(rule)) {
      const request: SeriesRequest = { family: ruleFamily(rule), source: rule.source, metrics: ruleMetrics(rule, defaults), windowSeconds };
      out.set(seriesRequestKey(request), request);
    }
  }
  return [...out.values()];
}

interface GroupStats {
  tenant: string;
  dims: Labels;
  calls: number;
  errors: number;
  histogram: Histogram;
}

function rowMatches(rule: AlertRule, row: SeriesRow): boolean {
  if (rule.tenant !== undefined && row.tenant !== rule.tenant) return false;
  const { target } = rule;
  if (target.edge) {
    if (target.edge.caller !== undefined && row.caller !== target.edge.caller) return false;
    if (target.edge.callee !== undefined && row.callee !== target.edge.callee) return false;
  } else {
    if (target.service !== undefined && row.service !== target.service) return false;
    if (target.operation !== undefined && row.operation !== target.operation) return false;
  }
  for (const [attribute, wanted] of Object.entries(rule.resource)) {
    const actual = row.resource[attribute];
    if (actual === undefined) return false;
    if (Array.isArray(wanted) ? !wanted.includes(actual) : actual !== wanted) return false;
  }
  return true;
}

/** The labels that identify a rule's series group: tenant, what is targeted, and group_by dimensions. */
function groupDims(rule: AlertRule, row: SeriesRow): Labels {
  const dims: Labels = {};
  const { target } = rule;
  if (ruleFamily(rule) === "edge") {
    if (target.edge?.caller !== undefined || rule.group_by.includes("caller")) dims.caller = row.caller;
    if (target.edge?.callee !== undefined || rule.group_by.includes("callee")) dims.callee = row.callee;
  } else {
    if (target.service !== undefined || rule.group_by.includes("service")) dims.service = row.service;
    if (target.operation !== undefined || rule.group_by.includes("operation")) dims.operation = row.operation;
  }
  return dims;
}

function groupRows(rule: AlertRule, rows: readonly SeriesRow[]): Map<string, GroupStats> {
  const groups = new Map<string, GroupStats>();
  for (const row of rows) {
    if (!rowMatches(rule, row)) continue;
    const dims = groupDims(rule, row);
    const key = `${row.tenant}\u0000${JSON.stringify(sortedLabels(dims))}`;
    let group = groups.get(key);
    if (!group) {
      group = { tenant: row.tenant, dims, calls: 0, errors: 0, histogram: new Map() };
      groups.set(key, group);
    }
    group.calls += row.calls;
    group.errors += row.errors;
    mergeInto(group.histogram, row.histogram);
  }
  return groups;
}

function servicesOf(dims: Labels): string[] {
  return [...new Set([dims.service, dims.caller, dims.callee].filter((s): s is string => Boolean(s)))].sort();
}

/** One evaluated condition for an alert instance. */
interface Observation {
  tenant: string;
  baseLabels: Labels;
  active: boolean;
  value: number | null;
  services: string[];
  vars: Record<string, string | number>;
}

const round = (value: number, digits = 6) => Math.round(value * 10 ** digits) / 10 ** digits;

function defaultSummary(rule: AlertRule, labels: Labels): string {
  const subject = labels.caller !== undefined || labels.callee !== undefined
    ? `${labels.caller ?? "*"} → ${labels.callee ?? "*"}`
    : [labels.service, labels.operation].filter(Boolean).join(" ") || `tenant ${labels.tenant}`;
  switch (rule.kind) {
    case "latency":
      return `${rule.quantile} latency of ${subject} is {{ printf "%.0f" $value }} ms (threshold ${rule.threshold_ms} ms over ${formatDuration(rule.window)})`;
    case "error_rate":
      return `error rate of ${subject} is {{ humanizePercentage $value }} (threshold ${round(rule.threshold * 100, 4)}% over ${formatDuration(rule.window)})`;
    case "slo":
      return `SLO ${rule.name} (${rule.objective}% over ${formatDuration(rule.period)}) of ${subject}: error budget burning {{ printf "%.1f" $value }}x over ${labels.long} and {{ printf "%.1f" $short_burn_rate }}x over ${labels.short} (threshold ${labels.burn_rate}x)`;
  }
}

function observeObjective(rule: Exclude<AlertRule, SloRule>, groups: Map<string, GroupStats>): Observation[] {
  const out: Observation[] = [];
  for (const group of groups.values()) {
    if (group.calls < Math.max(1, rule.min_requests)) continue;
    const value = rule.kind === "latency" ? (quantile(group.histogram, quantileValue[rule.quantile]) ?? null) : group.errors / group.calls;
    const threshold = rule.kind === "latency" ? rule.threshold_ms : rule.threshold;
    out.push({
      tenant: group.tenant,
      baseLabels: group.dims,
      active: value !== null && value > threshold,
      value: value === null ? null : round(value),
      services: servicesOf(group.dims),
      vars: { threshold, window: formatDuration(rule.window), calls: group.calls, errors: group.errors },
    });
  }
  return out;
}

function badRequests(rule: SloRule, group: GroupStats): number {
  if (rule.sli.type === "availability") return group.errors;
  return Math.max(0, group.calls - countAtMost(group.histogram, rule.sli.threshold_ms));
}

/** Burn rate: the observed bad ratio over the allowed one (1 − objective). */
export function burnRate(bad: number, total: number, objectivePercent: number): number | null {
  if (total <= 0) return null;
  return bad / total / (1 - objectivePercent / 100);
}

function observeSlo(rule: SloRule, windowGroups: Map<number, Map<string, GroupStats>>, at: number, ruleId: string): { observations: Observation[]; slos: SloStatus[] } {
  const observations: Observation[] = [];
  const slos: SloStatus[] = [];
  const period = windowGroups.get(rule.period) ?? new Map<string, GroupStats>();
  const shortest = Math.min(...rule.burn_rates.map((b) => b.short));
  const keys = new Set<string>();
  for (const groups of windowGroups.values()) for (const key of groups.keys()) keys.add(key);
  for (const key of [...keys].sort()) {
    const sample = [...windowGroups.values()].map((g) => g.get(key)).find(Boolean)!;
    const stats = (window: number) => windowGroups.get(window)?.get(key);
    const burnOf = (window: number) => {
      const group = stats(window);
      const rate = group && group.calls >= Math.max(1, rule.min_requests) ? burnRate(badRequests(rule, group), group.calls, rule.objective) : null;
      // Rounded before comparing, so 0.1% errors against a 99.9% objective is a burn rate of exactly 1.
      return rate === null ? null : round(rate);
    };
    const baseLabels = { ...sample.dims };
    const labelsForSlo = { alertname: rule.name, tenant: sample.tenant, ...baseLabels };
    const burnRates: BurnRateStatus[] = [];
    for (const burn of rule.burn_rates) {
      const longBurn = burnOf(burn.long);
      const shortBurn = burnOf(burn.short);
      const active = longBurn !== null && shortBurn !== null && longBurn > burn.factor && shortBurn > burn.factor;
      burnRates.push({ severity: burn.severity, longSeconds: burn.long, shortSeconds: burn.short, factor: burn.factor, longBurnRate: longBurn === null ? null : round(longBurn), shortBurnRate: shortBurn === null ? null : round(shortBurn), firing: active });
      if (longBurn === null && shortBurn === null) continue;
      observations.push({
        tenant: sample.tenant,
        baseLabels: { ...baseLabels, severity: burn.severity, long: formatDuration(burn.long), short: formatDuration(burn.short), burn_rate: String(burn.factor) },
        active,
        value: longBurn === null ? null : round(longBurn),
        services: servicesOf(baseLabels),
        vars: { threshold: burn.factor, window: formatDuration(burn.long), objective: rule.objective, long_burn_rate: longBurn ?? "", short_burn_rate: shortBurn ?? "" },
      });
    }
    const periodGroup = period.get(key);
    const nowGroup = stats(shortest);
    const sli = (group: GroupStats | undefined) => (group && group.calls > 0 ? round(1 - badRequests(rule, group) / group.calls, 9) : null);
    const total = periodGroup?.calls ?? 0;
    const bad = periodGroup ? badRequests(rule, periodGroup) : 0;
    const periodBurn = burnRate(bad, total, rule.objective);
    slos.push({
      tenant: sample.tenant,
      ruleId,
      ruleName: rule.name,
      fingerprint: fingerprint(labelsForSlo),
      labels: sortedLabels(labelsForSlo),
      objective: rule.objective,
      periodSeconds: rule.period,
      sliNow: sli(nowGroup),
      sliPeriod: sli(periodGroup),
      budgetRemaining: periodBurn === null ? null : round(1 - periodBurn),
      totalRequests: total,
      badRequests: round(bad, 3),
      burnRates,
      evaluatedAt: at,
    });
  }
  return { observations, slos };
}

export interface EvaluationInput {
  rules: readonly LoadedRule[];
  series: SeriesSnapshot;
  /** Previous state of instances, keyed by instanceKey. */
  previous: ReadonlyMap<string, AlertInstance>;
  /** Evaluation time (Unix seconds). */
  at: number;
  defaults: SeriesDefaults;
}

export const instanceKey = (ruleId: string, fp: string) => `${ruleId}\u0000${fp}`;

/** Advances one instance by one evaluation; returns the new state and the transition, if any. */
export function step(rule: AlertRule, prev: AlertInstance | undefined, obs: { active: boolean; value: number | null }, at: number): { state: AlertState; activeAt: number | null; firedAt: number | null; keepFiringSince: number | null; resolvedAt: number | null } {
  const state = prev?.state ?? "inactive";
  const base = { activeAt: prev?.activeAt ?? null, firedAt: prev?.firedAt ?? null, keepFiringSince: prev?.keepFiringSince ?? null, resolvedAt: prev?.resolvedAt ?? null };
  if (state === "inactive" || state === "resolved") {
    if (!obs.active) return { state, ...base };
    if (rule.for === 0) return { state: "firing", activeAt: at, firedAt: at, keepFiringSince: null, resolvedAt: null };
    return { state: "pending", activeAt: at, firedAt: null, keepFiringSince: null, resolvedAt: null };
  }
  if (state === "pending") {
    if (!obs.active) return { state: "inactive", ...base, activeAt: null };
    if (at - (base.activeAt ?? at) >= rule.for) return { state: "firing", ...base, firedAt: at };
    return { state: "pending", ...base };
  }
  // firing
  if (obs.active) return { state: "firing", ...base, keepFiringSince: null };
  const since = base.keepFiringSince ?? at;
  if (rule.keep_firing_for > 0 && at - since < rule.keep_firing_for) return { state: "firing", ...base, keepFiringSince: since };
  return { state: "resolved", ...base, keepFiringSince: null, resolvedAt: at };
}

/** A request's rows by service (service series) or caller (edges), built once per tick. */
export class SeriesIndex {
  private readonly indexes = new Map<string, Map<string, SeriesRow[]>>();

  constructor(private readonly series: SeriesSnapshot) {}

  /** The rows a rule can match: those of its service or caller when it names one, else all. */
  rowsFor(rule: AlertRule, key: string): SeriesRow[] | undefined {
    const rows = this.series.get(key);
    if (!rows) return undefined;
    const wanted = rule.target.edge ? rule.target.edge.caller : rule.target.service;
    if (wanted === undefined) return rows;
    let index = this.indexes.get(key);
    if (!index) {
      index = new Map();
      for (const row of rows) {
        const by = row.caller || row.service;
        let list = index.get(by);
        if (!list) index.set(by, (list = []));
        list.push(row);
      }
      this.indexes.set(key, index);
    }
    return index.get(wanted) ?? [];
  }
}

/** Evaluates every rule at `at`. */
export function evaluateRules(input: EvaluationInput): EvaluationResult {
  const { at } = input;
  const result: EvaluationResult = { instances: [], transitions: [], slos: [], problems: [] };
  const index = new SeriesIndex(input.series);
  const previousByRule = new Map<string, AlertInstance[]>();
  for (const prev of input.previous.values()) {
    let list = previousByRule.get(prev.ruleId);
    if (!list) previousByRule.set(prev.ruleId, (list = []));
    list.push(prev);
  }

  for (const loaded of input.rules) {
    const { rule, id: ruleId } = loaded;
    const windowGroups = new Map<number, Map<string, GroupStats>>();
    for (const windowSeconds of ruleWindows(rule)) {
      const request: SeriesRequest = { family: ruleFamily(rule), source: rule.source, metrics: ruleMetrics(rule, input.defaults), windowSeconds };
      const rows = index.rowsFor(rule, seriesRequestKey(request));
      if (!rows) {
        result.problems.push({ ruleId, message: `no series were read for a ${formatDuration(windowSeconds)} window` });
        continue;
      }
      windowGroups.set(windowSeconds, groupRows(rule, rows));
    }
    let observations: Observation[];
    if (rule.kind === "slo") {
      const slo = observeSlo(rule, windowGroups, at, ruleId);
      observations = slo.observations;
      result.slos.push(...slo.slos);
    } else {
      observations = observeObjective(rule, windowGroups.get(rule.window) ?? new Map());
    }

    const observed = new Map<string, Observation & { labels: Labels }>();
    for (const obs of observations) {
      const base: Labels = { alertname: rule.name, tenant: obs.tenant, severity: rule.severity, ...obs.baseLabels };
      const labels: Labels = { ...base };
      for (const [name, template] of loaded.labelTemplates) labels[name] = template.render({ value: obs.value ?? Number.NaN, labels: base, vars: obs.vars });
      observed.set(fingerprint(labels), { ...obs, labels: sortedLabels(labels) });
    }

    // Instances seen before but without data now are evaluated as "condition does not hold".
    const fingerprints = new Set(observed.keys());
    for (const prev of previousByRule.get(ruleId) ?? []) fingerprints.add(prev.fingerprint);

    for (const fp of [...fingerprints].sort()) {
      const key = instanceKey(ruleId, fp);
      const prev = input.previous.get(key);
      if (prev && prev.lastEvalAt >= at) continue; // this time was evaluated already
      const obs = observed.get(fp);
      const next = step(rule, prev, { active: obs?.active ?? false, value: obs?.value ?? null }, at);
      const prevState = prev?.state ?? "inactive";
      if (!prev && next.state === "inactive") continue; // never active, nothing to keep
      const labels = obs?.labels ?? prev!.labels;
      let annotations = prev?.annotations ?? {};
      if (obs && (obs.active || !prev)) {
        annotations = {};
        const data = { value: obs.value ?? Number.NaN, labels, vars: obs.vars };
        if (!loaded.annotationTemplates.has("summary")) annotations.summary = defaultSummaryTemplate(loaded, labels).render(data);
        if (rule.description !== undefined && !loaded.annotationTemplates.has("description")) annotations.description = rule.description;
        for (const [name, template] of loaded.annotationTemplates) annotations[name] = template.render(data);
      }
      const instance: AlertInstance = {
        tenant: obs?.tenant ?? prev!.tenant,
        ruleId,
        ruleName: rule.name,
        fingerprint: fp,
        state: next.state,
        labels,
        annotations,
        value: obs ? obs.value : null,
        activeAt: next.activeAt,
        firedAt: next.firedAt,
        keepFiringSince: next.keepFiringSince,
        resolvedAt: next.resolvedAt,
        lastEvalAt: at,
        services: obs?.services ?? prev!.services,
        incidentIds: next.state !== prevState && (prevState === "resolved" || prevState === "inactive") ? [] : (prev?.incidentIds ?? []),
      };
      // Unchanged quiet instances are not rewritten every tick.
      const quiet = (next.state === "inactive" || next.state === "resolved") && next.state === prevState;
      if (!quiet) result.instances.push(instance);
      if (next.state !== prevState) {
        result.transitions.push({ tenant: instance.tenant, ruleId, ruleName: rule.name, fingerprint: fp, at, from: prevState, to: next.state, value: instance.value, labels });
      }
    }
  }
  return result;
}

const summaryTemplates = new WeakMap<LoadedRule, Map<string, Template>>();

function defaultSummaryTemplate(loaded: LoadedRule, labels: Labels) {
  let cache = summaryTemplates.get(loaded);
  if (!cache) summaryTemplates.set(loaded, (cache = new Map()));
  const text = defaultSummary(loaded.rule, labels);
  let template = cache.get(text);
  if (!template) {
    template = new Template(text, templateVariables);
    if (cache.size > 1000) cache.clear();
    cache.set(text, template);
  }
  return template;
}
