// Ingest throughput and latency benchmark (not a test), against the real Kafka and embedded chDB:
//
//   npm run bench:ingest                                   # 1M spans (about 6 minutes on 2 cores)
//   npm run bench:ingest -- --signal logs                  # OTLP logs; also metrics, app_logs (raw JSON lines)
//   npm run bench:ingest -- --items 2000000 --steady-rate 20000 --steady-seconds 30
//   npm run bench:ingest -- --profile /tmp/prof            # V8 CPU profile of the ingest process
//   npm run bench:ingest -- --soak 30                      # then 30 minutes at half the rate, sampled every 10 s
//   npm run bench:ingest -- --max-mib-per-partition 2      # smaller ranges (kafka.maxBytesPerPartition)
//
// For one signal, in one run:
// 1. produces N items to a fresh topic in the shapes Go and Rust services export (bench/ingest-load.ts);
// 2. floor "consume-only": a kafkajs group reads the topic, same fetch settings as ingest, no decoding;
// 3. "consume + decode": a kafkajs group reads the topic and runs Braid's decode and normalize
//    (ingest/batch.ts processBatch) on every fetch, no insert: Braid's decode rate;
//    peer: the real OpenTelemetry Collector (scripts/build-collector.sh) reads the same topic with
//    its kafka receiver into the nop exporter (OTLP signals);
// 4. floor "insert-only": the store inserts the same items as pre-built rows (decoded and normalized
//    beforehand, off the clock; the store's own serialization on the clock), in ranges of the size
//    ingest inserts, as concurrently as ingest does;
// 5. floor "storage limit": the same rows written again by INSERT … SELECT inside the store, from an
//    in-memory copy, in blocks of the same size (no serialization, no parsing, every view on): what
//    the engine itself costs;
// 6. end-to-end: Braid (bin/braid.ts, roles=ingest, own chDB directory) ingests the backlog; time
//    from its joining the group until every offset is committed (a range is committed after its
//    insert returned, so committed means queryable); its RSS is sampled from /proc, its CPU time too;
// 7. latency: the same process, caught up, gets a steady half of its measured rate; after a warm-up,
//    per message, the time from the produce call to the first poll (every 50 ms) that sees its
//    offset committed; with --soak, then MINUTES more at that rate, sampled every 10 s;
// 8. restart: SIGTERM (time to exit), a new process on the same directory (time until its four
//    consumers have joined), SIGTERM again;
// then checks that the store holds every item exactly once. Prints one table and writes it as JSON
// to bench/results/.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { drainPending } from "chdb";
import { Kafka, Partitioners, logLevel, type Admin } from "kafkajs";
import { processBatch, type BatchOptions } from "../ingest/batch.js";
import { ingestSettings } from "../ingest/config.js";
import { ensureTopics } from "../ingest/kafka.js";
import type { IngestMessage } from "../ingest/message.js";
import { newNormalizeStats } from "../normalizer/index.js";
import { BraidConfig } from "../schemas/config.js";
import type { SignalTable } from "../schemas/rows.js";
import { ChdbStore, migrate } from "../store/index.js";
import { collectorTelemetry, requireCollectorBuild, startCollector, sumSamples, writeCollectorConfig } from "../scripts/lib/otelcol.js";
import { freePortOr } from "../scripts/lib/ports.js";
import { readCpuProfile, summarizeCpuProfile, type ProfileSummary } from "./cpu-profile.js";
import { benchSignals, seededRandom, signalLoad, type BenchSignal } from "./ingest-load.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values: args } = parseArgs({
  options: {
    signal: { type: "string", default: "traces" },
    /** Items to produce (spans, log records, metric points, log lines); --spans is the old name. */
    items: { type: "string" },
    spans: { type: "string" },
    partitions: { type: "string", default: "4" },
    /** Items per second of the latency phase; "auto" is half the measured end-to-end rate. */
    "steady-rate": { type: "string", default: "auto" },
    "steady-seconds": { type: "string", default: "45" },
    /** Seconds of the steady rate before latencies are recorded (the backlog's merges settle). */
    "warmup-seconds": { type: "string", default: "15" },
    /** Minutes of the steady rate after the latency phase, sampled every 10 s (not for CI). */
    soak: { type: "string", default: "0" },
    brokers: { type: "string", default: process.env.BRAID_KAFKA_BROKERS ?? "127.0.0.1:9092" },
    /** Writes a V8 CPU profile of the ingest process to this directory (open it in Chrome DevTools). */
    profile: { type: "string" },
    /** Skips the Collector peer (it reads the whole backlog once more). */
    "no-peer": { type: "boolean", default: false },
    /** kafka.maxBytesPerPartition of the ingest process in MiB (the upper bound of a range, hence of an insert). */
    "max-mib-per-partition": { type: "string" },
  },
});

interface SignalSpec {
  /** What an item is, in the figures. */
  unit: string;
  tables: SignalTable[];
  defaultItems: number;
  /** Items of a backlog message (random) and of a steady-rate message. */
  backlogItems: (random: () => number) => number;
  steadyItems: number;
  /** The Collector's kafka receiver pipeline and its accepted-items counter; undefined: no peer. */
  collector?: { pipeline: "traces" | "logs" | "metrics"; metric: string };
  /** SELECT of (rows, distinct items) over one table. */
  distinct: string;
}

