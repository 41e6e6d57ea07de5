// RCA quality benchmark (not a test): runs the scenarios of examples/scenarios — on the example
// shop and on the 40-service topology (examples/topologies) — against the full pipeline (real Go
// and Rust emitters → Kafka → Braid → incidents) and prints, per scenario and overall: whether
// an incident was opened, the rank of the expected root cause (for several faults at once, of
// each within its own independent cause), whether its glossary code matches, the detection delay
// from fault start and where it went, and incidents opened in fault-free scenarios. For
// comparison it also ranks each incident's window with a naive baseline measured on the same
// data: "the node with the most error spans" (or, when nothing failed, "the slowest spans").
//
//   npm run bench:rca                         # every scenario (2–3 minutes each)
//   npm run bench:rca -- payments tt-         # the scenarios whose file names contain a word given
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { isCallSql, peerNameSql } from "../correlator/nodes.js";
import { repoRoot } from "../examples/runner/index.js";
import { readScenario } from "../examples/runner/systems.js";
import { runScenarioWithBraid, type ScenarioScore } from "../scripts/lib/braid-scenario.js";
import type { Store } from "../store/index.js";

const filters = process.argv.slice(2);
const dir = path.join(repoRoot, "examples/scenarios");
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".yaml") && (filters.length === 0 || filters.some((word) => f.includes(word))))
  .sort()
  .map((f) => path.join(dir, f));
if (files.length === 0) throw new Error(`no scenario matches ${filters.join(" ")}`);

/** The naive ranking: nodes by error spans (or by mean span duration when nothing failed). */
async function baselineRank(store: Store, tenant: string, from: number, to: number, expected: string): Promise<number | undefined> {
  const rows = await store.query<{ Node: string }>(
    `SELECT if(IsCall AND Peer != '' AND Peer != ServiceName AND StatusCode = 'Error', Peer, ServiceName) AS Node
     FROM (SELECT ServiceName, StatusCode, Duration, ${isCallSql} AS IsCall, ${peerNameSql} AS Peer FROM {{db}}.otel_traces
           WHERE Tenant = {tenant:String} AND Timestamp >= toDateTime64({from:UInt32}, 9) AND Timestamp < toDateTime64({to:UInt32}, 9))
     GROUP BY Node ORDER BY countIf(StatusCode = 'Error') DESC, avg(Duration) DESC, Node`,
    { tenant, from, to },
  );
  const index = rows.findIndex((row) => row.Node === expected);
  return index >= 0 ? index + 1 : undefined;
}

/** Where each scenario's evidence is written for reading a miss afterwards (.braid/bench-rca/<scenario>.json). */
const evidenceDir = path.join(repoRoot, ".braid", "bench-rca");

/**
 * What Braid had to go on: every incident as stored, the anomalies, and the error spans of the
 * faults' windows by service, kind, code and whether the parent span erred too.
 */
async function writeEvidence(store: Store, scenario: string, faults: [number, number][]): Promise<void> {
  const from = Math.floor(Math.min(Date.now(), ...faults.map(([start]) => start)) / 1000) - 30;
  const to = Math.ceil(Math.max(0, ...faults.map(([, end]) => end)) / 1000) + 30;
  const evidence = {
    incidents: await store.query("SELECT * FROM {{db}}.braid_incidents FINAL ORDER BY StartedAt"),
    anomalies: await store.query("SELECT Node, NodeType, Operation, Kind, OnsetAt, DetectedAt, LastSeenAt, Score, Observed, Baseline, Calls, Errors, ErrorCodes FROM {{db}}.braid_anomalies FINAL ORDER BY OnsetAt").catch((err: Error) => err.message),
    errorSpans: await store.query(
      `SELECT e.ServiceName AS Service, e.SpanKind AS Kind, e.ErrorCode AS Code, p.ServiceName AS ParentService, p.StatusCode AS ParentStatus, p.ErrorCode AS ParentCode,
              count() AS Spans, any(e.StatusMessage) AS Message
       FROM (SELECT TraceId, ParentSpanId, ServiceName, SpanKind, ErrorCode, StatusMessage FROM {{db}}.otel_traces
             WHERE StatusCode = 'Error' AND Timestamp >= toDateTime64({from:UInt32}, 9) AND Timestamp < toDateTime64({to:UInt32}, 9)) AS e
       LEFT JOIN (SELECT TraceId, SpanId, ServiceName, StatusCode, ErrorCode FROM {{db}}.otel_traces
                  WHERE Timestamp >= toDateTime64({from:UInt32} - 60, 9) AND Timestamp < toDateTime64({to:UInt32}, 9)) AS p
         ON p.TraceId = e.TraceId AND p.SpanId = e.ParentSpanId
       GROUP BY Service, Kind, Code, ParentService, ParentStatus, ParentCode ORDER BY Spans DESC LIMIT 100`,
      { from, to },
    ),
  };
  mkdirSync(evidenceDir, { recursive: true });
  writeFileSync(path.join(evidenceDir, `${scenario}.json`), JSON.stringify(evidence, null, 1));
}

