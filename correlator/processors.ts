// The correlator's job processors: functions of their input and a store (no Redis, no Kafka), so
// they run the same under BullMQ, in tests, and in the RCA benchmark.
import type { CorrelatorSettings } from "../schemas/config.js";
import type { Store } from "../store/index.js";
import { detectAnomalies, detectionWindow } from "./detect.js";
import { buildDependencyGraph } from "./graph.js";
import { planGrouping } from "./group.js";
import { incidentEvents, nextIncidentVersion, resolvedVersion, type IncidentFacts } from "./incidents.js";
import {
  computeEdges,
  readAnomaliesById,
  readAnomaliesSeenSince,
  readEdges,
  readErrorOrigins,
  readExemplarTraces,
  readOpenIncidents,
  readRedSeries,
  readSampleLogs,
  readSelfTimes,
  writeAnomalies,
  writeIncidents,
} from "./queries.js";
import { rankRootCauses } from "./rank.js";
import type { Anomaly, DependencyGraph, Incident, IncidentEvent } from "./types.js";

/** How far back the dependency graph used for grouping and ranking reaches. */
const graphLookbackSeconds = 600;
/** Evidence starts a little before the first onset, where the fault usually began. */
const evidenceLeadSeconds = 30;
/** The self-time baseline: this long before the evidence window. */
const selfTimeBaselineSeconds = 300;
/** An open incident's evidence is refreshed at least this often even when nothing joined. */
const refreshSeconds = 60;

export interface DetectionResult {
  windowEnd: number;
  anomalies: Anomaly[];
}

/** One detection tick: refresh recent graph edges, score every RED series, store anomalies. */
export async function runDetection(store: Store, settings: CorrelatorSettings, nowMs: number): Promise<DetectionResult> {
  const now = Math.floor(nowMs / 1000);
  const window = detectionWindow(now, settings);
  await computeEdges(store, window.windowStart - settings.bucketSeconds * 3, window.windowEnd);
  const { series, windows } = await readRedSeries(store, window);
  const active = await readAnomaliesSeenSince(store, now - settings.resolveAfterSeconds);
  const anomalies = detectAnomalies({ series, windows, active, window, settings, version: nowMs });
  if (anomalies.length > 0) await writeAnomalies(store, anomalies);
  return { windowEnd: window.windowEnd, anomalies };
}

export interface CorrelationResult {
  /** Incidents written by this tick (opened, updated or resolved). */
  incidents: Incident[];
  events: IncidentEvent[];
}

async function gatherFacts(store: Store, tenant: string, anomalies: Anomaly[], graph: DependencyGraph, until: number): Promise<IncidentFacts> {
  const from = Math.min(...anomalies.map((a) => a.onsetAt)) - evidenceLeadSeconds;
  const { origins, errorTraceCounts, totalErrorTraces } = await readErrorOrigins(store, tenant, from, until);
  const selfTimes = await readSelfTimes(store, tenant, from - selfTimeBaselineSeconds, from, until);
  const rootCauses = rankRootCauses({ anomalies, origins, errorTraceCounts, totalErrorTraces, selfTimes, graph });
  const top = rootCauses[0];
  const exemplarTraceIds = top ? await readExemplarTraces(store, tenant, top.node, from, until) : [];
  const services = new Set(anomalies.filter((a) => a.nodeType === "service").map((a) => a.node));
  for (const origin of origins) if (origin.node === top?.node) services.add(origin.via);
  const sampleLogs = await readSampleLogs(store, tenant, [...services], exemplarTraceIds, from, until);
  return { anomalies, rootCauses, exemplarTraceIds, sampleLogs };
}

/** One correlation tick: group active anomalies into incidents, re-rank, resolve quiet ones. */
export async function runCorrelation(store: Store, settings: CorrelatorSettings, nowMs: number): Promise<CorrelationResult> {
  const now = Math.floor(nowMs / 1000);
  const until = detectionWindow(now, settings).windowEnd;
  const recent = await readAnomaliesSeenSince(store, now - settings.resolveAfterSeconds);
  const open = await readOpenIncidents(store);
  const tenants = [...new Set([...recent.map((a) => a.tenant), ...open.map((i) => i.tenant)])].sort();
  const result: CorrelationResult = { incidents: [], events: [] };
  let version = nowMs * 1000;

  for (const tenant of tenants) {
    const graph = buildDependencyGraph(await readEdges(store, until - graphLookbackSeconds, until, tenant));
    const openHere = open.filter((incident) => incident.tenant === tenant);
    const plan = planGrouping({ anomalies: recent.filter((a) => a.tenant === tenant), openIncidents: openHere, graph, settings, now });

    for (const incident of openHere) {
      if (plan.resolves.includes(incident.incidentId)) {
        const own = await readAnomaliesById(store, incident.anomalyIds);
        const resolvedAt = Math.max(incident.updatedAt, ...own.map((a) => a.lastSeenAt));
        const next = resolvedVersion(incident, resolvedAt, ++version);
        result.incidents.push(next);
        result.events.push(...incidentEvents(incident, next, []));
        continue;
      }
      const joined = plan.joins.get(incident.incidentId) ?? [];
      if (joined.length === 0 && now - incident.updatedAt < refreshSeconds) continue;
      const anomalies = dedupe([...(await readAnomaliesById(store, incident.anomalyIds)), ...joined]);
      const facts = await gatherFacts(store, tenant, anomalies, graph, until);
      const next = nextIncidentVersion(incident, anomalies, facts, now, ++version);
      result.incidents.push(next);
      result.events.push(...incidentEvents(incident, next, anomalies));
    }

    for (const group of plan.opens) {
      const facts = await gatherFacts(store, tenant, group, graph, until);
      const incident = nextIncidentVersion(undefined, group, facts, now, ++version);
      result.incidents.push(incident);
      result.events.push(...incidentEvents(undefined, incident, group));
    }
  }
  await writeIncidents(store, result.incidents, result.events);
  return result;
}

function dedupe(anomalies: Anomaly[]): Anomaly[] {
  const byId = new Map<string, Anomaly>();
  for (const anomaly of anomalies) {
    const existing = byId.get(anomaly.anomalyId);
    if (!existing || existing.version < anomaly.version) byId.set(anomaly.anomalyId, anomaly);
  }
  return [...byId.values()].sort((a, b) => a.onsetAt - b.onsetAt || a.anomalyId.localeCompare(b.anomalyId));
}
