// Runs one scenario of examples/scenarios against a Braid started in this process (all roles,
// embedded chDB) on topics, consumer group, database and queues of its own, and scores what
// Braid found against the scenario's `expect`. Used by the demo, the end-to-end tests and the
// RCA benchmark.
import { readFileSync } from "node:fs";
import { generateKey } from "../../api/index.js";
import { incidentColumns, readAnomaliesById, readOpenIncidents, toIncident, type Incident } from "../../correlator/index.js";
import { runScenario, type RunResult, type Topics } from "../../examples/runner/index.js";
import { loadConfig } from "../../runtime/config.js";
import { startBraid, type BraidProcess } from "../../runtime/app.js";
import { createLogger } from "../../runtime/logger.js";
import { readScenario } from "../../examples/runner/systems.js";
import type { RootCause, Scenario } from "../../schemas/scenario.js";

/** How one expected cause of a (multi-fault) scenario fared: its rank among the candidates of its own cause. */
export interface CauseScore {
  service: string;
  /** Absent for a latency-only fault: then no code is expected on the candidate either. */
  code?: string;
  incidentId?: string;
  /** 1-based rank within the independent cause (or incident) that ranks it best; undefined when absent. */
  rank?: number;
  codeMatches: boolean;
}

/** Where the detection delay went, in seconds from the fault's start. */
export interface DelayBreakdown {
  /** Until the bucket that made the incident ready closed (the onset bucket plus the persistence bucket). */
  buckets: number;
  /** The ingest-lag allowance waited after that bucket closed (correlator ingestLagSeconds). */
  ingestLagAllowance: number;
  /** The rest: waiting for the next detection tick, detection and correlation queries, the write. */
  tickAndCorrelation: number;
  /** Measured: span end → stored (IngestedAt), p50 and p95, over the fault's first minute. */
  ingestP50: number;
  ingestP95: number;
}

export interface ScenarioScore {
  scenario: string;
  system: string;
  expectedIncident: boolean;
  expectedRootCause?: { service: string; code?: string };
  /** Every expected cause (one for single-fault scenarios), each scored within its own cause. */
  causes?: CauseScore[];
  delay?: DelayBreakdown;
  /** CPU seconds of the emitter processes during the load, and spans stored. */
  emitterCpuSeconds?: Record<string, number>;
  spans?: number;
  /** Distinct incidents Braid opened during the run. */
  incidents: number;
  /** 1-based rank of the expected root cause among the matched incident's candidates; undefined when absent. */
  rank?: number;
  /** Whether the top candidate's glossary code is the expected one. */
  codeMatches?: boolean;
  /** Seconds from the first fault's start to the incident's first appearance in the store. */
  detectionDelaySeconds?: number;
  topCandidate?: string;
  topCode?: string;
  incident?: Incident;
}

export interface ScenarioWithBraid {
  braid: BraidProcess;
  run: RunResult;
  score: ScenarioScore;
}

