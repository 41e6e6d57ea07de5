// The demo (the README's main job): the example shop's Go and Rust services run against the real
// Kafka with an injected fault, Braid (all roles, embedded chDB) ingests their telemetry, opens
// an incident and ranks its root causes. Prints the incident and the API address; keeps serving
// until Ctrl-C when run from a terminal, exits when not (CI, pipes).
//
//   npm run demo                                   # the default scenario
//   npm run demo -- examples/scenarios/<name>.yaml # another one
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "../examples/runner/index.js";
import { ApiClient } from "../bin/cli/api-client.js";
import { Output } from "../bin/cli/output.js";
import { incidentLines, type IncidentDetail } from "../bin/cli/views/incident.js";
import { runScenarioWithBraid } from "./lib/braid-scenario.js";
import { freePortOr } from "./lib/ports.js";

const scenarioFile = path.resolve(process.argv[2] ?? path.join(repoRoot, "examples/scenarios/payments-postgres-connection-refused.yaml"));
const apiPort = await freePortOr(Number(process.env.BRAID_API_PORT ?? 8080));

console.log(`Running ${path.relative(repoRoot, scenarioFile)}: Go and Rust services → Kafka → Braid. This takes about two minutes.`);
const { braid, run, score } = await runScenarioWithBraid(scenarioFile, {
  keepBraid: true,
  apiPort,
  chdbPath: ".braid/demo/chdb",
  log: (line) => console.log(`  ${line}`),
  // The example alert rules (deploy/rules) are evaluated during the run.
  env: { BRAID_ALERT_RULES_DIR: process.env.BRAID_ALERT_RULES_DIR ?? path.join(repoRoot, "deploy/rules") },
});

const api = braid.apiAddress!;
const stored = await braid.store.query<{ ServiceName: string; SourceLanguage: string; ErrorCode: string; Spans: string }>(
  `SELECT ServiceName, SourceLanguage, ErrorCode, count() AS Spans FROM {{db}}.otel_traces GROUP BY ServiceName, SourceLanguage, ErrorCode ORDER BY ServiceName, ErrorCode`,
);
console.log(`\nLoad: ${run.load?.sent ?? 0} requests (${run.load?.failed ?? 0} failed). Spans stored per service and glossary code:`);
for (const row of stored) console.log(`  ${row.ServiceName.padEnd(10)} ${row.SourceLanguage.padEnd(5)} ${(row.ErrorCode || "(no error)").padEnd(36)} ${row.Spans}`);

const fault = run.faults[0];
if (fault) console.log(`\nInjected: ${fault.kind ?? "latency"} on ${fault.service}${fault.dependency ? ` → ${fault.dependency}` : ""} at ${fault.startedAt.toISOString()}`);
// The API needs a key: the run's bootstrap admin key creates a read key for the on-call engineer.
const bootstrapKey = braid.config.api.auth.bootstrapKey!;
const created = await fetch(`${api}/api/v1/keys`, {
  method: "POST",
  headers: { authorization: `Bearer ${bootstrapKey}`, "content-type": "application/json" },
  body: JSON.stringify({ name: "demo on-call", tenant: braid.config.tenancy.default, scopes: ["read"] }),
});
const readKey = ((await created.json()) as { Key?: string; message?: string });
if (!created.ok || !readKey.Key) throw new Error(`creating the demo's API key failed: ${created.status} ${readKey.message ?? ""}`);

const incident = score.incident;
if (!incident) {
  console.log(`\nBraid opened no incident (${score.incidents} in all).`);
} else {
  // The view `braid incident ID` prints, from the public API with the on-call key.
  const client = new ApiClient({ url: api, apiKey: readKey.Key, source: { url: "demo", apiKey: "demo" } });
  const detail = await client.get<IncidentDetail>(`/api/v1/incidents/${incident.incidentId}`);
  const out = new Output({ json: false });
  console.log("");
  out.lines(incidentLines(detail, { c: out.c, width: out.width }));
  console.log(`\n  detected ${score.detectionDelaySeconds ?? "?"} s after the fault started`);
  console.log(`  the same from the command line: BRAID_URL=${api} BRAID_API_KEY=<the key below> npx tsx bin/braid.ts incident ${incident.incidentId}`);
  if (incident.exemplarTraceIds[0]) console.log(`  its exemplar trace: npx tsx bin/braid.ts trace ${incident.exemplarTraceIds[0]}`);
  console.log(`  web page: ${api}/ui/incidents/${incident.incidentId}`);
}
const alerts = await braid.store.query<{ RuleName: string; State: string; Summary: string }>(
  "SELECT RuleName, State, Annotations['summary'] AS Summary FROM {{db}}.braid_alerts FINAL WHERE State IN ('firing', 'resolved') ORDER BY RuleName",
);
console.log(alerts.length === 0 ? "\nNo alert rule fired (rules: deploy/rules)." : "\nAlerts (rules: deploy/rules):");
for (const alert of alerts) console.log(`  ${alert.RuleName} [${alert.State}]: ${alert.Summary}`);
if (score.expectedRootCause) {
  const verdict = score.rank === 1 ? "ranked first" : score.rank ? `ranked ${score.rank}` : "not among the candidates";
  console.log(`\nExpected root cause ${score.expectedRootCause.service} ${score.expectedRootCause.code}: ${verdict}.`);
}
const adminKeyFile = path.join(repoRoot, ".braid/demo/admin.key");
mkdirSync(path.dirname(adminKeyFile), { recursive: true });
writeFileSync(adminKeyFile, `${bootstrapKey}\n`, { mode: 0o600 });
console.log(`\nWeb page: ${api}/ui/   API: ${api}   (${api}/api/v1/incidents, ${api}/api/v1/alerts, ${api}/api/v1/service-map, ${api}/api/docs/openapi.json)`);
console.log(`API key created for this demo (read, tenant ${braid.config.tenancy.default}), shown once; paste it when the web page asks:\n  ${readKey.Key}`);
console.log(`  curl -H 'Authorization: Bearer ${readKey.Key}' ${api}/api/v1/incidents`);
console.log(`  admin key of this run (creates and revokes keys): ${path.relative(repoRoot, adminKeyFile)}`);

if (process.stdin.isTTY) {
  console.log("Serving until Ctrl-C.");
  const stop = () => void braid.stop().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} else {
  await braid.stop();
  process.exit(incident ? 0 : 1);
}