interface Row extends ScenarioScore {
  baselineRank?: number;
  /** Why the scenario could not be run. */
  error?: string;
}

const load = () => os.loadavg().map((x) => x.toFixed(1)).join(" ");
const loadsDuring: string[] = [];
const rows: Row[] = [];
for (const file of files) {
  const name = path.basename(file, ".yaml");
  process.stderr.write(`\n=== ${name} (load average ${load()})\n`);
  loadsDuring.push(load());
  try {
    const { braid, run, score } = await runScenarioWithBraid(file, { keepBraid: true, log: (line) => process.stderr.write(`  ${line}\n`) });
    const row: Row = { ...score };
    try {
      // A diagnostic: its failure is reported, and the scenario still scored.
      await writeEvidence(braid.store, name, run.faults.map((f) => [f.startedAt.getTime(), f.endedAt.getTime()])).catch((err: Error) => process.stderr.write(`  evidence not written: ${err.message}\n`));
      if (score.incident && score.expectedRootCause) {
        row.baselineRank = await baselineRank(braid.store, score.incident.tenant, score.incident.startedAt - 30, score.incident.updatedAt + 30, score.expectedRootCause.service);
      }
    } finally {
      await braid.stop();
    }
    rows.push(row);
    process.stderr.write(`  → incidents ${row.incidents}, rank ${row.rank ?? "-"}, causes ${JSON.stringify(row.causes?.map((c) => [c.service, c.rank]))}, delay ${row.detectionDelaySeconds ?? "-"} s ${JSON.stringify(row.delay ?? {})}\n`);
  } catch (err) {
    process.stderr.write(`  failed: ${(err as Error).stack}\n`);
    const scenario = readScenario(file);
    rows.push({ scenario: name, system: scenario.system, expectedIncident: scenario.expect.incident, incidents: 0, error: (err as Error).message.split("\n")[0] });
  }
}

// A scenario that could not run (a service that did not start) says nothing about Braid: listed, not scored.
const failed = rows.filter((r) => r.error);
const faults = rows.filter((r) => r.expectedIncident && !r.error);
const clean = rows.filter((r) => !r.expectedIncident && !r.error);
const multi = faults.filter((r) => (r.causes?.length ?? 0) > 1);
const share = (n: number, of: number) => (of === 0 ? "-" : `${n}/${of} (${Math.round((100 * n) / of)}%)`);
const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : Number.NaN);
const delays = faults.map((r) => r.detectionDelaySeconds).filter((d): d is number => d !== undefined);
/** Single fault: the expected node's rank among the incident's candidates. Several: the worst rank of the expected causes, each within its own cause. */
const rankOf = (r: Row) => ((r.causes?.length ?? 0) > 1 ? (r.causes!.every((c) => c.rank !== undefined) ? Math.max(...r.causes!.map((c) => c.rank!)) : undefined) : r.rank);
const codeOf = (r: Row) => ((r.causes?.length ?? 0) > 1 ? r.causes!.every((c) => c.codeMatches) : r.codeMatches);

