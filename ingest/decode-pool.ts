// Decoding, normalizing and encoding off the main thread. On the main thread, ingest runs kafkajs,
// the plans, commits and store calls (whose work happens in chDB's own threads); the CPU-heavy
// part of a range — protobuf decoding, the normalizer, writing the Native block — runs in worker
// threads, so that a 2-core machine uses both cores and the event loop stays free to heartbeat,
// fetch and commit while ranges decode. The blocks come back transferred, not copied.
//
// With `kafka.decodeThreads: 0` the same work runs on the main thread (prepare.ts either way).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Logger } from "pino";
import type { NormalizeStats } from "../normalizer/index.js";
import { rowSchemasByTable, type SignalTable } from "../schemas/rows.js";
import { nativeLayout, type NativeLayout, type TableColumn } from "../store/native-format.js";
import type { Store } from "../store/index.js";
import type { BatchOptions } from "./batch.js";
import type { IngestMessage } from "./message.js";
import { prepareRange, type PreparedRange } from "./prepare.js";

export interface DecodeWorkerData {
  options: Omit<BatchOptions, "stats" | "now">;
  columns: Record<string, TableColumn[]>;
}

export interface DecodeRequest {
  id: number;
  /** Every message's value, one after the other (one copy, transferred). */
  values: Uint8Array;
  messages: (Omit<IngestMessage, "key" | "value"> & { valueStart: number; valueEnd: number })[];
  only?: string;
}

export type DecodeResponse = { id: number; prepared: PreparedRange; stats: NormalizeStats } | { id: number; error: string };

export interface RangeDecoder {
  /** Prepares a range (prepare.ts); `only` prepares the rows of one table (a part of a split). */
  prepare(messages: readonly IngestMessage[], only?: SignalTable): Promise<PreparedRange>;
  readonly threads: number;
  close(): Promise<void>;
}

export const defaultDecodeThreads = () => Math.max(1, os.availableParallelism() - 1);

const signalTables = Object.keys(rowSchemasByTable) as SignalTable[];

/** Reads the signal tables' columns from the store and starts the decoder (workers or the main thread). */
export async function createRangeDecoder(deps: { store: Store; options: BatchOptions; threads?: number; logger: Logger }): Promise<RangeDecoder> {
  const columns: Record<string, TableColumn[]> = {};
  const layouts = new Map<string, NativeLayout>();
  for (const table of signalTables) {
    columns[table] = await deps.store.columns(table);
    const layout = nativeLayout(columns[table]!);
    if (!layout) throw new Error(`${table} has a column type the Native writer does not support: ${columns[table]!.map((c) => c.type).join(", ")}`);
    layouts.set(table, layout);
  }
  const threads = deps.threads ?? defaultDecodeThreads();
  if (threads === 0) {
    return { threads, prepare: async (messages, only) => prepareRange(messages, deps.options, layouts, only), close: async () => {} };
  }
  const { routes, tenancy, limits, maxMessageBytes } = deps.options;
  const onMainThread = (messages: readonly IngestMessage[], only?: SignalTable) => prepareRange(messages, deps.options, layouts, only);
  return new DecodePool(threads, { options: { routes, tenancy, limits, maxMessageBytes }, columns }, deps.options.stats, deps.logger, onMainThread);
}

/** Workers that die before their first answer, one after another, before the pool gives up on threads. */
const maxStartFailures = 3;

const here = fileURLToPath(import.meta.url);
const workerFile = path.join(path.dirname(here), `decode-worker${path.extname(here)}`);

/**
 * A worker of the TypeScript sources (under tsx or vitest) loads them through tsx's API: `--import`
 * in a worker's execArgv is not applied to the worker's own module loading on Node 20. Compiled
 * JavaScript is started as it is.
 */