const metricTables: SignalTable[] = ["otel_metrics_gauge", "otel_metrics_sum", "otel_metrics_histogram", "otel_metrics_exponential_histogram", "otel_metrics_summary"];
const signals: Record<BenchSignal, SignalSpec> = {
  traces: {
    unit: "spans",
    tables: ["otel_traces"],
    defaultItems: 1_000_000,
    backlogItems: (random) => 200 + Math.floor(random() * 313),
    steadyItems: 300,
    collector: { pipeline: "traces", metric: "otelcol_receiver_accepted_spans" },
    distinct: "uniqExact(TraceId, SpanId)",
  },
  logs: {
    unit: "log records",
    tables: ["otel_logs"],
    defaultItems: 1_000_000,
    backlogItems: (random) => 200 + Math.floor(random() * 313),
    steadyItems: 300,
    collector: { pipeline: "logs", metric: "otelcol_receiver_accepted_log_records" },
    distinct: "uniqExact(LogAttributes['log.record.uid'])",
  },
  metrics: {
    unit: "points",
    tables: metricTables,
    defaultItems: 1_000_000,
    backlogItems: (random) => 150 + Math.floor(random() * 250),
    steadyItems: 200,
    collector: { pipeline: "metrics", metric: "otelcol_receiver_accepted_metric_points" },
    distinct: "uniqExact(MetricName, Attributes, TimeUnix, ResourceAttributes['service.instance.id'])",
  },
  app_logs: {
    unit: "lines",
    tables: ["otel_logs"],
    defaultItems: 300_000,
    backlogItems: () => 1,
    steadyItems: 1,
    distinct: "uniqExact(LogAttributes['request_id'])",
  },
};

if (!(benchSignals as readonly string[]).includes(args.signal!)) throw new Error(`--signal must be one of ${benchSignals.join(", ")}`);
const signal = args.signal as BenchSignal;
const spec = signals[signal];
const totalItems = Number(args.items ?? args.spans ?? spec.defaultItems);
const partitions = Number(args.partitions);
let steadyRate = Number(args["steady-rate"]);
const steadySeconds = Number(args["steady-seconds"]);
const warmupSeconds = Number(args["warmup-seconds"]);
const soakMinutes = Number(args.soak);
const suffix = `${Date.now().toString(36)}_${process.pid}`;
const topic = `bench_${signal}_${suffix}`;
const work = mkdtempSync(path.join(os.tmpdir(), "braid-bench-ingest-"));
const log = (...parts: unknown[]) => console.log(`[bench:ingest ${new Date().toISOString().slice(11, 19)}]`, ...parts);
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const seconds = (from: bigint, to = process.hrtime.bigint()) => Number(to - from) / 1e9;
const loadAverage = () => os.loadavg()[0]!;
const unit = spec.unit;

const topicOf = (s: BenchSignal) => (s === signal ? topic : `bench_${s}_unused_${suffix}`);
const config = BraidConfig.parse({
  roles: ["ingest"],
  kafka: {
    brokers: args.brokers,
    groupId: `bench_ingest_${suffix}`,
    partitions,
    traces: { topic: topicOf("traces"), encoding: "otlp_proto" },
    metrics: { topic: topicOf("metrics"), encoding: "otlp_proto" },
    logs: { topic: topicOf("logs"), encoding: "otlp_proto" },
    appLogs: { topic: topicOf("app_logs"), encoding: "app_log" },
    deadLetterTopic: `bench_dlq_${suffix}`,
    ...(args["max-mib-per-partition"] ? { maxBytesPerPartition: Math.round(Number(args["max-mib-per-partition"]) * 2 ** 20) } : {}),
  },
  store: { database: "bench", chdbPath: path.join(work, "braid-chdb") },
  api: { port: 0 },
  // debug: each stored range logs its timings, summarized for the latency phase.
  log: { level: "debug" },
});
const settings = ingestSettings(config);
const kafka = new Kafka({ clientId: "bench-ingest", brokers: config.kafka.brokers, logLevel: logLevel.NOTHING });

// ---------- 1. produce ----------

interface Produced {
  messages: number;
  items: number;
  bytes: number;
  /** Items of each message, by partition and offset (offsets are 0.. in a fresh topic). */
  itemsAt: Map<number, number[]>;
}

async function produce(): Promise<Produced> {
  await ensureTopics(kafka, [topic], partitions, 1);
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  const generator = signalLoad(signal, 7);
  const random = seededRandom(3);
  const produced: Produced = { messages: 0, items: 0, bytes: 0, itemsAt: new Map(Array.from({ length: partitions }, (_, p) => [p, []])) };
  const started = process.hrtime.bigint();
  let generating = 0;
  const inFlight: Promise<void>[] = [];
  // Messages per produce call (one record batch): 4 OTLP requests, or about 64 KiB of log lines.
  const perCall = spec.backlogItems(random) === 1 ? 256 : 4;
  for (let call = 0; produced.items < totalItems; call++) {
    const partition = call % partitions;
    const batch: { value: Buffer; items: number }[] = [];
    const g0 = process.hrtime.bigint();
    for (let k = 0; k < perCall && produced.items < totalItems; k++) {
      const message = generator.message(Math.min(totalItems - produced.items, spec.backlogItems(random)));
      batch.push(message);
      produced.items += message.items;
      produced.bytes += message.value.length;
    }
    generating += seconds(g0);
    produced.messages += batch.length;
    inFlight.push(
      producer.send({ topic, acks: -1, messages: batch.map((message) => ({ partition, value: message.value })) }).then(([meta]) => {
        const perOffset = produced.itemsAt.get(partition)!;
        batch.forEach((message, k) => (perOffset[Number(meta!.baseOffset) + k] = message.items));
      }),
    );
    if (inFlight.length >= partitions) await Promise.all(inFlight.splice(0));
  }
  await Promise.all(inFlight);
  await producer.disconnect();
  log(`produced ${fmt(produced.items)} ${unit} in ${fmt(produced.messages)} messages (${(produced.bytes / 1e6).toFixed(0)} MB, ${fmt(produced.bytes / produced.items)} B per item) in ${seconds(started).toFixed(1)} s (${generating.toFixed(1)} s generating)`);
  return produced;
}

interface Rate {
  itemsPerSecond: number;
  seconds: number;
  cpuMicrosPerItem?: number;
}

/**
 * The messages of a fetched batch not seen before: a rejoin of the group (no offsets are
 * committed in the floors) makes kafkajs fetch some of them again.
 */
function unseen<T extends { offset: string }>(seen: Map<number, number>, partition: number, messages: readonly T[]): T[] {
  const next = seen.get(partition) ?? 0;
  const fresh = messages.filter((m) => Number(m.offset) >= next);
  if (fresh.length > 0) seen.set(partition, Number(fresh[fresh.length - 1]!.offset) + 1);
  return fresh;
}

