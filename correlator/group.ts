// Grouping anomalies into incidents. Anomalies close in time and connected in the dependency
// graph (within `maxHops`) belong together; an anomaly connected to an open incident joins it.
// Pure: the caller turns the plan into incident versions and events.
import type { CorrelatorSettings } from "../schemas/config.js";
import { undirectedDistance } from "./graph.js";
import type { Anomaly, DependencyGraph, Incident } from "./types.js";

export const maxHops = 2;

export interface GroupingPlan {
  /** Anomalies to add to each open incident. */
  joins: Map<string, Anomaly[]>;
  /** Groups of anomalies that open new incidents (each group sorted by onset). */
  opens: Anomaly[][];
  /** Open incidents whose anomalies have all been quiet for resolveAfterSeconds. */
  resolves: string[];
}

function connected(graph: DependencyGraph, a: string, b: string): boolean {
  return undirectedDistance(graph, a, b, maxHops) <= maxHops;
}

export function planGrouping(input: {
  /** Anomalies seen within resolveAfterSeconds, of one tenant. */
  anomalies: Anomaly[];
  openIncidents: Incident[];
  graph: DependencyGraph;
  settings: CorrelatorSettings;
  now: number;
}): GroupingPlan {
  const { anomalies, openIncidents, graph, settings, now } = input;
  const plan: GroupingPlan = { joins: new Map(), opens: [], resolves: [] };
  const owned = new Set(openIncidents.flatMap((incident) => incident.anomalyIds));
  const byId = new Map(anomalies.map((a) => [a.anomalyId, a]));

  // An anomaly may open or join an incident once it has persisted: the data shows it in enough
  // buckets of its window each on their own, or it has been seen for its pending time.
  const pending = (a: Anomaly) => (a.kind === "error_rate" ? settings.pendingSeconds : settings.latencyPendingSeconds);
  const persisted = (a: Anomaly) => a.anomalousBuckets >= settings.persistBuckets || a.lastSeenAt - a.detectedAt >= pending(a);
  const ready = anomalies
    .filter((a) => !owned.has(a.anomalyId) && persisted(a))
    .sort((a, b) => a.onsetAt - b.onsetAt || a.anomalyId.localeCompare(b.anomalyId));

  const unattached: Anomaly[] = [];
  for (const anomaly of ready) {
    const incident = openIncidents
      .filter((candidate) => candidate.tenant === anomaly.tenant && candidate.services.some((node) => connected(graph, node, anomaly.node)))
      .sort((a, b) => a.startedAt - b.startedAt || a.incidentId.localeCompare(b.incidentId))[0];
    if (incident) {
      const list = plan.joins.get(incident.incidentId) ?? [];
      list.push(anomaly);
      plan.joins.set(incident.incidentId, list);
    } else unattached.push(anomaly);
  }

  // Union-find over the unattached anomalies: connected nodes with onsets within the window.
  const parent = unattached.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  for (let i = 0; i < unattached.length; i++) {
    for (let j = i + 1; j < unattached.length; j++) {
      const a = unattached[i]!;
      const b = unattached[j]!;
      if (Math.abs(a.onsetAt - b.onsetAt) <= settings.groupWindowSeconds && (a.node === b.node || connected(graph, a.node, b.node))) {
        parent[find(j)] = find(i);
      }
    }
  }
  const groups = new Map<number, Anomaly[]>();
  unattached.forEach((anomaly, i) => {
    const root = find(i);
    groups.set(root, [...(groups.get(root) ?? []), anomaly]);
  });
  plan.opens = [...groups.values()];

  for (const incident of openIncidents) {
    const joined = plan.joins.get(incident.incidentId) ?? [];
    const lastSeen = Math.max(0, ...incident.anomalyIds.map((id) => byId.get(id)?.lastSeenAt ?? 0), ...joined.map((a) => a.lastSeenAt));
    if (now - lastSeen >= settings.resolveAfterSeconds) plan.resolves.push(incident.incidentId);
  }
  return plan;
}