function startWorker(workerData: DecodeWorkerData): Worker {
  if (!workerFile.endsWith(".ts")) return new Worker(workerFile, { workerData });
  // The ESM entry of tsx's API (require.resolve would give its CommonJS one, which cannot register hooks here).
  const manifest = createRequire(import.meta.url).resolve("tsx/package.json");
  const entry = (JSON.parse(readFileSync(manifest, "utf8")) as { exports: Record<string, { import: { default: string } }> }).exports["./esm/api"]!.import.default;
  const api = pathToFileURL(path.join(path.dirname(manifest), entry)).href;
  const bootstrap = `import(${JSON.stringify(api)}).then(({ tsImport }) => tsImport(${JSON.stringify(pathToFileURL(workerFile).href)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(bootstrap, { eval: true, workerData });
}

interface Pending {
  resolve(prepared: PreparedRange): void;
  reject(err: Error): void;
}

interface PoolWorker {
  worker: Worker;
  pending: Map<number, Pending>;
  answered: boolean;
}

class DecodePool implements RangeDecoder {
  private readonly workers: PoolWorker[] = [];
  private nextId = 0;
  private closed = false;
  private startFailures = 0;
  /** Set when workers cannot start at all (e.g. no TypeScript loader): ranges are prepared on the main thread. */
  private fallback = false;

  constructor(
    readonly threads: number,
    private readonly data: DecodeWorkerData,
    private readonly stats: NormalizeStats,
    private readonly logger: Logger,
    private readonly onMainThread: (messages: readonly IngestMessage[], only?: SignalTable) => PreparedRange,
  ) {
    for (let i = 0; i < threads; i++) this.workers.push(this.spawn());
  }

  private spawn(): PoolWorker {
    const entry: PoolWorker = { worker: startWorker(this.data), pending: new Map(), answered: false };
    entry.worker.on("message", (response: DecodeResponse) => {
      entry.answered = true;
      this.startFailures = 0;
      const pending = entry.pending.get(response.id);
      if (!pending) return;
      entry.pending.delete(response.id);
      if (entry.pending.size === 0) entry.worker.unref();
      if ("error" in response) return pending.reject(new Error(`decode worker failed: ${response.error}`));
      for (const [event, count] of Object.entries(response.stats)) (this.stats as unknown as Record<string, number>)[event] += count;
      pending.resolve(response.prepared);
    });
    const fail = (err: Error) => {
      for (const pending of entry.pending.values()) pending.reject(err);
      entry.pending.clear();
      const index = this.workers.indexOf(entry);
      if (index < 0 || this.closed || this.fallback) return;
      if (!entry.answered && ++this.startFailures >= maxStartFailures) {
        // Respawning a worker that cannot start would spin: decode on the main thread instead.
        this.fallback = true;
        this.logger.error({ err: err.message }, "decode worker threads cannot start; decoding on the main thread");
        for (const other of this.workers) if (other !== entry) void other.worker.terminate();
        return;
      }
      this.logger.error({ err: err.message }, "decode worker thread died; starting a new one");
      this.workers[index] = this.spawn();
    };
    entry.worker.on("error", fail);
    entry.worker.on("exit", (code) => fail(new Error(`decode worker exited with code ${code}`)));
    entry.worker.unref();
    return entry;
  }

  prepare(messages: readonly IngestMessage[], only?: SignalTable): Promise<PreparedRange> {
    if (this.closed) return Promise.reject(new Error("the decode pool is closed"));
    if (this.fallback) return Promise.resolve().then(() => this.onMainThread(messages, only));
    let total = 0;
    for (const message of messages) total += message.value?.length ?? 0;
    const values = new Uint8Array(total);
    let at = 0;
    const metadata = messages.map(({ topic, partition, offset, headers, timestamp, value }) => {
      const valueStart = at;
      if (value) (values.set(value, at), (at += value.length));
      return { topic, partition, offset, headers, timestamp, valueStart, valueEnd: value ? at : -1 };
    });
    // The worker with the fewest ranges waiting.
    const entry = this.workers.reduce((best, w) => (w.pending.size < best.pending.size ? w : best));
    const id = ++this.nextId;
    return new Promise<PreparedRange>((resolve, reject) => {
      entry.pending.set(id, { resolve, reject });
      entry.worker.ref(); // an idle pool does not keep the process alive, a waiting range does
      entry.worker.postMessage({ id, values, messages: metadata, only } satisfies DecodeRequest, [values.buffer]);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}
