// Runs one scenario of examples/scenarios against a Braid started in this process (all roles,
// embedded chDB) on topics, consumer group, database and queues of its own, and scores what
// Braid found against the scenario's `expect`. Used by the demo, the end-to-end tests and the
// RCA benchmark.
import { readFileSync } from "node:fs";
import { generateKey } from "../../api/index.js";
import { incidentColumns, readOpenIncidents, toIncident, type Incident } from "../../correlator/index.js";
import { runScenario, type RunResult } from "../../examples/runner/index.js";
import { loadConfig } from "../../runtime/config.js";
import { startBraid, type BraidProcess } from "../../runtime/app.js";
import { createLogger } from "../../runtime/logger.js";
import { parseScenarioYaml, type Scenario } from "../../schemas/scenario.js";

export interface ScenarioScore {
  scenario: string;
  expectedIncident: boolean;
  expectedRootCause?: { service: string; code: string };
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
  /** Extra seconds to keep watching after the load ends (detection of the fault's tail). */
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
  const scenario: Scenario = parseScenarioYaml(readFileSync(file, "utf8"), file);
  const suffix = `${scenario.name.replaceAll("-", "_")}_${Date.now().toString(36)}`;
  const topics = { spans: `otlp_spans_${suffix}`, metrics: `otlp_metrics_${suffix}`, logs: `otlp_logs_${suffix}`, appLogs: `app_logs_${suffix}` };
  const config = loadConfig({
    ...process.env,
    BRAID_TRACES_TOPIC: topics.spans,
    BRAID_METRICS_TOPIC: topics.metrics,
    BRAID_LOGS_TOPIC: topics.logs,
    BRAID_APP_LOGS_TOPIC: topics.appLogs,
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
      await sleep(2000);
    }
  })();

  let run: RunResult;
  try {
    run = await runScenario(scenario, { topics, log });
    await sleep((options.graceSeconds ?? 20) * 1000);
  } finally {
    watching = false;
    await watcher;
  }

  const rows = await braid.store.query<Parameters<typeof toIncident>[0]>(`SELECT ${incidentColumns} FROM {{db}}.braid_incidents FINAL ORDER BY StartedAt, IncidentId`);
  const incidents = rows.map(toIncident);
  const score = scoreScenario(scenario, run, incidents, firstSeen);
  if (!options.keepBraid) await braid.stop();
  return { braid, run, score };
}

export function scoreScenario(scenario: Scenario, run: RunResult, incidents: Incident[], firstSeen: Map<string, number>): ScenarioScore {
  const score: ScenarioScore = { scenario: scenario.name, expectedIncident: scenario.expect.incident, incidents: incidents.length };
  if (!scenario.expect.incident) return score;
  const expected = scenario.expect.root_cause;
  score.expectedRootCause = expected;
  const faultStart = Math.min(...run.faults.map((f) => f.startedAt.getTime()));
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
  score.codeMatches = best.incident.rootCauses.find((c) => c.node === expected.service)?.errorCode === expected.code;
  const seen = firstSeen.get(best.incident.incidentId);
  if (seen !== undefined && Number.isFinite(faultStart)) score.detectionDelaySeconds = Math.round((seen - faultStart) / 100) / 10;
  return score;
}