// ---------- 2. consume-only floor ----------

async function consumeOnly(produced: Produced): Promise<Rate> {
  const consumer = kafka.consumer({ groupId: `bench_consume_only_${suffix}`, maxBytesPerPartition: settings.maxBytesPerPartition, maxBytes: settings.maxBytes, maxWaitTimeInMs: settings.maxWaitTimeMs, sessionTimeout: settings.sessionTimeoutMs });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let messages = 0;
  let items = 0;
  let first: bigint | undefined;
  let cpuAtFirst: NodeJS.CpuUsage | undefined;
  let cpu: NodeJS.CpuUsage = { user: 0, system: 0 };
  let last = 0n;
  const seen = new Map<number, number>();
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: settings.partitionsConsumedConcurrently,
      eachBatch: async ({ batch }) => {
        first ??= process.hrtime.bigint();
        cpuAtFirst ??= process.cpuUsage();
        const perMessage = produced.itemsAt.get(batch.partition)!;
        const fresh = unseen(seen, batch.partition, batch.messages);
        for (const message of fresh) items += perMessage[Number(message.offset)]!;
        messages += fresh.length;
        last = process.hrtime.bigint();
        if (messages >= produced.messages) (cpu = process.cpuUsage(cpuAtFirst), resolve());
      },
    });
  });
  await done;
  await consumer.disconnect();
  const elapsed = seconds(first!, last);
  return { itemsPerSecond: items / elapsed, seconds: elapsed, cpuMicrosPerItem: (cpu.user + cpu.system) / items };
}

// ---------- 3. consume + decode, and the OpenTelemetry Collector as a peer ----------

const batchOptions = (): BatchOptions => ({ routes: settings.routes, tenancy: settings.tenancy, limits: settings.limits, maxMessageBytes: settings.maxMessageBytes, stats: newNormalizeStats() });
const toMessages = (batch: { topic: string; partition: number; messages: { offset: string; value: Buffer | null; timestamp: string }[] }): IngestMessage[] =>
  batch.messages.map((m) => ({ topic: batch.topic, partition: batch.partition, offset: m.offset, key: null, value: m.value, headers: {}, timestamp: m.timestamp }));
const itemsOf = (result: ReturnType<typeof processBatch>) => result.items[signal === "app_logs" ? "app_logs" : signal];

