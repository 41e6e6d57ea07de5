// The correlator's job processors: functions of their input and a store (no Redis, no Kafka), so
// they run the same under BullMQ, in tests, and in the RCA benchmark.
import type { CorrelatorSettings } from "../schemas/config.js";
import type { Store } from "../store/index.js";
import { attributeOrigins, type OriginCount } from "./boundary.js";
import { causeEvidence, defaultCauseOptions, restrictMemberships, separateCauses } from "./causes.js";
import { announcedChange, attributeChanges, changesNear, mergeChanges } from "./changes.js";
import { detectAnomalies, detectionWindow } from "./detect.js";
import { buildDependencyGraph } from "./graph.js";
import { planGrouping } from "./group.js";
import { incidentEvents, nextIncidentVersion, opensIncident, resolvedVersion, type IncidentFacts } from "./incidents.js";
import { resolvePeer, type PeerResolution } from "./nodes.js";
import {
  computeEdges,
  peerAliases,
  readAnomaliesById,
  readAnomaliesSeenSince,
  readAttributeSightings,
  readChangeEvents,
  readEdges,
  readErrorEvidence,
  readExemplarTraces,
  readInstrumentedServices,
  readNewestBucket,
  readOpenIncidents,
  readRedSeries,
  readSampleLogs,
  readSelfTimes,
  writeAnomalies,
  writeIncidents,
  type EdgeRow,
} from "./queries.js";
import { largestGrowthShare, rankRootCauses, type SelfTime } from "./rank.js";
import type { Anomaly, ChangeEvidence, DependencyGraph, Incident, IncidentCause, IncidentEvent, RedSeries, RootCauseCandidate } from "./types.js";

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
  /** True when the window had not moved since `previousWindowEnd`: nothing new to judge. */
  skipped?: boolean;
}

/**
 * One detection tick: refresh recent graph edges, score every RED series, store anomalies. Ticks
 * run twice per bucket (so a closed bucket waits half a tick on average); a tick whose window has
 * not moved since the last one this process ran (`previousWindowEnd`) does nothing.
 */