const lines = [
  "| scenario | system | expected root cause | incidents | rank | code | delay (s) | buckets + lag + tick (s) | top candidate | baseline rank |",
  "|---|---|---|---|---|---|---|---|---|---|",
  ...rows.map((r) =>
    [
      r.scenario,
      r.system,
      r.error ? `run failed: ${r.error}` : r.causes ? r.causes.map((c) => (c.code ? `${c.service} ${c.code}` : `${c.service} (no code expected)`)).join(" + ") : "none (fault-free)",
      r.incidents,
      (r.causes?.length ?? 0) > 1 ? r.causes!.map((c) => c.rank ?? "missed").join(" + ") : (r.rank ?? (r.expectedIncident ? "missed" : "-")),
      codeOf(r) === undefined ? "-" : codeOf(r) ? "yes" : `no (${r.topCode || "none"})`,
      r.detectionDelaySeconds ?? "-",
      r.delay ? `${r.delay.buckets} + ${r.delay.ingestLagAllowance} + ${r.delay.tickAndCorrelation}` : "-",
      r.topCandidate ?? "-",
      r.baselineRank ?? "-",
    ].join(" | "),
  ).map((line) => `| ${line} |`),
];
const top1 = faults.filter((r) => rankOf(r) === 1).length;
const top3 = faults.filter((r) => (rankOf(r) ?? 99) <= 3).length;
const baselineTop1 = faults.filter((r) => r.baselineRank === 1).length;
const withDelay = faults.filter((r) => r.delay);
const cpu = rows.filter((r) => r.emitterCpuSeconds && r.system !== "shop" && r.spans);
const cpuPerThousandSpans = cpu.map((r) => (1000 * Object.values(r.emitterCpuSeconds!).reduce((a, b) => a + b, 0)) / r.spans!);
let cores = "";
try {
  cores = execFileSync("nproc", { encoding: "utf8" }).trim();
} catch {
  cores = String(os.cpus().length);
}
const summary = [
  `fault scenarios: ${faults.length} (${faults.filter((r) => r.system === "shop").length} on the shop, ${faults.filter((r) => r.system !== "shop").length} on the topology); incident opened: ${share(faults.filter((r) => r.incidents > 0).length, faults.length)}`,
  `expected root cause ranked first: ${share(top1, faults.length)}; in the top 3: ${share(top3, faults.length)}; glossary code right: ${share(faults.filter((r) => codeOf(r)).length, faults.length)}`,
  `several faults at once: ${multi.length} scenarios, ${multi.reduce((n, r) => n + r.causes!.length, 0)} causes; each cause first in its own cause: ${share(multi.reduce((n, r) => n + r.causes!.filter((c) => c.rank === 1).length, 0), multi.reduce((n, r) => n + r.causes!.length, 0))}, in its top 3: ${share(multi.reduce((n, r) => n + r.causes!.filter((c) => (c.rank ?? 99) <= 3).length, 0), multi.reduce((n, r) => n + r.causes!.length, 0))}`,
  `naive baseline (most error spans) ranked it first: ${share(baselineTop1, faults.length)}; Braid / baseline top-1 ratio: ${baselineTop1 ? (top1 / baselineTop1).toFixed(2) : "n/a"}`,
  `detection delay from fault start: median ${delays.length ? median(delays) : "-"} s, max ${delays.length ? Math.max(...delays) : "-"} s; faults detected under 60 s: ${share(delays.filter((d) => d < 60).length, faults.length)}`,
  `where the seconds go (medians): buckets ${median(withDelay.map((r) => r.delay!.buckets))} s (onset bucket + persistence bucket), ingest-lag allowance ${withDelay[0]?.delay?.ingestLagAllowance ?? "-"} s, tick + queries + write ${median(withDelay.map((r) => r.delay!.tickAndCorrelation))} s; measured ingest lag p50 ${median(withDelay.map((r) => r.delay!.ingestP50))} s, p95 ${median(withDelay.map((r) => r.delay!.ingestP95))} s`,
  `fault-free scenarios: ${clean.length}; with an incident: ${clean.filter((r) => r.incidents > 0).length}`,
  ...(failed.length ? [`could not run (not scored): ${failed.map((r) => r.scenario).join(", ")}`] : []),
  `topology emitters: ${cpu.length ? `${median(cpuPerThousandSpans).toFixed(2)} CPU-s per 1000 spans (median), ${median(cpu.map((r) => Object.values(r.emitterCpuSeconds!).reduce((a, b) => a + b, 0))).toFixed(1)} CPU-s per run (both emitters, the load's duration)` : "-"}`,
  `machine: ${cores} cores; load average (1, 5, 15 min) at each scenario's start: first ${loadsDuring[0] ?? "-"}, last ${loadsDuring.at(-1) ?? "-"}, median 1-min ${median(loadsDuring.map((l) => Number(l.split(" ")[0])))}`,
];
console.log(["", ...lines, "", ...summary].join("\n"));
mkdirSync(path.join(repoRoot, "bench/results"), { recursive: true });
writeFileSync(path.join(repoRoot, "bench/results", `rca-${new Date().toISOString().replaceAll(":", "-")}.json`), JSON.stringify(rows.map(({ incident, ...rest }) => ({ ...rest, incidentTitle: incident?.title })), null, 2));