/** kafkajs with ingest's fetch settings, and Braid's decode and normalize of every fetch; no insert. */
async function consumeAndDecode(produced: Produced): Promise<Rate> {
  const consumer = kafka.consumer({ groupId: `bench_decode_${suffix}`, maxBytesPerPartition: settings.maxBytesPerPartition, maxBytes: settings.maxBytes, maxWaitTimeInMs: settings.maxWaitTimeMs, sessionTimeout: settings.sessionTimeoutMs });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const options = batchOptions();
  let messages = 0;
  let items = 0;
  let first: bigint | undefined;
  let cpuAtFirst: NodeJS.CpuUsage | undefined;
  let last = 0n;
  let cpu: NodeJS.CpuUsage = { user: 0, system: 0 };
  const seen = new Map<number, number>();
  await new Promise<void>((resolve, reject) => {
    void consumer
      .run({
        autoCommit: false,
        partitionsConsumedConcurrently: settings.partitionsConsumedConcurrently,
        eachBatch: async ({ batch }) => {
          first ??= process.hrtime.bigint();
          cpuAtFirst ??= process.cpuUsage();
          const fresh = unseen(seen, batch.partition, batch.messages);
          const result = processBatch(toMessages({ ...batch, messages: fresh }), options);
          if (result.deadLetters.length > 0) throw new Error(`decode dead-lettered ${result.deadLetters.length} messages: ${result.deadLetters[0]!.reason}`);
          items += itemsOf(result);
          messages += fresh.length;
          last = process.hrtime.bigint();
          if (messages >= produced.messages) (cpu = process.cpuUsage(cpuAtFirst), resolve());
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  if (items !== produced.items) throw new Error(`consume + decode produced ${items} ${unit}, expected ${produced.items}`);
  return { itemsPerSecond: items / seconds(first!, last), seconds: seconds(first!, last), cpuMicrosPerItem: (cpu.user + cpu.system) / items };
}

/** CPU seconds (user + system, all threads) a process has used, from /proc. */
function processCpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ
  } catch {
    return 0;
  }
}

/**
 * CPU seconds per thread name, from /proc: ClickHouse names its pools (ThreadPool, MergeMutate,
 * …); Node's threads are all "node": the main thread is told apart by its id, the others (the decode
 * workers, libuv's pool, where chDB runs its queries, V8's helpers) are kept one by one.
 */
function threadCpuSeconds(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
        let name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")).replace(/[\d:/_-]+$/, "") || "?";
        if (name === "node") name = Number(tid) === pid ? "node main" : `node ${tid}`;
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        out.set(name, (out.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100);
      } catch {
        // the thread ended
      }
    }
  } catch {
    // the process ended
  }
  return out;
}

/** Per thread name, µs of CPU per item between two snapshots, largest first. */
function threadBreakdown(before: Map<string, number>, after: Map<string, number>, items: number): [string, number][] {
  return [...after]
    .map(([name, s]): [string, number] => [name, ((s - (before.get(name) ?? 0)) * 1e6) / items])
    .filter(([, us]) => us >= 0.1)
    .sort((a, b) => b[1] - a[1]);
}

/**
 * The real Collector's kafka receiver (defaults, OTLP protobuf) into the nop exporter, reading the
 * same topic: from its first accepted items to all of them (its own otelcol_receiver_accepted_*,
 * polled every 50 ms). Undefined when set-up has not built the Collector or the signal has no peer.
 */
async function collectorPeer(produced: Produced): Promise<Rate | undefined> {
  const peer = spec.collector;
  if (!peer || args["no-peer"]) return undefined;
  try {
    requireCollectorBuild();
  } catch (error) {
    log(`Collector peer skipped: ${(error as Error).message}`);
    return undefined;
  }
  const metricsPort = await freePortOr(0);
  const file = path.join(work, "otelcol-peer.yaml");
  await writeCollectorConfig(file, {
    receivers: { kafka: { brokers: config.kafka.brokers, client_id: "bench-otelcol-peer", group_id: `bench_otelcol_${suffix}`, initial_offset: "earliest", [peer.pipeline]: { topics: [topic], encoding: "otlp_proto" } } },
    exporters: { nop: {} },
    service: { telemetry: collectorTelemetry(metricsPort), pipelines: { [peer.pipeline]: { receivers: ["kafka"], exporters: ["nop"] } } },
  });
  const collector = await startCollector(file, metricsPort);
  try {
    const pid = collector.child.pid!;
    let first: bigint | undefined;
    let cpuAtFirst = 0;
    const deadline = Date.now() + 30 * 60_000;
    for (;;) {
      const accepted = sumSamples(await collector.metrics(), peer.metric, { receiver: "kafka" });
      const now = process.hrtime.bigint();
      if (accepted > 0 && first === undefined) (first = now, (cpuAtFirst = processCpuSeconds(pid)));
      if (accepted >= produced.items) {
        const elapsed = seconds(first!, now);
        return { itemsPerSecond: produced.items / elapsed, seconds: elapsed, cpuMicrosPerItem: ((processCpuSeconds(pid) - cpuAtFirst) * 1e6) / produced.items };
      }
      if (Date.now() > deadline) throw new Error(`the Collector accepted ${accepted} of ${produced.items} ${unit} in 30 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await collector.stop();
  }
}

// ---------- 4. insert-only floor, 5. storage limit ----------

interface Floors {
  insertOnly: Rate & { rowsPerInsert: number };
  storageLimit: Rate;
}

async function insertFloors(): Promise<Floors> {
  const store = new ChdbStore(path.join(work, "floor-chdb"), "bench_floor");
  await migrate(store);
  const options = batchOptions();
  // Read the topic again and cut it into the ranges ingest would insert (one fetch per partition).
  const consumer = kafka.consumer({ groupId: `bench_insert_only_${suffix}`, maxBytesPerPartition: settings.maxBytesPerPartition, maxBytes: settings.maxBytes, maxWaitTimeInMs: settings.maxWaitTimeMs });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const pending: Map<SignalTable, object[]>[] = [];
  let insertSeconds = 0;
  let insertCpu = 0;
  let items = 0;
  let rows = 0;
  let inserts = 0;
  let messagesSeen = 0;
  const total = await kafkaMessageCount();
  const seen = new Map<number, number>();
  await new Promise<void>((resolve, reject) => {
    void consumer
      .run({
        autoCommit: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: async ({ batch }) => {
          // Pre-built rows for the whole fetch (off the clock), then inserted as ingest does: one
          // insert per partition range and table, `partitionsConsumedConcurrently` ranges at a time.
          const fresh = unseen(seen, batch.partition, batch.messages);
          if (fresh.length === 0) return;
          const result = processBatch(toMessages({ ...batch, messages: fresh }), options);
          pending.push(result.rows);
          items += itemsOf(result);
          messagesSeen += fresh.length;
          if (pending.length >= settings.partitionsConsumedConcurrently || messagesSeen >= total) {
            const ranges = pending.splice(0);
            const started = process.hrtime.bigint();
            const cpu = process.cpuUsage();
            await Promise.all(
              ranges.map(async (range, k) => {
                for (const [table, tableRows] of range) await store.insert(table, tableRows, { dedupToken: `floor-${inserts}-${k}` });
              }),
            );
            insertSeconds += seconds(started);
            const used = process.cpuUsage(cpu);
            insertCpu += (used.user + used.system) / 1e6;
            for (const range of ranges) for (const tableRows of range.values()) (rows += tableRows.length, inserts++);
          }
          if (messagesSeen >= total) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  const stored = await countRows(store);
  if (stored !== rows) throw new Error(`insert-only floor stored ${stored} rows, expected ${rows}`);
  const rowsPerInsert = rows / inserts;
  const insertOnly = { itemsPerSecond: items / insertSeconds, seconds: insertSeconds, rowsPerInsert, cpuMicrosPerItem: (insertCpu * 1e6) / items };

  // The storage limit: the same rows, from an in-memory copy (off the clock), into a fresh database
  // with every table and view, in blocks of the size ingest inserts.
  const limit = new ChdbStore(path.join(work, "floor-chdb"), "bench_limit");
  await migrate(limit);
  let limitSeconds = 0;
  let limitCpu = 0;
  for (const table of spec.tables) {
    await store.exec(`CREATE TABLE {{db}}.${table}_memory ENGINE = Memory AS SELECT * FROM {{db}}.${table}`);
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const block = Math.max(1000, Math.round(rowsPerInsert));
    await limit.exec(`INSERT INTO {{db}}.${table} SELECT * FROM bench_floor.${table}_memory SETTINGS max_block_size = ${block}, min_insert_block_size_rows = ${block}, min_insert_block_size_bytes = 0, max_threads = 1`);
    limitSeconds += seconds(started);
    const used = process.cpuUsage(cpu);
    limitCpu += (used.user + used.system) / 1e6;
    await store.exec(`DROP TABLE {{db}}.${table}_memory`);
  }
  const copied = await countRows(limit);
  if (copied !== rows) throw new Error(`storage-limit floor stored ${copied} rows, expected ${rows}`);
  await limit.exec("DROP DATABASE {{db}}");
  await store.exec("DROP DATABASE {{db}}");
  await limit.close();
  await store.close();
  await drainPending();
  return { insertOnly, storageLimit: { itemsPerSecond: items / limitSeconds, seconds: limitSeconds, cpuMicrosPerItem: (limitCpu * 1e6) / items } };
}

async function countRows(store: ChdbStore): Promise<number> {
  let total = 0;
  for (const table of spec.tables) total += Number((await store.query<{ n: string }>(`SELECT count() AS n FROM {{db}}.${table}`))[0]!.n);
  return total;
}

async function kafkaMessageCount(): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  return offsets.reduce((sum, { high }) => sum + Number(high), 0);
}

// ---------- 6. end-to-end with Braid as its own process, 7. latency (and soak), 8. restart ----------

interface RangeTiming {
  at: bigint;
  messages: number;
  rows: number;
  decodeMs: number;
  planMs: number;
  insertMs: number;
  deadLettersAndCommitMs: number;
}

interface BraidRun {
  pid: number;
  startedAt: bigint;
  /** Timings of the ranges stored so far (debug log lines of ingest/partition-worker.ts). */
  ranges: RangeTiming[];
  /** CPU seconds (user + system, all threads) the process has used so far. */
  cpuSeconds(): number;
  /** When the consumer of the benchmark's signal joined, and when all four had. */
  joinedAt: Promise<bigint>;
  allJoinedAt: Promise<bigint>;
  exited: Promise<number | null>;
  rss(): number;
  peakRss(): number;
  stop(): Promise<number | null>;
}

const signalOfLog: Record<BenchSignal, string> = { traces: "traces", logs: "logs", metrics: "metrics", app_logs: "app_logs" };

function startBraid(profile = args.profile): BraidRun {
  const configFile = path.join(work, "braid.json");
  writeFileSync(configFile, JSON.stringify(config));
  const profiling = profile ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(profile)}`] : [];
  const startedAt = process.hrtime.bigint();
  const child = spawn(process.execPath, [...profiling, "--import", "tsx", path.join(repoRoot, "bin/braid.ts"), "serve"], { cwd: repoRoot, env: { ...process.env, BRAID_CONFIG: configFile, NODE_OPTIONS: [process.env.NODE_OPTIONS, process.env.BENCH_BRAID_NODE_OPTIONS].filter(Boolean).join(" ") }, stdio: ["ignore", "pipe", "inherit"] });
  const ranges: RangeTiming[] = [];
  let partial = "";
  let resolveJoined: (at: bigint) => void;
  let resolveAllJoined: (at: bigint) => void;
  const joinedAt = new Promise<bigint>((resolve) => (resolveJoined = resolve));
  const allJoinedAt = new Promise<bigint>((resolve) => (resolveAllJoined = resolve));
  const joined = new Set<string>();
  child.stdout!.on("data", (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (line.includes('"range stored and committed"')) ranges.push({ at: process.hrtime.bigint(), ...(JSON.parse(line) as Omit<RangeTiming, "at">) });
      else if (line.includes('"joined consumer group"')) {
        const joinedSignal = /"signal":"(\w+)"/.exec(line)?.[1];
        if (!joinedSignal) continue;
        joined.add(joinedSignal);
        if (joinedSignal === signalOfLog[signal]) resolveJoined(process.hrtime.bigint());
        if (joined.size === 4) resolveAllJoined(process.hrtime.bigint());
      } else if (/"level":(40|50|60)/.test(line)) console.log(`  braid: ${line.slice(0, 300)}`);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const status = (field: string) => {
    try {
      const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
      return match ? Number(match[1]) * 1024 : 0;
    } catch {
      return 0;
    }
  };
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, status("VmRSS"))), 100);
  void exited.then(() => clearInterval(sampler));
  return {
    pid: child.pid!,
    startedAt,
    ranges,
    cpuSeconds: () => processCpuSeconds(child.pid!),
    joinedAt,
    allJoinedAt,
    exited,
    rss: () => status("VmRSS"),
    peakRss: () => Math.max(peak, status("VmHWM")),
    stop: async () => {
      peak = Math.max(peak, status("VmHWM"));
      child.kill("SIGTERM");
      return exited;
    },
  };
}

async function committedOffsets(admin: Admin): Promise<Map<number, number>> {
  const [answer] = await admin.fetchOffsets({ groupId: config.kafka.groupId, topics: [topic] });
  return new Map((answer?.partitions ?? []).map(({ partition, offset }) => [partition, offset === "-1" ? 0 : Number(offset)]));
}

async function endToEnd(admin: Admin, produced: Produced, braid: BraidRun): Promise<Rate & { peakRss: number; threads: [string, number][] }> {
  const joined = await braid.joinedAt;
  const cpuAtJoin = braid.cpuSeconds();
  const threadsAtJoin = threadCpuSeconds(braid.pid);
  const target = new Map([...produced.itemsAt].map(([p, list]) => [p, list.length]));
  let peak = 0;
  for (;;) {
    peak = Math.max(peak, braid.rss());
    const committed = await committedOffsets(admin);
    if ([...target].every(([p, n]) => (committed.get(p) ?? 0) >= n)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const elapsed = seconds(joined);
  const cpuMicrosPerItem = ((braid.cpuSeconds() - cpuAtJoin) * 1e6) / produced.items;
  const threads = threadBreakdown(threadsAtJoin, threadCpuSeconds(braid.pid), produced.items);
  return { itemsPerSecond: produced.items / elapsed, seconds: elapsed, peakRss: Math.max(peak, braid.peakRss()), cpuMicrosPerItem, threads };
}

interface SoakSample {
  minute: number;
  rssMiB: number;
  lag: number;
  insertP50Ms: number;
  insertMaxMs: number;
  latencyP99Ms: number;
  loadAverage: number;
}

interface Steady {
  p50: number;
  p99: number;
  max: number;
  messages: number;
  items: number;
  rate: number;
  peakRss: number;
  ranges: string;
  soak: SoakSample[];
}

const quantile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/** The steady rate: latencies after the warm-up; with --soak, `soakMinutes` more, sampled every 10 s. */
async function steadyLatency(admin: Admin, produced: Produced, braid: BraidRun): Promise<Steady> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const generator = signalLoad(signal, 11);
  const messagesPerSecond = steadyRate / spec.steadyItems;
  const sentAt = new Map<string, bigint>(); // "partition/offset" → produce time
  const latencies: number[] = [];
  let window: number[] = [];
  let stop = false;
  let items = 0;
  let peak = 0;
  const high = new Map<number, number>();
  let soakStarted: bigint | undefined;
  // The poller: a message is queryable once its offset is committed.
  const next = new Map([...produced.itemsAt].map(([p, list]) => [p, list.length]));
  const poller = (async () => {
    while (!stop || sentAt.size > 0) {
      const now = process.hrtime.bigint();
      peak = Math.max(peak, braid.rss());
      const committed = await committedOffsets(admin);
      for (const [partition, offset] of committed) {
        for (let o = next.get(partition) ?? 0; o < offset; o++) {
          const key = `${partition}/${o}`;
          const at = sentAt.get(key);
          if (at !== undefined) {
            const ms = Number(now - at) / 1e6;
            if (soakStarted === undefined) latencies.push(ms);
            window.push(ms);
            sentAt.delete(key);
          }
        }
        next.set(partition, Math.max(next.get(partition) ?? 0, offset));
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  const started = process.hrtime.bigint();
  const measuredFrom = started + BigInt(Math.round(warmupSeconds * 1e9));
  const soak: SoakSample[] = [];
  let nextSample = 0;
  const totalSeconds = warmupSeconds + steadySeconds + soakMinutes * 60;
  // Every 20 ms (or less often at low rates), the messages due by then in one produce call, spread
  // over the partitions.
  const tickMs = Math.max(20, 1000 / messagesPerSecond);
  let sent = 0;
  for (let tick = 1; seconds(started) < totalSeconds; tick++) {
    const due = started + BigInt(Math.round(tick * tickMs * 1e6));
    const wait = Number(due - process.hrtime.bigint()) / 1e6;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const count = Math.floor(((tick * tickMs) / 1000) * messagesPerSecond) - sent;
    if (count <= 0) continue;
    const batch = Array.from({ length: count }, (_, k) => ({ partition: (sent + k) % partitions, message: generator.message(spec.steadyItems) }));
    sent += count;
    const at = process.hrtime.bigint();
    const answers = await producer.send({ topic, acks: -1, messages: batch.map(({ partition, message }) => ({ partition, value: message.value })) });
    const measuring = seconds(started, at) >= warmupSeconds;
    for (const answer of answers) {
      const base = Number(answer.baseOffset);
      const ofPartition = batch.filter((b) => b.partition === answer.partition);
      high.set(answer.partition, base + ofPartition.length);
      if (measuring) ofPartition.forEach((_, k) => sentAt.set(`${answer.partition}/${base + k}`, at));
    }
    for (const { message } of batch) items += message.items;
    if (soakMinutes > 0 && soakStarted === undefined && seconds(started) >= warmupSeconds + steadySeconds) soakStarted = process.hrtime.bigint();
    if (soakStarted !== undefined && seconds(soakStarted) >= nextSample) {
      const since = soakStarted + BigInt(Math.round((nextSample - 10) * 1e9));
      const inserts = braid.ranges.filter((r) => r.at >= since).map((r) => r.insertMs).sort((a, b) => a - b);
      const committed = await committedOffsets(admin);
      const lag = [...high].reduce((sum, [p, h]) => sum + Math.max(0, h - (committed.get(p) ?? 0)), 0);
      const sorted = window.sort((a, b) => a - b);
      soak.push({ minute: nextSample / 60, rssMiB: Math.round(braid.rss() / 2 ** 20), lag, insertP50Ms: quantile(inserts, 0.5), insertMaxMs: inserts[inserts.length - 1] ?? 0, latencyP99Ms: Math.round(quantile(sorted, 0.99)), loadAverage: Number(loadAverage().toFixed(1)) });
      window = [];
      nextSample += 10;
    }
  }
  const elapsed = seconds(started);
  stop = true;
  await poller;
  await producer.disconnect();
  latencies.sort((a, b) => a - b);
  const measured = braid.ranges.filter((range) => range.at >= measuredFrom && (soakStarted === undefined || range.at < soakStarted));
  const parts = ["decodeMs", "planMs", "insertMs", "deadLettersAndCommitMs"] as const;
  const summary = parts.map((part) => {
    const values = measured.map((range) => range[part]).sort((a, b) => a - b);
    return `${part.replace("Ms", "")} p50 ${quantile(values, 0.5)} / p99 ${quantile(values, 0.99)} ms`;
  });
  const ranges = `${measured.length} ranges, ${(measured.reduce((n, r) => n + r.messages, 0) / Math.max(1, measured.length)).toFixed(1)} messages each; ${summary.join(", ")}`;
  log(`ranges stored during the latency phase: ${ranges}`);
  return { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: latencies[latencies.length - 1] ?? 0, messages: latencies.length, items, rate: items / elapsed, peakRss: peak, ranges, soak };
}

/** Within-run trend of a soak series: the mean of its last third over the mean of its first third. */
function trend(samples: readonly SoakSample[], field: "rssMiB" | "lag" | "insertP50Ms" | "latencyP99Ms"): number {
  const third = Math.max(1, Math.floor(samples.length / 3));
  const mean = (list: readonly SoakSample[]) => list.reduce((sum, s) => sum + s[field], 0) / Math.max(1, list.length);
  const first = mean(samples.slice(0, third));
  return first === 0 ? (mean(samples.slice(-third)) === 0 ? 1 : Infinity) : mean(samples.slice(-third)) / first;
}

async function storedItems(): Promise<{ rows: number; distinct: number }> {
  const store = new ChdbStore(config.store.chdbPath, config.store.database);
  try {
    let rows = 0;
    let distinct = 0;
    for (const table of spec.tables) {
      const [row] = await store.query<{ rows: string; distinct: string }>(`SELECT count() AS rows, ${spec.distinct} AS distinct FROM {{db}}.${table}`);
      rows += Number(row!.rows);
      distinct += Number(row!.distinct);
    }
    return { rows, distinct };
  } finally {
    await store.close();
    await drainPending();
  }
}

// ---------- run ----------

/**
 * The profiles `--cpu-prof` wrote for the ingest process, one per thread (V8 names them
 * CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile), summarized; the items are all it processed.
 */
function profilesOf(pid: number, items: number): (ProfileSummary & { file: string; busyMicrosPerItem: number })[] {
  const dir = path.resolve(args.profile!);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile") && f.split(".")[3] === String(pid))
    .sort()
    .map((file) => {
      const summary = summarizeCpuProfile(readCpuProfile(path.join(dir, file)), 20);
      return { file, ...summary, busyMicrosPerItem: Number(((summary.busyMs * 1000) / items).toFixed(1)) };
    });
}

async function main(): Promise<void> {
  const cpus = os.cpus().length;
  log(`${fmt(totalItems)} ${unit} (${signal}), ${partitions} partitions, ${cpus} CPUs, load average ${os.loadavg().map((n) => n.toFixed(1)).join(" ")}`);
  const admin = kafka.admin();
  await admin.connect();
  const loads: Record<string, number> = {};
  try {
    const produced = await produce();
    loads.consumeOnly = loadAverage();
    const consume = await consumeOnly(produced);
    log(`consume-only: ${fmt(consume.itemsPerSecond)} ${unit}/s (${consume.seconds.toFixed(1)} s, ${consume.cpuMicrosPerItem!.toFixed(1)} µs of CPU per item)`);
    loads.decode = loadAverage();
    const decode = await consumeAndDecode(produced);
    log(`consume + decode (Braid's decode and normalize, no insert): ${fmt(decode.itemsPerSecond)} ${unit}/s (${decode.seconds.toFixed(1)} s, ${decode.cpuMicrosPerItem!.toFixed(1)} µs of CPU per item)`);
    const peer = await collectorPeer(produced);
    if (peer) log(`OpenTelemetry Collector kafka receiver → nop: ${fmt(peer.itemsPerSecond)} ${unit}/s (${peer.seconds.toFixed(1)} s, ${peer.cpuMicrosPerItem!.toFixed(1)} µs of CPU per item)`);
    loads.floors = loadAverage();
    const floors = await insertFloors();
    log(`insert-only: ${fmt(floors.insertOnly.itemsPerSecond)} ${unit}/s (${floors.insertOnly.seconds.toFixed(1)} s of inserts, ${fmt(floors.insertOnly.rowsPerInsert)} rows per insert, ${floors.insertOnly.cpuMicrosPerItem!.toFixed(1)} µs of CPU per item)`);
    log(`storage limit (INSERT … SELECT in the store): ${fmt(floors.storageLimit.itemsPerSecond)} ${unit}/s (${floors.storageLimit.seconds.toFixed(1)} s, ${floors.storageLimit.cpuMicrosPerItem!.toFixed(1)} µs of CPU per item)`);
    loads.endToEnd = loadAverage();
    const braid = startBraid();
    const e2e = await endToEnd(admin, produced, braid);
    log(`end-to-end: ${fmt(e2e.itemsPerSecond)} ${unit}/s (${e2e.seconds.toFixed(1)} s), ${e2e.cpuMicrosPerItem!.toFixed(1)} µs of CPU per item, peak RSS ${(e2e.peakRss / 2 ** 20).toFixed(0)} MiB`);
    log(`end-to-end CPU by thread, µs per item: ${e2e.threads.map(([name, us]) => `${name} ${us.toFixed(1)}`).join(", ")}`);
    if (args["steady-rate"] === "auto") steadyRate = Math.max(spec.steadyItems * 4, Math.round(e2e.itemsPerSecond / 2 / 100) * 100);
    loads.latency = loadAverage();
    const steady = await steadyLatency(admin, produced, braid);
    log(`steady ${fmt(steady.rate)} ${unit}/s: p50 ${steady.p50.toFixed(0)} ms, p99 ${steady.p99.toFixed(0)} ms, max ${steady.max.toFixed(0)} ms over ${steady.messages} messages; peak RSS ${(steady.peakRss / 2 ** 20).toFixed(0)} MiB`);
    const peakRss = braid.peakRss();
    const stopAt = process.hrtime.bigint();
    const exitCode = await braid.stop();
    const stopSeconds = seconds(stopAt);
    // Restart on the same directory: how long until all four consumers are members again.
    const again = startBraid(undefined);
    const rejoinSeconds = seconds(again.startedAt, await again.allJoinedAt);
    const secondExit = await again.stop();
    const expected = produced.items + steady.items;
    const profiles = args.profile ? profilesOf(braid.pid, expected) : [];
    const stored = await storedItems();
    const ratio = (a: Rate, b: Rate) => Number((a.itemsPerSecond / b.itemsPerSecond).toFixed(2));
    const results = {
      at: new Date().toISOString(),
      signal,
      unit,
      machine: { cpus, cpu: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), loadAverage: loads },
      items: produced.items,
      messages: produced.messages,
      bytesPerItem: Math.round(produced.bytes / produced.items),
      partitions,
      endToEndPerSecond: Math.round(e2e.itemsPerSecond),
      consumeOnlyPerSecond: Math.round(consume.itemsPerSecond),
      consumeAndDecodePerSecond: Math.round(decode.itemsPerSecond),
      consumeAndDecodeCpuMicrosPerItem: Number(decode.cpuMicrosPerItem!.toFixed(1)),
      insertOnlyPerSecond: Math.round(floors.insertOnly.itemsPerSecond),
      insertOnlyCpuMicrosPerItem: Number(floors.insertOnly.cpuMicrosPerItem!.toFixed(1)),
      rowsPerInsert: Math.round(floors.insertOnly.rowsPerInsert),
      storageLimitPerSecond: Math.round(floors.storageLimit.itemsPerSecond),
      storageLimitCpuMicrosPerItem: Number(floors.storageLimit.cpuMicrosPerItem!.toFixed(1)),
      collectorPeerPerSecond: peer ? Math.round(peer.itemsPerSecond) : null,
      collectorPeerCpuMicrosPerItem: peer ? Number(peer.cpuMicrosPerItem!.toFixed(1)) : null,
      ratioEndToEndToStorageLimit: ratio(e2e, floors.storageLimit),
      ratioEndToEndToInsertOnly: ratio(e2e, floors.insertOnly),
      ratioEndToEndToConsumeOnly: ratio(e2e, consume),
      ratioDecodeToCollector: peer ? ratio(decode, peer) : null,
      endToEndCpuMicrosPerItem: Number(e2e.cpuMicrosPerItem!.toFixed(1)),
      endToEndCpuByThread: Object.fromEntries(e2e.threads.map(([name, us]) => [name, Number(us.toFixed(1))])),
      peakRssMiB: Math.round(peakRss / 2 ** 20),
      peakRssBacklogMiB: Math.round(e2e.peakRss / 2 ** 20),
      steadyPerSecond: Math.round(steady.rate),
      latencyP50Ms: Math.round(steady.p50),
      latencyP99Ms: Math.round(steady.p99),
      latencyMaxMs: Math.round(steady.max),
      latencyRanges: steady.ranges,
      shutdownSeconds: Number(stopSeconds.toFixed(2)),
      rejoinSeconds: Number(rejoinSeconds.toFixed(2)),
      soak: steady.soak,
      soakTrend: steady.soak.length >= 3 ? { rss: trend(steady.soak, "rssMiB"), lag: trend(steady.soak, "lag"), insertP50: trend(steady.soak, "insertP50Ms"), latencyP99: trend(steady.soak, "latencyP99Ms") } : null,
      storedExactlyOnce: stored.rows === expected && stored.distinct === expected,
      stored,
      expected,
      braidExitCodes: [exitCode, secondExit],
      profiles,
    };
    const per = `${unit}/s`;
    console.log(`\nIngest benchmark, ${signal} (Kafka → Braid ingest → embedded chDB); load average ${Object.entries(loads).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(", ")}`);
    console.table({
      "end-to-end (produced → queryable)": `${fmt(results.endToEndPerSecond)} ${per}, ${results.endToEndCpuMicrosPerItem} µs of CPU per item`,
      "floor: consume-only (kafkajs, no decoding)": `${fmt(results.consumeOnlyPerSecond)} ${per}, ${consume.cpuMicrosPerItem!.toFixed(1)} µs of CPU per item`,
      "floor: insert-only (pre-built rows → store)": `${fmt(results.insertOnlyPerSecond)} ${per}, ${results.insertOnlyCpuMicrosPerItem} µs of CPU per item (${fmt(results.rowsPerInsert)} rows per insert)`,
      "floor: storage limit (INSERT … SELECT in the store)": `${fmt(results.storageLimitPerSecond)} ${per}, ${results.storageLimitCpuMicrosPerItem} µs of CPU per item`,
      "ratio end-to-end / storage limit": `${results.ratioEndToEndToStorageLimit}`,
      "ratio end-to-end / insert-only": `${results.ratioEndToEndToInsertOnly}`,
      "consume + decode (Braid's decode and normalize, no insert)": `${fmt(results.consumeAndDecodePerSecond)} ${per}, ${results.consumeAndDecodeCpuMicrosPerItem} µs of CPU per item`,
      "peer: OpenTelemetry Collector kafka receiver → nop": peer ? `${fmt(results.collectorPeerPerSecond!)} ${per}, ${results.collectorPeerCpuMicrosPerItem} µs of CPU per item` : "skipped",
      "ratio Braid decode / Collector": peer ? `${results.ratioDecodeToCollector} (rate); CPU per item ${(decode.cpuMicrosPerItem! / peer.cpuMicrosPerItem!).toFixed(1)}× the Collector's` : "n/a",
      "peak RSS of the ingest process": `${results.peakRssBacklogMiB} MiB in the backlog, ${results.peakRssMiB} MiB overall`,
      [`latency at a steady ${fmt(results.steadyPerSecond)} ${per}`]: `p50 ${results.latencyP50Ms} ms, p99 ${results.latencyP99Ms} ms, max ${results.latencyMaxMs} ms`,
      "shutdown (SIGTERM → exit), restart (start → four consumers joined)": `${results.shutdownSeconds} s, ${results.rejoinSeconds} s`,
      "stored exactly once": `${results.storedExactlyOnce} (${fmt(stored.rows)} rows, ${fmt(stored.distinct)} distinct, ${fmt(expected)} produced)`,
    });
    if (steady.soak.length > 0) {
      console.log(`\nSoak: ${soakMinutes} minutes at ${fmt(steadyRate)} ${per}, sampled every 10 s (trend = mean of the last third / mean of the first third)`);
      console.table(steady.soak.map((s) => ({ minute: s.minute.toFixed(1), "RSS MiB": s.rssMiB, "lag (messages)": s.lag, "insert p50 ms": s.insertP50Ms, "insert max ms": s.insertMaxMs, "produce→queryable p99 ms": s.latencyP99Ms, load: s.loadAverage })));
      console.log("trend:", results.soakTrend);
    }
    for (const profile of profiles) {
      console.log(`\nCPU profile ${profile.file}: busy ${fmt(profile.busyMs)} ms of ${fmt(profile.wallMs)} ms, ${profile.busyMicrosPerItem} µs per item (all phases); self time by package, then by function:`);
      console.table(Object.fromEntries(profile.packages.map((p) => [p.name, `${(p.share * 100).toFixed(1)}%`])));
      console.table(Object.fromEntries(profile.functions.map((f) => [f.name, `${(f.share * 100).toFixed(1)}%`])));
    }
    mkdirSync(path.join(repoRoot, "bench/results"), { recursive: true });
    const file = path.join(repoRoot, "bench/results", `ingest-${signal}-${results.at.replace(/[:.]/g, "-")}.json`);
    writeFileSync(file, JSON.stringify(results, null, 2));
    log(`results written to ${path.relative(repoRoot, file)}`);
    if (!results.storedExactlyOnce || exitCode !== 0 || secondExit !== 0) process.exitCode = 1;
  } finally {
    await admin.deleteTopics({ topics: [...new Set(benchSignals.map(topicOf)), config.kafka.deadLetterTopic] }).catch(() => {});
    await admin.disconnect();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
