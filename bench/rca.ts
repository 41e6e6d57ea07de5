// RCA quality benchmark (not a test): runs scenarios of examples/scenarios against the full
// pipeline (real Go and Rust services → Kafka → Braid → incidents) and prints, per scenario and
// overall: whether an incident was opened, the rank of the expected root cause, whether its
// glossary code matches, the detection delay from fault start, and incidents opened in
// fault-free scenarios. For comparison it also ranks each incident's window with a naive
// baseline measured on the same data: "the node with the most error spans" (or, for latency
// incidents, "the node with the slowest spans").
//
//   npm run bench:rca                      # every scenario (about 2 minutes each)
//   npm run bench:rca -- payments-panic    # the scenarios whose file names contain the words given
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "../examples/runner/index.js";
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
    `SELECT if(SpanKind = 'Client' AND SpanAttributes['db.system'] != '', if(SpanAttributes['peer.service'] != '', SpanAttributes['peer.service'], SpanAttributes['db.system']), ServiceName) AS Node
     FROM {{db}}.otel_traces
     WHERE Tenant = {tenant:String} AND Timestamp >= toDateTime64({from:UInt32}, 9) AND Timestamp < toDateTime64({to:UInt32}, 9)
     GROUP BY Node ORDER BY countIf(StatusCode = 'Error') DESC, avg(Duration) DESC, Node`,
    { tenant, from, to },
  );
  const index = rows.findIndex((row) => row.Node === expected);
  return index >= 0 ? index + 1 : undefined;
}

interface Row extends ScenarioScore {
  baselineRank?: number;
  /** Why the scenario could not be run. */
  error?: string;
}

const rows: Row[] = [];
for (const file of files) {
  const name = path.basename(file, ".yaml");
  process.stderr.write(`\n=== ${name}\n`);
  try {
    const { braid, score } = await runScenarioWithBraid(file, { keepBraid: true, log: (line) => process.stderr.write(`  ${line}\n`) });
    const row: Row = { ...score };
    if (score.incident && score.expectedRootCause) {
      row.baselineRank = await baselineRank(braid.store, score.incident.tenant, score.incident.startedAt - 30, score.incident.updatedAt + 30, score.expectedRootCause.service);
    }
    await braid.stop();
    rows.push(row);
    process.stderr.write(`  → incidents ${row.incidents}, rank ${row.rank ?? "-"}, code ${row.codeMatches ?? "-"}, delay ${row.detectionDelaySeconds ?? "-"} s\n`);
  } catch (err) {
    process.stderr.write(`  failed: ${(err as Error).stack}\n`);
    rows.push({ scenario: name, expectedIncident: true, incidents: 0, error: (err as Error).message.split("\n")[0] });
  }
}

const faults = rows.filter((r) => r.expectedIncident);
const clean = rows.filter((r) => !r.expectedIncident);
const share = (n: number, of: number) => (of === 0 ? "-" : `${n}/${of} (${Math.round((100 * n) / of)}%)`);
const delays = faults.map((r) => r.detectionDelaySeconds).filter((d): d is number => d !== undefined);

const lines = [
  "| scenario | expected root cause | incidents | rank | code | delay (s) | top candidate | baseline rank |",
  "|---|---|---|---|---|---|---|---|",
  ...rows.map((r) =>
    [
      r.scenario,
      r.error ? `run failed: ${r.error}` : r.expectedRootCause ? `${r.expectedRootCause.service} ${r.expectedRootCause.code}` : "none (fault-free)",
      r.incidents,
      r.rank ?? (r.expectedIncident ? "missed" : "-"),
      r.codeMatches === undefined ? "-" : r.codeMatches ? "yes" : `no (${r.topCode || "none"})`,
      r.detectionDelaySeconds ?? "-",
      r.topCandidate ?? "-",
      r.baselineRank ?? "-",
    ].join(" | "),
  ).map((line) => `| ${line} |`),
];
const top1 = faults.filter((r) => r.rank === 1).length;
const top3 = faults.filter((r) => r.rank !== undefined && r.rank <= 3).length;
const baselineTop1 = faults.filter((r) => r.baselineRank === 1).length;
const summary = [
  `fault scenarios: ${faults.length}; incident opened: ${share(faults.filter((r) => r.incidents > 0).length, faults.length)}`,
  `expected root cause ranked first: ${share(top1, faults.length)}; in the top 3: ${share(top3, faults.length)}; glossary code right: ${share(faults.filter((r) => r.codeMatches).length, faults.length)}`,
  `naive baseline (most error spans) ranked it first: ${share(baselineTop1, faults.length)}; Braid / baseline top-1 ratio: ${baselineTop1 ? (top1 / baselineTop1).toFixed(2) : "n/a"}`,
  `detection delay from fault start: median ${delays.length ? delays.sort((a, b) => a - b)[Math.floor(delays.length / 2)] : "-"} s, max ${delays.length ? Math.max(...delays) : "-"} s`,
  `fault-free scenarios: ${clean.length}; with an incident: ${clean.filter((r) => r.incidents > 0).length}`,
];
console.log(["", ...lines, "", ...summary].join("\n"));
mkdirSync(path.join(repoRoot, "bench/results"), { recursive: true });
writeFileSync(path.join(repoRoot, "bench/results", `rca-${new Date().toISOString().replaceAll(":", "-")}.json`), JSON.stringify(rows.map(({ incident, ...rest }) => ({ ...rest, incidentTitle: incident?.title })), null, 2));
