// Runs a scenario on a topology (examples/topologies): the Go emitter plays the topology's Go
// services and the Rust emitter its Rust services, each process one HTTP listener for all of
// them; the Go emitter's load command drives the entrypoints; faults go to the process playing
// the service (/admin/faults), deploys restart the service under a new version
// (/admin/restart). The Kafka topics between services are created first, unique to the run.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Kafka, logLevel } from "kafkajs";
import type { Scenario, ScenarioFault } from "../../schemas/scenario.js";
import { announceDeploy, buildExamples, defaultTopics, faultBody, processCpuSeconds, repoRoot, type FaultRun, type LoadSummary, type RunOptions, type RunResult, type Topics } from "./index.js";
import { freePort, startChild, stopChild, waitHealthy, type Child } from "./processes.js";
import { loadTopology } from "./systems.js";

export const topologyBinaries = {
  go: path.join(repoRoot, "examples/go/bin/topology"),
  rust: path.join(repoRoot, "examples/rust/target/bin/topology"),
} as const;

async function createTopics(brokers: string[], topics: string[]): Promise<void> {
  const kafka = new Kafka({ clientId: "braid-scenario-runner", brokers, logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 2 })), waitForLeaders: true });
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

export async function runTopologyScenario(scenario: Scenario, options: RunOptions & { file?: string }): Promise<RunResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + "\n"));
  const scale = options.timeScale ?? 1;
  const topology = loadTopology(scenario.system);
  const brokersText = options.brokers ?? process.env.BRAID_KAFKA_BROKERS ?? "127.0.0.1:9092";
  const brokers = brokersText.split(",");
  const topics: Topics = { ...defaultTopics, ...options.topics };
  if (options.build ?? true) await buildExamples(log);

  const logDir = options.logDir ?? mkdtempSync(path.join(os.tmpdir(), `braid-scenario-${scenario.name}-`));
  mkdirSync(logDir, { recursive: true });
  const topologyFile = path.join(logDir, `${topology.name}.json`);
  writeFileSync(topologyFile, JSON.stringify(topology));

  const languages = ["go", "rust"] as const;
  const playedBy = Object.fromEntries(Object.entries(topology.services).map(([name, s]) => [name, s.language])) as Record<string, "go" | "rust">;
  const ports = { go: await freePort(), rust: await freePort() };
  const url = (language: "go" | "rust") => `http://127.0.0.1:${ports[language]}`;
  const entryProcess = playedBy[topology.entrypoints[0]!.service]!;
  if (topology.entrypoints.some((e) => playedBy[e.service] !== entryProcess)) throw new Error(`${topology.name}: every entrypoint must be played by one emitter`);

  // Topics between services, unique to this run.
  const prefix = `msg_${scenario.name.replaceAll("-", "_")}_${Date.now().toString(36)}_`;
  const messageTopics = Object.values(topology.services).flatMap((s) => Object.keys(s.consumers)).map((t) => prefix + t);
  if (messageTopics.length) await createTopics(brokers, messageTopics);

  const env = {
    ...process.env,
    BRAID_KAFKA_BROKERS: brokersText,
    BRAID_TOPIC_SPANS: topics.spans,
    BRAID_TOPIC_METRICS: topics.metrics,
    BRAID_TOPIC_LOGS: topics.logs,
    BRAID_TOPIC_APP_LOGS: topics.appLogs,
  };
  const children: Child[] = [];
  const players: Partial<Record<"go" | "rust", Child>> = {};
  const killAll = () => children.forEach((c) => c.process.kill("SIGKILL"));
  process.once("exit", killAll);
  const abort = new AbortController();
  options.signal?.addEventListener("abort", () => abort.abort(), { once: true });
  const timers: NodeJS.Timeout[] = [];
  const faultRuns: FaultRun[] = [];
  let load: LoadSummary | undefined;
  let startedAt = new Date();
  let endedAt = startedAt;
  const cpuSeconds: Record<string, number> = {};
  try {
    for (const language of languages) {
      const services = Object.keys(topology.services).filter((s) => playedBy[s] === language);
      if (services.length === 0) continue;
      const others = Object.fromEntries(Object.keys(topology.services).filter((s) => playedBy[s] !== language).map((s) => [s, url(playedBy[s]!)]));
      const child = startChild(
        `topology-${language}`,
        topologyBinaries[language],
        ["play", "--topology", topologyFile, "--services", services.join(","), "--urls", JSON.stringify(others), "--listen", `127.0.0.1:${ports[language]}`, "--message-topic-prefix", prefix, "--metrics-interval", options.metricsInterval ?? "10s"],
        env,
        path.join(logDir, `topology-${language}.log`),
      );
      children.push(child);
      players[language] = child;
      await waitHealthy(child, `${url(language)}/healthz`, 30_000);
      log(`[scenario] ${language} emitter up on ${url(language)} playing ${services.length} services (pid ${child.process.pid})`);
    }

    const durationS = scenario.duration_s * scale;
    log(`[scenario] ${scenario.name} on ${topology.name}: ${scenario.load.rps} req/s for ${durationS.toFixed(1)} s, ${scenario.faults.length} fault(s)`);
    const cpuBefore = Object.fromEntries(languages.map((l) => [l, processCpuSeconds(players[l]?.process.pid) ?? 0]));
    const loadgen = startChild(
      "loadgen",
      topologyBinaries.go,
      ["load", "--topology", topologyFile, "--target", url(entryProcess), "--rps", String(scenario.load.rps), "--duration", `${Math.round(durationS * 1000)}ms`],
      env,
      path.join(logDir, "loadgen.log"),
    );
    children.push(loadgen);
    startedAt = new Date();

    const apply = async (fault: ScenarioFault): Promise<FaultRun> => {
      const target = url(playedBy[fault.service]!);
      if (fault.deploy) {
        const res = await fetch(`${target}/admin/restart`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ service: fault.service, version: fault.deploy.version, faults: [faultBody(fault, scale)] }),
        });
        const body = (await res.json()) as { at?: string; error?: string };
        if (!res.ok || !body.at) throw new Error(`restart ${fault.service}: ${res.status} ${body.error ?? ""}`);
        log(`[scenario] ${fault.service} redeployed as ${fault.deploy.version} with ${fault.kind ?? "latency"} at ${body.at}`);
        const at = new Date(body.at);
        await announceDeploy(brokers, topics.changes, { service: fault.service, version: fault.deploy.version, previousVersion: topology.services[fault.service]!.version, at, scenario: scenario.name }).catch((err: Error) =>
          log(`[scenario] could not announce the deploy: ${err.message}`),
        );
        return { ...fault, startedAt: at, endedAt: new Date(at.getTime() + fault.duration_s * scale * 1000) };
      }
      const res = await fetch(`${target}/admin/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(faultBody(fault, scale)) });
      const body = (await res.json()) as { added?: { from: string; until?: string }[]; error?: string };
      if (!res.ok || !body.added?.[0]) throw new Error(`POST ${fault.service}/admin/faults: ${res.status} ${body.error ?? ""}`);
      log(`[scenario] fault on ${fault.service}${fault.dependency ? "→" + fault.dependency : ""}: ${fault.kind ?? "latency"} from ${body.added[0].from}`);
      return { ...fault, startedAt: new Date(body.added[0].from), endedAt: new Date(body.added[0].until ?? body.added[0].from) };
    };
    const applied = Promise.all(
      scenario.faults.map(
        (fault) =>
          new Promise<void>((resolve, reject) => {
            timers.push(
              setTimeout(() => {
                if (abort.signal.aborted) return resolve();
                apply(fault).then((run) => (faultRuns.push(run), resolve()), reject);
              }, fault.start_s * scale * 1000),
            );
          }),
      ),
    );
    applied.catch(() => abort.abort());
    await Promise.race([loadgen.exited, new Promise((r) => abort.signal.addEventListener("abort", r, { once: true }))]);
    endedAt = new Date();
    for (const l of languages) cpuSeconds[`topology-${l}`] = Math.round(((processCpuSeconds(players[l]?.process.pid) ?? 0) - cpuBefore[l]!) * 100) / 100;
    if (abort.signal.aborted) {
      loadgen.process.kill("SIGTERM");
      await loadgen.exited;
      await applied.catch((err: Error) => log(`[scenario] ${err.message}`));
    } else await applied;
    const summaryLine = readFileSync(loadgen.logFile, "utf8").split("\n").find((l) => l.startsWith("{"));
    load = summaryLine ? (JSON.parse(summaryLine) as LoadSummary) : undefined;
    if (load) log(`[scenario] load: ${load.sent} sent, ${load.ok} ok, ${load.failed} failed ${JSON.stringify(load.by_status)}; emitter CPU ${JSON.stringify(cpuSeconds)} s`);
  } finally {
    timers.forEach(clearTimeout);
    for (const child of [...children].reverse()) await stopChild(child);
    process.removeListener("exit", killAll);
  }
  const services = children
    .filter((c) => c.name !== "loadgen")
    .map((c) => ({ name: c.name, url: url(c.name === "topology-go" ? "go" : "rust"), pid: c.process.pid, exitCode: c.process.exitCode, logFile: c.logFile }));
  return { scenario, file: options.file, startedAt, endedAt, faults: faultRuns, load, services, topicMessages: undefined, aborted: abort.signal.aborted, logDir, cpuSeconds };
}
