// Helpers of the ingest integration tests (test/integration/ingest-*.test.ts): Braid as a real
// child process (bin/braid.ts), Kafka offsets, reading a chDB directory after its process is gone,
// OTLP payloads with known contents, and Prometheus samples.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { drainPending } from "chdb";
import type { Admin } from "kafkajs";
import { encodeTraces, newSpanId, newTraceId, traceRequest, type TestSpan } from "../../scripts/lib/otlp-builder.js";
import { deepMerge } from "../../runtime/config.js";
import { sumSamples } from "../../scripts/lib/otelcol.js";
import type { BraidConfig, BraidConfigInput } from "../../schemas/config.js";
import { otlpTypes } from "../../schemas/otlp/index.js";
import { ChdbStore, type Store } from "../../store/index.js";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * The environment that makes bin/braid.ts run with `config`: the settings go in a config file
 * (BRAID_CONFIG; a topic set by environment variable alone would lack its encoding), merged with
 * `overrides` (e.g. fetch sizes, which have no environment variable).
 */
export function braidEnv(config: BraidConfig, overrides: BraidConfigInput = {}, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const file = path.join(config.store.chdbPath, `braid-config-${++configFiles}.json`);
  mkdirSync(config.store.chdbPath, { recursive: true });
  writeFileSync(file, JSON.stringify(deepMerge(config as unknown as Record<string, unknown>, overrides as Record<string, unknown>)));
  return { PATH: process.env.PATH, HOME: process.env.HOME, BRAID_CONFIG: file, BRAID_LOG_LEVEL: "info", ...extra };
}
let configFiles = 0;

