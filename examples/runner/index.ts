// Runs a scenario (examples/scenarios/*.yaml) on the example shop: builds the Go and Rust
// services if needed, starts them against Kafka on free loopback ports, drives the frontend
// with the load generator, injects the faults on schedule through each service's
// /admin/faults, and stops everything (SIGTERM, so telemetry is flushed) even on error or
// SIGINT. Returns the wall-clock times of the load and of each fault.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Kafka, logLevel } from "kafkajs";
import type { Scenario, ScenarioFault } from "../../schemas/scenario.js";
import { freePort, sleep, startChild, stopChild, waitHealthy, type Child } from "./processes.js";
import { readScenario } from "./systems.js";

/** The shop's Rust services (their default service.version is the crate's, 0.1.0; the Go ones say 1.4.2). */
const rustServices = new Set(["payments", "inventory"]);

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Where scripts/build-examples.sh puts the binaries. */
export const binaries = {
  frontend: path.join(repoRoot, "examples/go/bin/frontend"),
  checkout: path.join(repoRoot, "examples/go/bin/checkout"),
  loadgen: path.join(repoRoot, "examples/go/bin/loadgen"),
  payments: path.join(repoRoot, "examples/rust/target/bin/payments"),
  inventory: path.join(repoRoot, "examples/rust/target/bin/inventory"),
} as const;

export interface Topics {
  spans: string;
  metrics: string;
  logs: string;
  appLogs: string;
  /** Change events (deploys announced the way a CI/CD pipeline would). */
  changes: string;
}

export const defaultTopics: Topics = { spans: "otlp_spans", metrics: "otlp_metrics", logs: "otlp_logs", appLogs: "app_logs", changes: "braid_changes" };