export interface ScenarioOptions {
  /** Extra seconds to keep watching after the load ends (detection of the fault's tail; a loaded machine's slow ticks). Default 40. */
  graceSeconds?: number;
  /** Keep Braid running after the scenario (the demo serves the API afterwards). */
  keepBraid?: boolean;
  apiPort?: number;
  chdbPath?: string;
  log?: (line: string) => void;
  logLevel?: string;
  /** Extra settings, as environment variables (e.g. BRAID_ALERT_RULES_DIR). */
  env?: Record<string, string>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runScenarioWithBraid(file: string, options: ScenarioOptions = {}): Promise<ScenarioWithBraid> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const scenario: Scenario = readScenario(file);
  const suffix = `${scenario.name.replaceAll("-", "_")}_${Date.now().toString(36)}`;
  const topics = { spans: `otlp_spans_${suffix}`, metrics: `otlp_metrics_${suffix}`, logs: `otlp_logs_${suffix}`, appLogs: `app_logs_${suffix}`, changes: `braid_changes_${suffix}` };
  const config = loadConfig({
    ...process.env,
    BRAID_TRACES_TOPIC: topics.spans,
    BRAID_METRICS_TOPIC: topics.metrics,
    BRAID_LOGS_TOPIC: topics.logs,
    BRAID_APP_LOGS_TOPIC: topics.appLogs,
    BRAID_CHANGES_TOPIC: topics.changes,
    BRAID_DLQ_TOPIC: `braid_dlq_${suffix}`,
    BRAID_INCIDENTS_TOPIC: `braid_incidents_${suffix}`,
    BRAID_KAFKA_GROUP_ID: `braid_${suffix}`,
    BRAID_CLICKHOUSE_DATABASE: `braid_${suffix}`,
    BRAID_CORRELATOR_QUEUE_PREFIX: `braid_${suffix}`,
    BRAID_CHDB_PATH: options.chdbPath ?? ".braid/scenarios/chdb",
    BRAID_API_PORT: String(options.apiPort ?? 0),
    BRAID_LOG_LEVEL: options.logLevel ?? process.env.BRAID_LOG_LEVEL ?? "warn",
    // The API runs with keys, as in production: an admin key of this run creates the others.
    BRAID_API_BOOTSTRAP_KEY: process.env.BRAID_API_BOOTSTRAP_KEY ?? generateKey().key,
    ...options.env,
  });
  const braid = await startBraid(config, { logger: createLogger(config.log.level) });
  let result: ScenarioWithBraid;
  try {
    result = await scoreWithBraid(braid, scenario, topics, config, options, log);
  } catch (err) {
    // A run that failed (a service that did not start) must not leave its Braid consuming and
    // correlating beside the next run, nor keep the process from exiting.
    await braid.stop().catch(() => {});
    throw err;
  }
  if (!options.keepBraid) await braid.stop();
  return result;
}

/** Runs the scenario against a started Braid, waits for the grace period, and scores what the store holds. */
async function scoreWithBraid(
  braid: BraidProcess,
  scenario: Scenario,
  topics: Topics,
  config: ReturnType<typeof loadConfig>,
  options: ScenarioOptions,
  log: (line: string) => void,
): Promise<ScenarioWithBraid> {
  // Watch the store while the scenario runs: the wall-clock time each incident first appears.
  const firstSeen = new Map<string, number>();
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      for (const incident of await readOpenIncidents(braid.store).catch(() => [])) {
        if (!firstSeen.has(incident.incidentId)) {
          firstSeen.set(incident.incidentId, Date.now());
          log(`[braid] incident ${incident.incidentId} opened: ${incident.title}`);
        }
      }
      await sleep(1000);
    }
  })();

  let run: RunResult;
  try {
    run = await runScenario(scenario, { topics, log });
    await sleep((options.graceSeconds ?? 40) * 1000);
  } finally {
    watching = false;
    await watcher;
  }

  const rows = await braid.store.query<Parameters<typeof toIncident>[0]>(`SELECT ${incidentColumns} FROM {{db}}.braid_incidents FINAL ORDER BY StartedAt, IncidentId`);
  const incidents = rows.map(toIncident);
  const score = scoreScenario(scenario, run, incidents, firstSeen);
  score.emitterCpuSeconds = run.cpuSeconds;
  const [count] = await braid.store.query<{ n: string }>("SELECT count() AS n FROM {{db}}.otel_traces");
  score.spans = Number(count?.n ?? 0);
  if (score.incident && score.detectionDelaySeconds !== undefined) score.delay = await delayBreakdown(braid, score.incident, run, config.correlator.ingestLagSeconds, config.correlator.persistBuckets, score.detectionDelaySeconds);
  return { braid, run, score };
}