export interface BraidChild {
  child: ChildProcess;
  /** pino JSON lines written so far (stdout and stderr). */
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first log record that `match` accepts. */
  waitForLog(match: (record: Record<string, unknown>) => boolean, what: string, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** Starts `node --import tsx bin/braid.ts serve` (one process, so a signal reaches Braid itself). */
export function spawnBraid(env: NodeJS.ProcessEnv): BraidChild {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "bin/braid.ts"), "serve"], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const waiters: { match: (record: Record<string, unknown>) => boolean; resolve: (record: Record<string, unknown>) => void }[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (!line.trim()) continue;
      lines.push(line);
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      for (const waiter of waiters.splice(0)) {
        if (waiter.match(record)) waiter.resolve(record);
        else waiters.push(waiter);
      }
    }
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return {
    child,
    lines,
    exited,
    waitForLog(match, what, timeoutMs = 60_000) {
      for (const line of lines) {
        try {
          const record = JSON.parse(line) as Record<string, unknown>;
          if (match(record)) return Promise.resolve(record);
        } catch {
          // not JSON
        }
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; last lines:\n${lines.slice(-15).join("\n")}`)), timeoutMs);
        exited.then(({ code, signal }) => reject(new Error(`braid exited (code ${code}, signal ${signal}) before ${what}; last lines:\n${lines.slice(-15).join("\n")}`)));
        waiters.push({ match, resolve: (record) => (clearTimeout(timer), resolve(record)) });
      });
    },
  };
}

export const joinedGroup = (record: Record<string, unknown>) => record.msg === "joined consumer group";

/** Offsets the group has committed, per partition (0 when nothing is committed yet). */
export async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<Map<number, bigint>> {
  const [answer] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const out = new Map<number, bigint>();
  for (const { partition, offset } of answer?.partitions ?? []) out.set(partition, offset === "-1" ? 0n : BigInt(offset));
  return out;
}

/** The next offset the broker will write, per partition. */
export async function endOffsets(admin: Admin, topic: string): Promise<Map<number, bigint>> {
  const out = new Map<number, bigint>();
  for (const { partition, high } of await admin.fetchTopicOffsets(topic)) out.set(partition, BigInt(high));
  return out;
}

export const sumOffsets = (offsets: Map<number, bigint>) => [...offsets.values()].reduce((a, b) => a + b, 0n);

/** True when every partition's committed offset has reached its end offset. */
export async function allCommitted(admin: Admin, groupId: string, topic: string): Promise<boolean> {
  const [committed, end] = await Promise.all([committedOffsets(admin, groupId, topic), endOffsets(admin, topic)]);
  return [...end].every(([partition, high]) => (committed.get(partition) ?? 0n) >= high);
}

/**
 * Opens a chDB directory whose Braid process has exited, runs `fn`, and frees the engine again, so
 * the next directory can be opened by this process (chDB binds one directory per process at a time).
 */
export async function withChdb<T>(dir: string, database: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = new ChdbStore(dir, database);
  try {
    return await fn(store);
  } finally {
    await store.close();
    await drainPending();
  }
}

/** One ExportTraceServiceRequest of `count` spans with fresh ids, as a Go SDK batch span processor sends. */
export function spanMessage(service: string, count: number, attributes: Record<string, string | number | boolean> = {}): { value: Buffer; spanIds: string[] } {
  const traceId = newTraceId();
  const start = BigInt(Date.now()) * 1_000_000n;
  const spans: TestSpan[] = [];
  for (let i = 0; i < count; i++) {
    spans.push({ traceId: i % 20 === 0 ? newTraceId() : traceId, spanId: newSpanId(), name: `op-${i % 7}`, kind: 1 + (i % 5), startNs: start + BigInt(i) * 1000n, durationNs: 50_000n + BigInt(i), attributes: { "span.index": i, ...attributes } });
  }
  return { value: encodeTraces(traceRequest(service, spans)), spanIds: spans.map((span) => span.spanId.toString("hex")) };
}

/** Sum of the samples of a Prometheus metric whose labels include `labels`. */
export async function metricValue(apiAddress: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  return sumSamples(await (await fetch(`${apiAddress}/metrics`)).text(), name, labels);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const otlpValue = (value: string | number) => (typeof value === "string" ? { stringValue: value } : { intValue: value });
const otlpAttributes = (attributes: Record<string, string | number>) => Object.entries(attributes).map(([key, value]) => ({ key, value: otlpValue(value) }));

/** One ExportLogsServiceRequest of `count` log records, each with a unique body (returned). */
export function logMessage(service: string, count: number, resourceAttributes: Record<string, string | number> = {}): { value: Buffer; bodies: string[] } {
  const now = BigInt(Date.now()) * 1_000_000n;
  const bodies = Array.from({ length: count }, (_, i) => `log ${i} of ${newSpanId().toString("hex")}`);
  const type = otlpTypes().ExportLogsServiceRequest;
  const request = {
    resourceLogs: [
      {
        resource: { attributes: otlpAttributes({ "service.name": service, ...resourceAttributes }) },
        scopeLogs: [{ scope: { name: "braid.test" }, logRecords: bodies.map((body, i) => ({ timeUnixNano: String(now + BigInt(i)), severityNumber: 9, severityText: "INFO", body: { stringValue: body } })) }],
      },
    ],
  };
  return { value: Buffer.from(type.encode(type.fromObject(request)).finish()), bodies };
}

/** One ExportMetricsServiceRequest with one gauge of `count` points, each of its own series (attributes `series`, `point`). */
export function gaugeMessage(service: string, count: number, resourceAttributes: Record<string, string | number> = {}): { value: Buffer; points: number } {
  const now = BigInt(Date.now()) * 1_000_000n;
  const series = newSpanId().toString("hex");
  const type = otlpTypes().ExportMetricsServiceRequest;
  const request = {
    resourceMetrics: [
      {
        resource: { attributes: otlpAttributes({ "service.name": service, ...resourceAttributes }) },
        scopeMetrics: [
          {
            scope: { name: "braid.test" },
            metrics: [{ name: "test.gauge", gauge: { dataPoints: Array.from({ length: count }, (_, i) => ({ startTimeUnixNano: String(now - 1_000_000_000n), timeUnixNano: String(now + BigInt(i)), asDouble: i, attributes: otlpAttributes({ series, point: i }) })) } }],
          },
        ],
      },
    ],
  };
  return { value: Buffer.from(type.encode(type.fromObject(request)).finish()), points: count };
}