/** Announces a deploy on the changes topic, as a CI/CD pipeline would (schemas/changes.ts). */
export async function announceDeploy(brokers: string[], topic: string, deploy: { service: string; version: string; previousVersion?: string; at: Date; scenario: string }): Promise<void> {
  const kafka = new Kafka({ clientId: "braid-scenario-runner", brokers, logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  try {
    const event = {
      id: `${deploy.scenario}-${deploy.service}-${deploy.version}-${deploy.at.getTime()}`,
      time: deploy.at.toISOString(),
      service: deploy.service,
      kind: "deploy",
      version: deploy.version,
      ...(deploy.previousVersion ? { previous_version: deploy.previousVersion } : {}),
      description: `${deploy.service} ${deploy.version} rolled out`,
      author: "scenario-runner",
      source: "braid-scenario-runner",
    };
    await producer.send({ topic, acks: -1, messages: [{ key: event.id, value: JSON.stringify(event), headers: { "content-type": "application/json" } }] });
  } finally {
    await producer.disconnect().catch(() => {});
  }
}

export interface RunOptions {
  /** Kafka bootstrap brokers (default BRAID_KAFKA_BROKERS, else 127.0.0.1:9092). */
  brokers?: string;
  topics?: Partial<Topics>;
  /** Run scripts/build-examples.sh first (a no-op when sources are unchanged). Default true. */
  build?: boolean;
  /** Multiplies every time of the scenario (0.1 runs a 90 s scenario in 9 s). Default 1. */
  timeScale?: number;
  /** Directory for the services' output (default: a new temporary directory). */
  logDir?: string;
  /** Metric export interval of the services, Go duration syntax. Default "5s". */
  metricsInterval?: string;
  /** Aborts the run; services are still stopped cleanly. */
  signal?: AbortSignal;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

export interface LoadSummary {
  sent: number;
  ok: number;
  failed: number;
  dropped: number;
  by_status: Record<string, number>;
  latency_ms_p50: number;
  latency_ms_p99: number;
}

export interface FaultRun extends ScenarioFault {
  /** When the service activated the fault and when it expires (the service's clock). */
  startedAt: Date;
  endedAt: Date;
}

/** What a service is told about a fault: the scenario's fields the services do not know are the runner's. */
export function faultBody(fault: ScenarioFault, scale: number): Record<string, unknown> {
  const { start_s: _start, duration_s, deploy: _deploy, background: _background, ...rest } = fault;
  return { ...rest, duration_s: duration_s * scale };
}

export interface ServiceRun {
  name: string;
  url: string;
  pid: number | undefined;
  exitCode: number | null;
  logFile: string;
}

export interface RunResult {
  scenario: Scenario;
  file: string | undefined;
  /** Load start and end (wall clock). */
  startedAt: Date;
  endedAt: Date;
  faults: FaultRun[];
  load: LoadSummary | undefined;
  services: ServiceRun[];
  /** Messages added to each topic during the run (all producers), when Kafka answered. */
  topicMessages: Record<string, number> | undefined;
  aborted: boolean;
  logDir: string;
  /** CPU seconds (user + system) each emitter process used while the load ran. */
  cpuSeconds?: Record<string, number>;
}

const execFileAsync = promisify(execFile);

/** Builds the Go and Rust binaries (cached by scripts/build-examples.sh) and checks they exist. */
export async function buildExamples(log: (line: string) => void = (l) => process.stderr.write(l + "\n")): Promise<void> {
  const started = Date.now();
  const { stderr } = await execFileAsync("bash", [path.join(repoRoot, "scripts/build-examples.sh")], {
    cwd: repoRoot,
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const line of stderr.split("\n").filter(Boolean).slice(-5)) log(line);
  log(`[scenario] examples ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function missingBinaries(): string[] {
  return Object.values(binaries).filter((b) => !existsSync(b));
}

async function topicEndOffsets(brokers: string[], topics: string[]): Promise<Record<string, number> | undefined> {
  const kafka = new Kafka({ clientId: "braid-scenario-runner", brokers, logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const result: Record<string, number> = {};
    for (const topic of topics) {
      if (!existing.has(topic)) {
        result[topic] = 0;
        continue;
      }
      const offsets = await admin.fetchTopicOffsets(topic);
      result[topic] = offsets.reduce((sum, p) => sum + Number(p.high), 0);
    }
    return result;
  } catch {
    return undefined;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Runs one scenario: a file path or an already parsed Scenario, on the shop or a topology. */
export async function runScenario(file: string | Scenario, options: RunOptions = {}): Promise<RunResult> {
  const scenario = typeof file === "string" ? readScenario(file) : file;
  if (scenario.system !== "shop") {
    const { runTopologyScenario } = await import("./topology.js");
    return runTopologyScenario(scenario, { ...options, file: typeof file === "string" ? file : undefined });
  }
  return runShopScenario(scenario, typeof file === "string" ? file : undefined, options);
}

async function runShopScenario(scenario: Scenario, file: string | undefined, options: RunOptions): Promise<RunResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + "\n"));
  const scale = options.timeScale ?? 1;
  if (!(scale > 0)) throw new Error(`timeScale must be > 0, got ${scale}`);
  const brokersText = options.brokers ?? process.env.BRAID_KAFKA_BROKERS ?? "127.0.0.1:9092";
  const topics: Topics = { ...defaultTopics, ...options.topics };

  if (options.build ?? true) await buildExamples(log);
  const missing = missingBinaries();
  if (missing.length) throw new Error(`missing example binaries (run scripts/build-examples.sh): ${missing.join(", ")}`);

  const logDir = options.logDir ?? mkdtempSync(path.join(os.tmpdir(), `braid-scenario-${scenario.name}-`));
  mkdirSync(logDir, { recursive: true });

  // Abort on the caller's signal and on SIGINT/SIGTERM; cleanup runs in finally.
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const onSignal = (sig: NodeJS.Signals) => {
    log(`[scenario] ${sig}: stopping the services`);
    abort.abort();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const children: Child[] = [];
  const killAll = () => children.forEach((c) => c.process.kill("SIGKILL"));
  process.once("exit", killAll);
  const timers: NodeJS.Timeout[] = [];

  // postgres and redis are simulated: their ports stay closed, so a connection_refused fault really is refused.
  const [frontendPort, checkoutPort, paymentsPort, inventoryPort, postgresPort, redisPort] = (await Promise.all(
    Array.from({ length: 6 }, () => freePort()),
  )) as [number, number, number, number, number, number];
  const url = (port: number) => `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    BRAID_KAFKA_BROKERS: brokersText,
    BRAID_TOPIC_SPANS: topics.spans,
    BRAID_TOPIC_METRICS: topics.metrics,
    BRAID_TOPIC_LOGS: topics.logs,
    BRAID_TOPIC_APP_LOGS: topics.appLogs,
    SHOP_METRICS_INTERVAL: options.metricsInterval ?? "5s",
  };
  const plan = [
    { name: "inventory", port: inventoryPort, args: ["--redis-addr", `127.0.0.1:${redisPort}`] },
    { name: "payments", port: paymentsPort, args: ["--postgres-addr", `127.0.0.1:${postgresPort}`] },
    {
      name: "checkout",
      port: checkoutPort,
      args: ["--postgres-addr", `127.0.0.1:${postgresPort}`, "--inventory-url", url(inventoryPort), "--payments-url", url(paymentsPort)],
    },
    { name: "frontend", port: frontendPort, args: ["--checkout-url", url(checkoutPort)] },
  ] as const;
  const serviceUrl = Object.fromEntries(plan.map((p) => [p.name, url(p.port)])) as Record<string, string>;

  const brokers = brokersText.split(",");
  const allTopics = [topics.spans, topics.metrics, topics.logs, topics.appLogs];
  const offsetsBefore = await topicEndOffsets(brokers, allTopics);
  const faultRuns: FaultRun[] = [];
  let load: LoadSummary | undefined;
  let startedAt = new Date();
  let endedAt = startedAt;
  const start = async (p: (typeof plan)[number], extraEnv: Record<string, string> = {}) => {
    const child = startChild(p.name, binaries[p.name], ["--listen", `127.0.0.1:${p.port}`, ...p.args], { ...env, ...extraEnv }, path.join(logDir, `${p.name}.log`));
    children.push(child);
    await waitHealthy(child, `${url(p.port)}/healthz`, 20_000);
    log(`[scenario] ${p.name} up on ${url(p.port)} (pid ${child.process.pid})`);
    return child;
  };
  // A deploy: the service stops (SIGTERM, telemetry flushed) and starts again under the new version, carrying the fault.
  const redeploy = async (fault: ScenarioFault): Promise<Date> => {
    const p = plan.find((q) => q.name === fault.service)!;
    const running = children.filter((c) => c.name === fault.service && c.process.exitCode === null && c.process.signalCode === null);
    for (const child of running) await stopChild(child);
    await start(p, { SHOP_SERVICE_VERSION: fault.deploy!.version, SHOP_FAULTS: JSON.stringify([faultBody(fault, scale)]) });
    return new Date();
  };
  try {
    for (const p of plan) {
      if (abort.signal.aborted) break;
      await start(p);
    }

    const durationS = scenario.duration_s * scale;
    log(`[scenario] ${scenario.name}: ${scenario.load.rps} req/s for ${durationS.toFixed(1)} s, ${scenario.faults.length} fault(s)`);
    const loadgen = startChild(
      "loadgen",
      binaries.loadgen,
      ["--target", serviceUrl.frontend!, "--rps", String(scenario.load.rps), "--duration", `${Math.round(durationS * 1000)}ms`],
      env,
      path.join(logDir, "loadgen.log"),
    );
    children.push(loadgen);
    let loadgenOut = "";
    // loadgen prints its JSON summary on stdout; its log file has it too, read at the end.
    startedAt = new Date();

    const faultsApplied = scenario.faults.map(
      (fault) =>
        new Promise<void>((resolve, reject) => {
          timers.push(
            setTimeout(async () => {
              try {
                if (abort.signal.aborted) return resolve();
                const service = fault.service;
                if (fault.deploy) {
                  const at = await redeploy(fault);
                  await announceDeploy(brokers, topics.changes, { service, version: fault.deploy.version, previousVersion: rustServices.has(service) ? "0.1.0" : "1.4.2", at, scenario: scenario.name }).catch((err: Error) => log(`[scenario] could not announce the deploy: ${err.message}`));
                  faultRuns.push({ ...fault, startedAt: at, endedAt: new Date(at.getTime() + fault.duration_s * scale * 1000) });
                  log(`[scenario] ${service} redeployed as ${fault.deploy.version} with ${fault.kind ?? "latency"} at ${at.toISOString()}`);
                  return resolve();
                }
                const res = await fetch(`${serviceUrl[service]}/admin/faults`, {
                  method: "POST",
                  headers: { "content-type": "application/json" },
                  body: JSON.stringify(faultBody(fault, scale)),
                });
                const body = (await res.json()) as { added?: { from: string; until?: string }[]; error?: string };
                if (!res.ok || !body.added?.[0]) throw new Error(`POST ${service}/admin/faults: ${res.status} ${body.error ?? ""}`);
                const added = body.added[0];
                faultRuns.push({ ...fault, startedAt: new Date(added.from), endedAt: new Date(added.until ?? added.from) });
                log(`[scenario] fault on ${service}${fault.dependency ? "→" + fault.dependency : ""}: ${fault.kind ?? "latency"} from ${added.from}`);
                resolve();
              } catch (err) {
                reject(err);
              }
            }, fault.start_s * scale * 1000),
          );
        }),
    );
    // Surface a failed fault POST at once, without waiting for the load to end.
    const faultsDone = Promise.all(faultsApplied);
    faultsDone.catch(() => abort.abort());

    await Promise.race([loadgen.exited, new Promise((r) => abort.signal.addEventListener("abort", r, { once: true }))]);
    endedAt = new Date();
    if (abort.signal.aborted) {
      loadgen.process.kill("SIGTERM");
      await loadgen.exited;
    } else {
      await faultsDone;
    }
    loadgenOut = readFileSync(loadgen.logFile, "utf8");
    const summaryLine = loadgenOut.split("\n").find((l) => l.startsWith("{"));
    load = summaryLine ? (JSON.parse(summaryLine) as LoadSummary) : undefined;
    if (load) log(`[scenario] load: ${load.sent} sent, ${load.ok} ok, ${load.failed} failed ${JSON.stringify(load.by_status)}`);
  } finally {
    timers.forEach(clearTimeout);
    // Stop from the edge inwards so no request is cut mid-way, then let each flush.
    for (const child of [...children].reverse()) await stopChild(child);
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    process.removeListener("exit", killAll);
    options.signal?.removeEventListener("abort", onAbort);
  }
  const offsetsAfter = await topicEndOffsets(brokers, allTopics);
  const topicMessages =
    offsetsBefore && offsetsAfter ? Object.fromEntries(allTopics.map((t) => [t, offsetsAfter[t]! - offsetsBefore[t]!])) : undefined;
  const services = children
    .filter((c) => c.name !== "loadgen")
    .map((c) => ({ name: c.name, url: serviceUrl[c.name]!, pid: c.process.pid, exitCode: c.process.exitCode, logFile: c.logFile }));
  return {
    scenario,
    file,
    startedAt,
    endedAt,
    faults: faultRuns,
    load,
    services,
    topicMessages,
    aborted: abort.signal.aborted,
    logDir,
  };
}