/** Rank of a node among an incident's candidates: within its best independent cause when there are several. */
function rankIn(incident: Incident, node: string): { rank?: number; code?: string } {
  const lists = incident.causes.length > 1 ? incident.causes.map((c) => c.rootCauses) : [incident.rootCauses];
  let best: { rank?: number; code?: string } = {};
  for (const list of lists) {
    const index = list.findIndex((c) => c.node === node);
    if (index >= 0 && (best.rank === undefined || index + 1 < best.rank)) best = { rank: index + 1, code: list[index]!.errorCode };
  }
  return best;
}

function scoreCause(expected: RootCause, incidents: Incident[]): CauseScore {
  let best: CauseScore = { service: expected.service, code: expected.code, codeMatches: false };
  for (const incident of incidents) {
    const { rank, code } = rankIn(incident, expected.service);
    if (rank !== undefined && (best.rank === undefined || rank < best.rank)) best = { ...best, incidentId: incident.incidentId, rank, codeMatches: (code ?? "") === (expected.code ?? "") };
  }
  return best;
}

async function delayBreakdown(braid: BraidProcess, incident: Incident, run: RunResult, lag: number, persistBuckets: number, total: number): Promise<DelayBreakdown> {
  const faultStart = Math.min(...run.faults.filter((f) => !f.background).map((f) => f.startedAt.getTime())) / 1000;
  const anomalies = await readAnomaliesById(braid.store, incident.anomalyIds);
  const onset = Math.min(...anomalies.map((a) => a.onsetAt));
  const buckets = Math.max(0, onset + persistBuckets * 10 - faultStart);
  const [ingest] = await braid.store.query<{ Q: number[] }>(
    `SELECT quantiles(0.5, 0.95)(toUnixTimestamp64Milli(IngestedAt) - intDiv(toUnixTimestamp64Nano(Timestamp) + Duration, 1000000)) AS Q
     FROM {{db}}.otel_traces WHERE Timestamp >= toDateTime64({from:UInt32}, 9) AND Timestamp < toDateTime64({to:UInt32}, 9)`,
    { from: Math.floor(faultStart), to: Math.floor(faultStart) + 60 },
  );
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    buckets: round(buckets),
    ingestLagAllowance: lag,
    tickAndCorrelation: round(total - buckets - lag),
    ingestP50: round((ingest?.Q[0] ?? 0) / 1000),
    ingestP95: round((ingest?.Q[1] ?? 0) / 1000),
  };
}

export function scoreScenario(scenario: Scenario, run: RunResult, incidents: Incident[], firstSeen: Map<string, number>): ScenarioScore {
  const score: ScenarioScore = { scenario: scenario.name, system: scenario.system, expectedIncident: scenario.expect.incident, incidents: incidents.length };
  if (!scenario.expect.incident) return score;
  score.causes = [scenario.expect.root_cause, ...scenario.expect.other_root_causes].map((expected) => scoreCause(expected, incidents));
  const expected = scenario.expect.root_cause;
  score.expectedRootCause = expected;
  const faultStart = Math.min(...run.faults.filter((f) => !f.background).map((f) => f.startedAt.getTime()));
  // The incident that best explains the fault: the one ranking the expected node highest.
  const ranked = incidents
    .map((incident) => ({ incident, rank: incident.rootCauses.findIndex((c) => c.node === expected.service) + 1 }))
    .sort((a, b) => (a.rank || 99) - (b.rank || 99) || a.incident.startedAt - b.incident.startedAt);
  const best = ranked[0];
  if (!best) return score;
  score.incident = best.incident;
  score.rank = best.rank || undefined;
  score.topCandidate = best.incident.rootCauses[0]?.node;
  score.topCode = best.incident.rootCauses[0]?.errorCode;
  score.codeMatches = (best.incident.rootCauses.find((c) => c.node === expected.service)?.errorCode ?? "") === (expected.code ?? "");
  const seen = firstSeen.get(best.incident.incidentId);
  if (seen !== undefined && Number.isFinite(faultStart)) score.detectionDelaySeconds = Math.round((seen - faultStart) / 100) / 10;
  return score;
}
