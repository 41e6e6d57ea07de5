// What to notify, decided as Alertmanager decides it, but as a pure function of the alerts, the
// silences, the route tree, the notification log and the time, so any evaluator computes the same
// plan and the same notification ids. Routing: the first matching child route wins (unless
// `continue`), settings inherit from the parent. Grouping: per route and group labels (the
// tenant always among them, so no notification mixes tenants); a new group waits group_wait, a
// changed group at most every group_interval, an unchanged firing group repeats every
// repeat_interval; alerts that were notified firing are notified resolved once.
import { createHash } from "node:crypto";
import type { NotificationConfig, Receiver, Route } from "../../../schemas/alerting.js";
import { labelSetString, type Labels } from "../labels.js";
import { matchesAll, parseMatcher, type Matcher } from "../matchers.js";
import type { AlertInstance } from "../types.js";

export interface ResolvedRoute {
  /** Alertmanager's route key: {} for the root, then /{matchers} per level. */
  key: string;
  receiver: string;
  groupBy: string[] | "all";
  groupWait: number;
  groupInterval: number;
  repeatInterval: number;
}

export interface RouteDefaults {
  groupWaitSeconds: number;
  groupIntervalSeconds: number;
  repeatIntervalSeconds: number;
}

interface CompiledRoute {
  resolved: ResolvedRoute;
  matchers: Matcher[];
  continue: boolean;
  children: CompiledRoute[];
}

export function compileRoutes(config: NotificationConfig, defaults: RouteDefaults): CompiledRoute {
  const build = (route: Route, parent: ResolvedRoute | undefined, parentKey: string): CompiledRoute => {
    const matchers = route.matchers.map(parseMatcher);
    const key = parent ? `${parentKey}/{${route.matchers.join(",")}}` : "{}";
    const groupBy = route.group_by ? (route.group_by.includes("...") ? "all" : [...route.group_by]) : (parent?.groupBy ?? ["alertname"]);
    const resolved: ResolvedRoute = {
      key,
      receiver: route.receiver ?? parent?.receiver ?? "",
      groupBy,
      groupWait: route.group_wait ?? parent?.groupWait ?? defaults.groupWaitSeconds,
      groupInterval: route.group_interval ?? parent?.groupInterval ?? defaults.groupIntervalSeconds,
      repeatInterval: route.repeat_interval ?? parent?.repeatInterval ?? defaults.repeatIntervalSeconds,
    };
    return { resolved, matchers, continue: route.continue, children: route.routes.map((child) => build(child, resolved, key)) };
  };
  return build(config.route, undefined, "");
}

/** The routes an alert's labels reach (Alertmanager's Route.Match). */
export function matchRoutes(root: CompiledRoute, labels: Labels): ResolvedRoute[] {
  const visit = (route: CompiledRoute): ResolvedRoute[] => {
    if (!matchesAll(route.matchers, labels)) return [];
    const out: ResolvedRoute[] = [];
    for (const child of route.children) {
      const matched = visit(child);
      out.push(...matched);
      if (matched.length > 0 && !child.continue) break;
    }
    return out.length > 0 ? out : [route.resolved];
  };
  return visit(root);
}

export function groupLabelsOf(route: ResolvedRoute, labels: Labels): Labels {
  if (route.groupBy === "all") return { ...labels };
  const out: Labels = {};
  for (const name of route.groupBy) if (labels[name] !== undefined) out[name] = labels[name]!;
  out.tenant = labels.tenant ?? "";
  return out;
}

export interface Silence {
  id: string;
  tenant: string;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
}

/** Silences active at `at` that mute these labels (a tenant's silence mutes only its alerts). */
export function silencedBy(silences: readonly Silence[], alert: { tenant: string; labels: Labels }, at: number): string[] {
  return silences.filter((s) => s.startsAt <= at && at < s.endsAt && (s.tenant === "*" || s.tenant === alert.tenant) && matchesAll(s.matchers, alert.labels)).map((s) => s.id);
}

export interface NotifyLogEntry {
  receiver: string;
  groupKey: string;
  tenant: string;
  sequence: number;
  sentAt: number;
  /** "fingerprint@startsAt" of the alerts notified firing. */
  firing: string[];
  resolved: string[];
}