export async function runDetection(store: Store, settings: CorrelatorSettings, nowMs: number, previousWindowEnd?: number): Promise<DetectionResult> {
  const now = Math.floor(nowMs / 1000);
  const window = detectionWindow(now, settings, await readNewestBucket(store, now));
  if (previousWindowEnd !== undefined && window.windowEnd <= previousWindowEnd) return { windowEnd: window.windowEnd, anomalies: [], skipped: true };
  await computeEdges(store, window.windowStart - settings.bucketSeconds * 3, window.windowEnd);
  const { series: allSeries, windows } = await readRedSeries(store, window);
  const edges = await readEdges(store, window.windowStart - graphLookbackSeconds, window.windowEnd, "*");
  const series = seriesToJudge(allSeries, edges);
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

/**
 * The series detection judges: every service's own, and a callee's client-side series only when
 * no service answers for it (a database, a queue, a peer that never emits spans). An instrumented
 * callee is judged by its own spans; its callers' view of it would count every call twice.
 */
export function seriesToJudge(series: readonly RedSeries[], edges: readonly EdgeRow[]): RedSeries[] {
  const services = new Map<string, Set<string>>();
  for (const s of series) if (s.nodeType === "service") (services.get(s.tenant) ?? services.set(s.tenant, new Set()).get(s.tenant)!).add(s.node);
  const aliases = new Map<string, Map<string, string>>();
  for (const tenant of new Set(edges.map((e) => e.tenant))) aliases.set(tenant, peerAliases(edges.filter((e) => e.tenant === tenant)));
  return series.filter((s) => {
    if (s.nodeType === "service") return true;
    const resolution = { services: services.get(s.tenant) ?? new Set<string>(), aliases: aliases.get(s.tenant) ?? new Map<string, string>() };
    return !resolution.services.has(resolvePeer(s.node, resolution));
  });
}

/** Self times with callee rows renamed to the service they stand for (rows of one node merged, weighted by calls). */
function resolveSelfTimes(rows: readonly (SelfTime & { isPeer: boolean })[], resolution: PeerResolution): SelfTime[] {
  const merged = new Map<string, SelfTime>();
  for (const row of rows) {
    const node = row.isPeer ? resolvePeer(row.node, resolution) : row.node;
    const nodeType = resolution.services.has(node) ? "service" : row.nodeType;
    const existing = merged.get(node);
    if (!existing) merged.set(node, { ...row, node, nodeType });
    else {
      const calls = existing.calls + row.calls;
      merged.set(node, {
        node, nodeType: existing.nodeType === "service" ? "service" : nodeType, calls,
        currentMs: (existing.currentMs * existing.calls + row.currentMs * row.calls) / Math.max(calls, 1),
        baselineMs: (existing.baselineMs * existing.calls + row.baselineMs * row.calls) / Math.max(calls, 1),
      });
    }
  }
  return [...merged.values()];
}

/** A node answered slower than usual: a latency anomaly, or its own time grew by half and 10 ms. */
function slowedNodes(anomalies: readonly Anomaly[], selfTimes: readonly SelfTime[]): Set<string> {
  const slowed = new Set(anomalies.filter((a) => a.kind !== "error_rate").map((a) => a.node));
  for (const s of selfTimes) if (s.currentMs >= s.baselineMs * 1.5 && s.currentMs - s.baselineMs >= 10) slowed.add(s.node);
  return slowed;
}

/** Changes near the onset: new resource attribute values in the spans, and announced change events. */
async function readChanges(store: Store, settings: CorrelatorSettings, tenant: string, onset: number, until: number): Promise<ChangeEvidence[]> {
  const lookBackFrom = onset - settings.changeLookBackSeconds;
  // A value already there in the look-back's first minute was not a new one.
  const sightings = await readAttributeSightings(store, tenant, lookBackFrom, until, settings.changeAttributes);
  const announced = (await readChangeEvents(store, tenant, lookBackFrom, until)).map(announcedChange);
  return changesNear(mergeChanges(announced, attributeChanges(sightings, lookBackFrom + 60)), onset, settings.changeLookBackSeconds);
}

async function gatherFacts(store: Store, settings: CorrelatorSettings, tenant: string, anomalies: Anomaly[], graph: DependencyGraph, edges: readonly EdgeRow[], until: number): Promise<IncidentFacts> {
  const onset = Math.min(...anomalies.map((a) => a.onsetAt));
  const from = onset - evidenceLeadSeconds;
  const changes = await readChanges(store, settings, tenant, onset, until);
  const resolution: PeerResolution = { aliases: peerAliases(edges), services: await readInstrumentedServices(store, tenant, from - graphLookbackSeconds, until) };
  const evidence = await readErrorEvidence(store, tenant, from, until);
  const selfTimes = resolveSelfTimes(await readSelfTimes(store, tenant, from - selfTimeBaselineSeconds, from, until), resolution);
  const origins = attributeOrigins(evidence.origins, { ...resolution, slowed: slowedNodes(anomalies, selfTimes) });

  // Which error traces each node has an error span in, callees under the node they stand for.
  const members = new Map<string, number[]>();
  for (const m of evidence.members) {
    const node = m.isPeer ? resolvePeer(m.node, resolution) : m.node;
    members.set(node, [...new Set([...(members.get(node) ?? []), ...m.traces])]);
  }
  const sampledTraces = new Set<number>();
  for (const list of members.values()) for (const t of list) sampledTraces.add(t);

  const causes = separateCauses(origins, graph, defaultCauseOptions);
  const rankCause = (causeOrigins: OriginCount[], traces: ReadonlySet<number>, own: ReturnType<typeof causeEvidence>) =>
    rankRootCauses({ ...own, origins: causeOrigins, totalErrorTraces: traces.size, graph, changes, minExplainedSlowdownShare: settings.minExplainedSlowdownShare });

  let rootCauses: RootCauseCandidate[];
  let incidentCauses: IncidentCause[];
  if (causes.length <= 1) {
    rootCauses = rankCause(origins, sampledTraces, { anomalies, selfTimes, errorTraceCounts: restrictMemberships(members, sampledTraces) });
    const top = rootCauses[0];
    incidentCauses = top ? [{ node: top.node, nodeType: top.nodeType, errorCode: top.errorCode, errorTraces: Math.round(sampledTraces.size / evidence.sampled), share: 1, rootCauses, exemplarTraceIds: [] }] : [];
  } else {
    incidentCauses = causes.map((cause, index) => {
      const ranked = rankCause(cause.origins, cause.traces, causeEvidence(members, cause.traces, anomalies, selfTimes)).map((c) => ({ ...c, cause: index + 1 }));
      const top = ranked[0]!;
      const exemplarTraceIds = [...new Set(cause.origins.filter((o) => o.node === top.node).flatMap((o) => o.examples ?? []))].slice(0, 3);
      return { node: top.node, nodeType: top.nodeType, errorCode: top.errorCode, errorTraces: Math.round(cause.traces.size / evidence.sampled), share: Math.round((cause.traces.size / Math.max(sampledTraces.size, 1)) * 1000) / 1000, rootCauses: ranked, exemplarTraceIds };
    });
    // Each cause's top candidate first, then the rest by score (a node once, under its best cause).
    const seen = new Set<string>();
    rootCauses = [...incidentCauses.map((c) => c.rootCauses[0]!), ...incidentCauses.flatMap((c) => c.rootCauses.slice(1)).sort((a, b) => b.score - a.score)]
      .filter((c) => !seen.has(c.node) && seen.add(c.node))
      .slice(0, Math.max(5, incidentCauses.length));
  }

  const top = rootCauses[0];
  const namesOf = (node: string) => [node, ...[...resolution.aliases].filter(([, service]) => service === node).map(([peer]) => peer)];
  let exemplarTraceIds: string[];
  if (incidentCauses.length > 1) exemplarTraceIds = [...new Set(incidentCauses.flatMap((c) => c.exemplarTraceIds))].slice(0, 6);
  else {
    exemplarTraceIds = top ? await readExemplarTraces(store, tenant, namesOf(top.node), from, until) : [];
    if (incidentCauses[0]) incidentCauses[0].exemplarTraceIds = exemplarTraceIds.slice(0, 3);
  }
  const services = new Set(anomalies.filter((a) => a.nodeType === "service").map((a) => a.node));
  for (const cause of incidentCauses) for (const origin of origins) if (origin.node === cause.node) services.add(origin.via);
  const sampleLogs = await readSampleLogs(store, tenant, [...services], exemplarTraceIds, from, until);
  return { anomalies, rootCauses, causes: incidentCauses, exemplarTraceIds, sampleLogs, changes, largestGrowthShare: largestGrowthShare(selfTimes) };
}

/** One correlation tick: group active anomalies into incidents, re-rank, resolve quiet ones. */
export async function runCorrelation(store: Store, settings: CorrelatorSettings, nowMs: number): Promise<CorrelationResult> {
  const now = Math.floor(nowMs / 1000);
  const until = detectionWindow(now, settings, await readNewestBucket(store, now)).windowEnd;
  const recent = await readAnomaliesSeenSince(store, now - settings.resolveAfterSeconds);
  const open = await readOpenIncidents(store);
  const tenants = [...new Set([...recent.map((a) => a.tenant), ...open.map((i) => i.tenant)])].sort();
  const result: CorrelationResult = { incidents: [], events: [] };
  let version = nowMs * 1000;

  for (const tenant of tenants) {
    const edges = await readEdges(store, until - graphLookbackSeconds, until, tenant);
    const graph = buildDependencyGraph(edges);
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
      const facts = await gatherFacts(store, settings, tenant, anomalies, graph, edges, until);
      const next = nextIncidentVersion(incident, anomalies, facts, now, ++version);
      result.incidents.push(next);
      result.events.push(...incidentEvents(incident, next, anomalies));
    }

    for (const group of plan.opens) {
      const facts = await gatherFacts(store, settings, tenant, group, graph, edges, until);
      if (!opensIncident(group, facts, settings)) continue;
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
