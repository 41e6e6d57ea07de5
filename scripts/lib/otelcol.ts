// The real OpenTelemetry Collector (built by scripts/build-collector.sh from
// deploy/otelcol/builder-config.yaml) and telemetrygen, as processes for the interop test and the
// ingest benchmark: where the binaries are, a config checked by `otelcol validate`, start and stop,
// and the Collector's own Prometheus metrics.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { stringify } from "yaml";

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const binDir = path.join(process.env.BRAID_STATE_DIR ?? path.join(repoRoot, ".braid"), "otelcol/bin");

export const otelcolBinary = path.join(binDir, "otelcol-braid");
export const telemetrygenBinary = path.join(binDir, "telemetrygen");

/** Fails with the fix when set-up has not built the Collector (BRAID_SKIP_COLLECTOR=1, or no Go). */
export function requireCollectorBuild(): void {
  for (const binary of [otelcolBinary, telemetrygenBinary]) {
    try {
      accessSync(binary, constants.X_OK);
    } catch {
      throw new Error(`${binary} is missing: run 'bash scripts/build-collector.sh' (scripts/setup.sh runs it unless BRAID_SKIP_COLLECTOR=1)`);
    }
  }
}

/** Writes `config` as YAML to `file` and checks it with `otelcol validate` (unknown keys fail). */
export async function writeCollectorConfig(file: string, config: object): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, stringify(config));
  try {
    await run(otelcolBinary, ["validate", `--config=${file}`]);
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`otelcol validate rejected ${file}:\n${stderr || stdout || String(error)}`);
  }
}

/** The `service.telemetry` section that serves the Collector's own metrics on 127.0.0.1:`port`. */
export const collectorTelemetry = (port: number) => ({
  logs: { level: "info", encoding: "json" },
  metrics: { level: "normal", readers: [{ pull: { exporter: { prometheus: { host: "127.0.0.1", port } } } }] },
});

export interface CollectorProcess {
  child: ChildProcess;
  /** The Collector's log lines so far (JSON, from stderr). */
  lines: string[];
  /** Its Prometheus metrics page. */
  metrics(): Promise<string>;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts the Collector on a config written by `writeCollectorConfig` and resolves once it logs
 * that every pipeline is running; rejects with its last log lines if it exits before.
 */
export async function startCollector(configFile: string, metricsPort: number, readyTimeoutMs = 60_000): Promise<CollectorProcess> {
  const child = spawn(otelcolBinary, [`--config=${configFile}`], { stdio: ["ignore", "ignore", "pipe"] });
  const lines: string[] = [];
  let partial = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the Collector was not ready after ${readyTimeoutMs} ms:\n${lines.slice(-20).join("\n")}`)), readyTimeoutMs);
    child.stderr!.on("data", (chunk: Buffer) => {
      const parts = (partial + chunk.toString("utf8")).split("\n");
      partial = parts.pop() ?? "";
      for (const line of parts) {
        lines.push(line);
        if (lines.length > 5000) lines.splice(0, 1000);
        if (line.includes("Everything is ready")) (clearTimeout(timer), resolve());
      }
    });
    void exited.then((code) => (clearTimeout(timer), reject(new Error(`the Collector exited (code ${code}) before it was ready:\n${lines.slice(-20).join("\n")}`))));
  });
  try {
    await ready;
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return {
    child,
    lines,
    metrics: async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(),
    stop: async (graceMs = 15_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Sum of the samples of metric `name` (exact name) whose labels include `labels`, in a Prometheus text page. */
export function sumSamples(page: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of page.split("\n")) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const sampleLabels = Object.fromEntries([...(match[3] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => sampleLabels[key] === value)) sum += Number(match[4]);
  }
  return sum;
}

/** Runs telemetrygen (`traces`, `logs` or `metrics` and its flags) to completion; rejects with its output on failure. */
export async function runTelemetrygen(args: string[], timeoutMs = 120_000): Promise<void> {
  try {
    await run(telemetrygenBinary, args, { timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`telemetrygen ${args.join(" ")} failed:\n${(stderr || stdout || String(error)).split("\n").slice(-20).join("\n")}`);
  }
}