export interface PlannedAlert {
  alert: AlertInstance;
  status: "firing" | "resolved";
}

export interface PlannedNotification {
  id: string;
  receiver: Receiver;
  route: ResolvedRoute;
  groupKey: string;
  groupLabels: Labels;
  tenant: string;
  alerts: PlannedAlert[];
  status: "firing" | "resolved";
  log: NotifyLogEntry;
}

export interface PlanInput {
  alerts: readonly AlertInstance[];
  silences: readonly Silence[];
  config: NotificationConfig;
  routes: CompiledRoute;
  log: ReadonlyMap<string, NotifyLogEntry>;
  at: number;
}

export const logKey = (receiver: string, groupKey: string) => `${receiver}\u0000${groupKey}`;
const episode = (alert: AlertInstance) => `${alert.fingerprint}@${alert.firedAt ?? alert.activeAt ?? 0}`;

/** The notification's id: stable for a given receiver, group and log sequence, so evaluators agree. */
export function notificationId(receiver: string, groupKey: string, sequence: number): string {
  return createHash("sha256").update(`${receiver}\u0000${groupKey}\u0000${sequence}`).digest("hex").slice(0, 32);
}

export function planNotifications(input: PlanInput): PlannedNotification[] {
  const { at } = input;
  const receivers = new Map(input.config.receivers.map((r) => [r.name, r]));
  interface Group { route: ResolvedRoute; groupKey: string; groupLabels: Labels; tenant: string; firing: AlertInstance[]; resolved: AlertInstance[] }
  const groups = new Map<string, Group>();
  for (const alert of input.alerts) {
    if (alert.state !== "firing" && alert.state !== "resolved") continue;
    if (alert.state === "firing" && silencedBy(input.silences, alert, at).length > 0) continue;
    for (const route of matchRoutes(input.routes, alert.labels)) {
      if (!receivers.has(route.receiver)) continue;
      const groupLabels = groupLabelsOf(route, alert.labels);
      const groupKey = `${route.key}:${labelSetString(groupLabels)}`;
      const key = logKey(route.receiver, groupKey);
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { route, groupKey, groupLabels, tenant: alert.tenant, firing: [], resolved: [] }));
      (alert.state === "firing" ? group.firing : group.resolved).push(alert);
    }
  }

  const out: PlannedNotification[] = [];
  for (const [key, group] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const previous = input.log.get(key);
    const notifiedFiring = new Set(previous?.firing ?? []);
    const firing = group.firing.sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : 1));
    const firingIds = firing.map(episode).sort();
    // Resolved alerts are told once: those last notified as firing.
    const resolved = group.resolved.filter((a) => notifiedFiring.has(episode(a)) && (a.resolvedAt ?? 0) <= at).sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : 1));
    let due = false;
    if (!previous || previous.firing.length === 0) {
      // A new group (or one whose alerts had all resolved): wait group_wait after its first alert fired.
      if (firing.length > 0) {
        const first = Math.min(...firing.map((a) => a.firedAt ?? at));
        due = at >= first + group.route.groupWait;
      }
    } else {
      const changed = resolved.length > 0 || firingIds.length !== previous.firing.length || firingIds.some((id, i) => id !== previous.firing[i]);
      if (changed) due = at >= previous.sentAt + group.route.groupInterval;
      else if (firing.length > 0) due = at >= previous.sentAt + group.route.repeatInterval;
    }
    if (!due || firing.length + resolved.length === 0) continue;
    const sequence = (previous?.sequence ?? 0) + 1;
    out.push({
      id: notificationId(group.route.receiver, group.groupKey, sequence),
      receiver: receivers.get(group.route.receiver)!,
      route: group.route,
      groupKey: group.groupKey,
      groupLabels: group.groupLabels,
      tenant: group.tenant,
      alerts: [...firing.map((alert) => ({ alert, status: "firing" as const })), ...resolved.map((alert) => ({ alert, status: "resolved" as const }))],
      status: firing.length > 0 ? "firing" : "resolved",
      log: { receiver: group.route.receiver, groupKey: group.groupKey, tenant: group.tenant, sequence, sentAt: at, firing: firingIds, resolved: resolved.map(episode) },
    });
  }
  return out;
}
