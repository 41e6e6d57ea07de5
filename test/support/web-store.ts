// A Braid holding the data of a real scenario run (the Go and Rust shop with a fault, through
// Kafka, ingest and the correlator: incidents included) plus one large trace sent through the same
// ingest, for the web page's browser tests. Latency budgets are configured, so traces show the
// budget attribution, and an alert rule on payments' error rate, so an alert fires and links to
// the incident.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Kafka, Partitioners, logLevel } from "kafkajs";
import { runScenarioWithBraid, type ScenarioWithBraid } from "../../scripts/lib/braid-scenario.js";
import { encodeTraces } from "../../scripts/lib/otlp-builder.js";
import { kafkaBrokers } from "./env.js";
import { largeTrace, type LargeTrace } from "./large-trace.js";

export interface WebStore extends ScenarioWithBraid {
  apiAddress: string;
  large: LargeTrace;
  /** The run's bootstrap key (an operator admin key) and a read-only operator key made with it, as an on-call engineer would get. */
  adminKey: string;
  readKey: string;
}

export const webBudgets = [
  { service: "checkout", operation: "POST /orders", quantile: "p99", thresholdMs: 40 },
  { service: "payments", quantile: "p95", thresholdMs: 25 },
];

export const webRules = `rules:
  - name: payments-errors
    kind: error_rate
    target: { service: payments }
    threshold: 0.1
    window: 30s
    min_requests: 10
    severity: page
    annotations: { summary: "payments answers more than 10% errors" }
`;

export async function startWebStore(options: { scenarioFile: string; dir: string; apiPort?: number; largeTraceSpans?: number; log?: (line: string) => void }): Promise<WebStore> {
  const configFile = path.join(options.dir, "braid.yaml");
  const rulesDir = path.join(options.dir, "rules");
  mkdirSync(rulesDir, { recursive: true });
  writeFileSync(path.join(rulesDir, "web.yaml"), webRules);
  writeFileSync(
    configFile,
    `correlator:\n  latencyBudgets:\n${webBudgets.map((b) => `    - ${JSON.stringify(b)}`).join("\n")}\nalerting:\n  rulesDir: ${JSON.stringify(rulesDir)}\n  intervalSeconds: 5\n`,
  );
  const previous = process.env.BRAID_CONFIG;
  process.env.BRAID_CONFIG = configFile;
  let result: ScenarioWithBraid;
  try {
    result = await runScenarioWithBraid(options.scenarioFile, { keepBraid: true, chdbPath: path.join(options.dir, "chdb"), apiPort: options.apiPort ?? 0, graceSeconds: 15, log: options.log });
  } finally {
    if (previous === undefined) delete process.env.BRAID_CONFIG;
    else process.env.BRAID_CONFIG = previous;
  }
  const { braid } = result;
  try {
    // The large trace goes through the real ingest, on the topic this Braid consumes.
    const large = largeTrace({ spans: options.largeTraceSpans ?? 2000, startNs: BigInt(Date.now() - 90_000) * 1_000_000n });
    const kafka = new Kafka({ clientId: "braid-web-store", brokers: [kafkaBrokers], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic: braid.config.kafka.traces.topic,
      messages: large.requests.map(({ service, request }) => ({ key: service, value: encodeTraces(request), headers: { "content-type": "application/x-protobuf" } })),
    });
    await producer.disconnect();
    const deadline = Date.now() + 60_000;
    for (;;) {
      const [row] = await braid.store.query<{ n: string }>(`SELECT count() AS n FROM {{db}}.otel_traces WHERE TraceId = {id:String}`, { id: large.traceId });
      if (Number(row?.n) >= large.spanCount) break;
      if (Date.now() > deadline) throw new Error(`the large trace ${large.traceId} did not arrive in the store (${row?.n ?? 0} of ${large.spanCount} spans)`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const adminKey = braid.config.api.auth.bootstrapKey!;
    const created = await fetch(`${braid.apiAddress}/api/v1/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "on-call (web test)", tenant: "*", scopes: ["read"] }),
    });
    if (created.status !== 201) throw new Error(`creating a read key failed: ${created.status} ${await created.text()}`);
    const { Key: readKey } = (await created.json()) as { Key: string };
    return { ...result, apiAddress: braid.apiAddress!, large, adminKey, readKey };
  } catch (err) {
    await braid.stop();
    throw err;
  }
}
