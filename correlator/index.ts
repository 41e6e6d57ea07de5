export { startCorrelator, type CorrelatorDeps, type CorrelatorHandle } from "./worker.js";
export { runDetection, runCorrelation, type DetectionResult, type CorrelationResult } from "./processors.js";
export { detectAnomalies, detectionWindow, anomalyId } from "./detect.js";
export { buildDependencyGraph, undirectedDistance, downstreamOf } from "./graph.js";
export { planGrouping } from "./group.js";
export { rankRootCauses, type RankingEvidence, type OriginCount, type SelfTime } from "./rank.js";
export { incidentIdFor, nextIncidentVersion, incidentEvents } from "./incidents.js";
export { incidentColumns, toIncident, anomalyColumns, toAnomaly, readEdges, readAnomaliesById, readOpenIncidents } from "./queries.js";
export type * from "./types.js";
