// Ingest throughput and latency benchmark (not a test), against the real Kafka and embedded chDB:
//
//   npm run bench:ingest                       # 1M spans (about 4 minutes on 2 cores)
//   npm run bench:ingest -- --spans 2000000 --steady-rate 20000 --steady-seconds 30
//   npm run bench:ingest -- --profile /tmp/prof   # V8 CPU profile of the ingest process
//
// 1. produces N spans to a fresh topic: OTLP protobuf, 200–512 spans per message as the Go SDK's
//    batch span processor exports them, varied attributes (bench/ingest-load.ts);
// 2. floor "consume-only": a kafkajs group reads the topic, same fetch settings as ingest, no decoding;
// 3. "consume + decode": a kafkajs group reads the topic and runs Braid's decode and normalize
//    (ingest/batch.ts processBatch) on every fetch, no insert: Braid's decode rate;
//    peer: the real OpenTelemetry Collector (scripts/build-collector.sh) reads the same topic with
//    its kafka receiver into the nop exporter, in the same run: its rate is the peer of Braid's decode rate;
// 4. floor "insert-only": the store inserts the same spans as pre-built rows (decoded and normalized
//    beforehand, off the clock), in ranges of the size ingest inserts, as concurrently as ingest does;
// 5. end-to-end: Braid (bin/braid.ts, roles=ingest, own chDB directory) ingests the backlog; time
//    from its joining the group until every offset is committed (a range is committed after its
//    insert returned, so committed means queryable); its RSS is sampled from /proc;
// 6. latency: the same process, caught up, gets a steady moderate rate (a quarter of its measured
//    rate); after a warm-up, per message, the time from the produce call to the first poll (every
//    50 ms) that sees its offset committed;
// then stops Braid with SIGTERM and checks that its store holds every span exactly once.
// Prints one table and writes it as JSON to bench/results/.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
import { ChdbStore, migrate } from "../store/index.js";
import { collectorTelemetry, requireCollectorBuild, startCollector, sumSamples, writeCollectorConfig } from "../scripts/lib/otelcol.js";
import { freePortOr } from "../scripts/lib/ports.js";
import { loadGenerator, seededRandom } from "./ingest-load.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values: args } = parseArgs({
  options: {
    spans: { type: "string", default: "1000000" },
    partitions: { type: "string", default: "4" },
    /** Spans per second of the latency phase; "auto" is a quarter of the measured end-to-end rate. */
    "steady-rate": { type: "string", default: "auto" },
    "steady-seconds": { type: "string", default: "45" },
    /** Seconds of the steady rate before latencies are recorded (the backlog's merges settle). */
    "warmup-seconds": { type: "string", default: "15" },
    brokers: { type: "string", default: process.env.BRAID_KAFKA_BROKERS ?? "127.0.0.1:9092" },
    /** Writes a V8 CPU profile of the ingest process to this directory (open it in Chrome DevTools). */
    profile: { type: "string" },
  },
});
const totalSpans = Number(args.spans);
const partitions = Number(args.partitions);
let steadyRate = Number(args["steady-rate"]);
const steadySeconds = Number(args["steady-seconds"]);
const warmupSeconds = Number(args["warmup-seconds"]);
const suffix = `${Date.now().toString(36)}_${process.pid}`;
const topic = `bench_spans_${suffix}`;
const work = mkdtempSync(path.join(os.tmpdir(), "braid-bench-ingest-"));
const log = (...parts: unknown[]) => console.log(`[bench:ingest ${new Date().toISOString().slice(11, 19)}]`, ...parts);
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const seconds = (from: bigint, to = process.hrtime.bigint()) => Number(to - from) / 1e9;

const config = BraidConfig.parse({
  roles: ["ingest"],
  kafka: {
    brokers: args.brokers,
    groupId: `bench_ingest_${suffix}`,
    partitions,
    traces: { topic, encoding: "otlp_proto" },
    metrics: { topic: `bench_metrics_${suffix}`, encoding: "otlp_proto" },
    logs: { topic: `bench_logs_${suffix}`, encoding: "otlp_proto" },
    appLogs: { topic: `bench_app_logs_${suffix}`, encoding: "app_log" },
    deadLetterTopic: `bench_dlq_${suffix}`,
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
  spans: number;
  bytes: number;
  /** Spans of each message, by partition and offset (offsets are 0.. in a fresh topic). */
  spansAt: Map<number, number[]>;
}

async function produce(admin: Admin): Promise<Produced> {
  await ensureTopics(kafka, [topic], partitions, 1);
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  const generator = loadGenerator(7);
  const random = seededRandom(3);
  const produced: Produced = { messages: 0, spans: 0, bytes: 0, spansAt: new Map(Array.from({ length: partitions }, (_, p) => [p, []])) };
  const started = process.hrtime.bigint();
  let generating = 0;
  const inFlight: Promise<void>[] = [];
  for (let call = 0; produced.spans < totalSpans; call++) {
    // 4 messages per produce call (one record batch), one call in flight per partition.
    const partition = call % partitions;
    const batch: { value: Buffer; spans: number }[] = [];
    const g0 = process.hrtime.bigint();
    for (let k = 0; k < 4 && produced.spans < totalSpans; k++) {
      const spans = Math.min(totalSpans - produced.spans, 200 + Math.floor(random() * 313));
      batch.push({ value: generator.message(spans), spans });
      produced.spans += spans;
      produced.bytes += batch[k]!.value.length;
    }
    generating += seconds(g0);
    produced.messages += batch.length;
    inFlight.push(
      producer.send({ topic, acks: -1, messages: batch.map((message) => ({ partition, value: message.value })) }).then(([meta]) => {
        const perOffset = produced.spansAt.get(partition)!;
        batch.forEach((message, k) => (perOffset[Number(meta!.baseOffset) + k] = message.spans));
      }),
    );
    if (inFlight.length >= partitions) await Promise.all(inFlight.splice(0));
  }
  await Promise.all(inFlight);
  await producer.disconnect();
  log(`produced ${fmt(produced.spans)} spans in ${fmt(produced.messages)} messages (${(produced.bytes / 1e6).toFixed(0)} MB, ${fmt(produced.bytes / produced.spans)} B/span) in ${seconds(started).toFixed(1)} s (${generating.toFixed(1)} s generating)`);
  return produced;
}

// ---------- 2. consume-only floor ----------

async function consumeOnly(produced: Produced): Promise<{ spansPerSecond: number; seconds: number }> {
  const consumer = kafka.consumer({ groupId: `bench_consume_only_${suffix}`, maxBytesPerPartition: settings.maxBytesPerPartition, maxBytes: settings.maxBytes, maxWaitTimeInMs: settings.maxWaitTimeMs, sessionTimeout: settings.sessionTimeoutMs });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let messages = 0;
  let spans = 0;
  let first: bigint | undefined;
  let last = 0n;
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: settings.partitionsConsumedConcurrently,
      eachBatch: async ({ batch }) => {
        first ??= process.hrtime.bigint();
        const perMessage = produced.spansAt.get(batch.partition)!;
        for (const message of batch.messages) spans += perMessage[Number(message.offset)]!;
        messages += batch.messages.length;
        last = process.hrtime.bigint();
        if (messages >= produced.messages) resolve();
      },
    });
  });
  await done;
  await consumer.disconnect();
  const elapsed = seconds(first!, last);
  return { spansPerSecond: spans / elapsed, seconds: elapsed };
}

// ---------- 3. consume + decode, and the OpenTelemetry Collector as a peer ----------

const batchOptions = (): BatchOptions => ({ routes: settings.routes, tenancy: settings.tenancy, limits: settings.limits, maxMessageBytes: settings.maxMessageBytes, stats: newNormalizeStats() });

/** kafkajs with ingest's fetch settings, and Braid's decode and normalize of every fetch; no insert. */
async function consumeAndDecode(produced: Produced): Promise<{ spansPerSecond: number; seconds: number; cpuMicrosPerSpan: number }> {
  const consumer = kafka.consumer({ groupId: `bench_decode_${suffix}`, maxBytesPerPartition: settings.maxBytesPerPartition, maxBytes: settings.maxBytes, maxWaitTimeInMs: settings.maxWaitTimeMs, sessionTimeout: settings.sessionTimeoutMs });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const options = batchOptions();
  let messages = 0;
  let spans = 0;
  let first: bigint | undefined;
  let cpuAtFirst: NodeJS.CpuUsage | undefined;
  let last = 0n;
  let cpu: NodeJS.CpuUsage = { user: 0, system: 0 };
  await new Promise<void>((resolve, reject) => {
    void consumer
      .run({
        autoCommit: false,
        partitionsConsumedConcurrently: settings.partitionsConsumedConcurrently,
        eachBatch: async ({ batch }) => {
          first ??= process.hrtime.bigint();
          cpuAtFirst ??= process.cpuUsage();
          const batchMessages: IngestMessage[] = batch.messages.map((m) => ({ topic: batch.topic, partition: batch.partition, offset: m.offset, key: null, value: m.value, headers: {}, timestamp: m.timestamp }));
          spans += processBatch(batchMessages, options).rows.get("otel_traces")?.length ?? 0;
          messages += batch.messages.length;
          last = process.hrtime.bigint();
          if (messages >= produced.messages) (cpu = process.cpuUsage(cpuAtFirst), resolve());
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  if (spans !== produced.spans) throw new Error(`consume + decode produced ${spans} span rows, expected ${produced.spans}`);
  return { spansPerSecond: spans / seconds(first!, last), seconds: seconds(first!, last), cpuMicrosPerSpan: ((cpu.user + cpu.system) / spans) };
}

/** CPU seconds (user + system) a process has used, from /proc. */
function processCpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ
  } catch {
    return 0;
  }
}

/**
 * The real Collector's kafka receiver (defaults, OTLP protobuf) into the nop exporter, reading the
 * same topic: from its first accepted spans to all of them (its own otelcol_receiver_accepted_spans,
 * polled every 50 ms). Undefined when set-up has not built the Collector.
 */
async function collectorPeer(produced: Produced): Promise<{ spansPerSecond: number; seconds: number; cpuMicrosPerSpan: number } | undefined> {
  try {
    requireCollectorBuild();
  } catch (error) {
    log(`Collector peer skipped: ${(error as Error).message}`);
    return undefined;
  }
  const metricsPort = await freePortOr(0);
  const file = path.join(work, "otelcol-peer.yaml");
  await writeCollectorConfig(file, {
    receivers: { kafka: { brokers: config.kafka.brokers, client_id: "bench-otelcol-peer", group_id: `bench_otelcol_${suffix}`, initial_offset: "earliest", traces: { topics: [topic], encoding: "otlp_proto" } } },
    exporters: { nop: {} },
    service: { telemetry: collectorTelemetry(metricsPort), pipelines: { traces: { receivers: ["kafka"], exporters: ["nop"] } } },
  });
  const collector = await startCollector(file, metricsPort);
  try {
    const pid = collector.child.pid!;
    let first: bigint | undefined;
    let cpuAtFirst = 0;
    const deadline = Date.now() + 30 * 60_000;
    for (;;) {
      const accepted = sumSamples(await collector.metrics(), "otelcol_receiver_accepted_spans", { receiver: "kafka" });
      const now = process.hrtime.bigint();
      if (accepted > 0 && first === undefined) (first = now, (cpuAtFirst = processCpuSeconds(pid)));
      if (accepted >= produced.spans) {
        const elapsed = seconds(first!, now);
        return { spansPerSecond: produced.spans / elapsed, seconds: elapsed, cpuMicrosPerSpan: ((processCpuSeconds(pid) - cpuAtFirst) * 1e6) / produced.spans };
      }
      if (Date.now() > deadline) throw new Error(`the Collector accepted ${accepted} of ${produced.spans} spans in 30 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await collector.stop();
  }
}

// ---------- 4. insert-only floor ----------

async function insertOnly(): Promise<{ spansPerSecond: number; seconds: number; rowsPerInsert: number; cpuMicrosPerSpan: number }> {
  const store = new ChdbStore(path.join(work, "floor-chdb"), "bench_floor");
  await migrate(store);
  const options = batchOptions();
  // Read the topic again and cut it into the ranges ingest would insert (one fetch per partition).
  const consumer = kafka.consumer({ groupId: `bench_insert_only_${suffix}`, maxBytesPerPartition: settings.maxBytesPerPartition, maxBytes: settings.maxBytes, maxWaitTimeInMs: settings.maxWaitTimeMs });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const pending: object[][] = [];
  let insertSeconds = 0;
  let insertCpu = 0;
  let spans = 0;
  let inserts = 0;
  let messagesSeen = 0;
  const total = await kafkaMessageCount();
  await new Promise<void>((resolve, reject) => {
    void consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch }) => {
        // Pre-built rows for the whole fetch (off the clock), then inserted as ingest does:
        // one insert per partition range, `partitionsConsumedConcurrently` at a time.
        const messages: IngestMessage[] = batch.messages.map((m) => ({ topic: batch.topic, partition: batch.partition, offset: m.offset, key: null, value: m.value, headers: {}, timestamp: m.timestamp }));
        const rows = processBatch(messages, options).rows.get("otel_traces") ?? [];
        pending.push(rows);
        messagesSeen += batch.messages.length;
        if (pending.length >= settings.partitionsConsumedConcurrently || messagesSeen >= total) {
          const ranges = pending.splice(0);
          const started = process.hrtime.bigint();
          const cpu = process.cpuUsage();
          await Promise.all(ranges.map((range, k) => store.insert("otel_traces", range, { dedupToken: `floor-${inserts}-${k}` })));
          insertSeconds += seconds(started);
          const used = process.cpuUsage(cpu);
          insertCpu += (used.user + used.system) / 1e6;
          for (const range of ranges) spans += range.length;
          inserts += ranges.length;
        }
        if (messagesSeen >= total) resolve();
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  const [count] = await store.query<{ n: string }>("SELECT count() AS n FROM {{db}}.otel_traces");
  if (Number(count!.n) !== spans) throw new Error(`insert-only floor stored ${count!.n} rows, expected ${spans}`);
  await store.close();
  await drainPending();
  return { spansPerSecond: spans / insertSeconds, seconds: insertSeconds, rowsPerInsert: spans / inserts, cpuMicrosPerSpan: (insertCpu * 1e6) / spans };
}
async function kafkaMessageCount(): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  return offsets.reduce((sum, { high }) => sum + Number(high), 0);
}

// ---------- 5 and 6. end-to-end with Braid as its own process, then latency ----------

interface RangeTiming {
  at: bigint;
  messages: number;
  decodeMs: number;
  planMs: number;
  insertMs: number;
  deadLettersAndCommitMs: number;
}

interface BraidRun {
  pid: number;
  /** Timings of the ranges stored so far (debug log lines of ingest/partition-worker.ts). */
  ranges: RangeTiming[];
  /** CPU seconds (user + system, all threads) the process has used so far. */
  cpuSeconds(): number;
  joinedAt: Promise<bigint>;
  exited: Promise<number | null>;
  rss(): number;
  peakRss(): number;
  stop(): Promise<number | null>;
}

function startBraid(): BraidRun {
  const configFile = path.join(work, "braid.json");
  writeFileSync(configFile, JSON.stringify(config));
  const profile = args.profile ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(args.profile)}`] : [];
  const child = spawn(process.execPath, [...profile, "--import", "tsx", path.join(repoRoot, "bin/braid.ts"), "serve"], { cwd: repoRoot, env: { ...process.env, BRAID_CONFIG: configFile, NODE_OPTIONS: [process.env.NODE_OPTIONS, process.env.BENCH_BRAID_NODE_OPTIONS].filter(Boolean).join(" ") }, stdio: ["ignore", "pipe", "inherit"] });
  const ranges: RangeTiming[] = [];
  let partial = "";
  let resolveJoined: (at: bigint) => void;
  const joinedAt = new Promise<bigint>((resolve) => (resolveJoined = resolve));
  child.stdout!.on("data", (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (line.includes('"range stored and committed"')) ranges.push({ at: process.hrtime.bigint(), ...(JSON.parse(line) as Omit<RangeTiming, "at">) });
      else if (line.includes('"joined consumer group"') && line.includes('"signal":"traces"')) resolveJoined(process.hrtime.bigint());
      else if (/"level":(40|50|60)/.test(line)) console.log(`  braid: ${line.slice(0, 300)}`);
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
  const ticks = 100; // USER_HZ
  return {
    pid: child.pid!,
    ranges,
    cpuSeconds: () => {
      try {
        const fields = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
        return (Number(fields[11]) + Number(fields[12])) / ticks;
      } catch {
        return 0;
      }
    },
    joinedAt,
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

async function committedTotal(admin: Admin): Promise<Map<number, number>> {
  const [answer] = await admin.fetchOffsets({ groupId: config.kafka.groupId, topics: [topic] });
  return new Map((answer?.partitions ?? []).map(({ partition, offset }) => [partition, offset === "-1" ? 0 : Number(offset)]));
}

async function endToEnd(admin: Admin, produced: Produced, braid: BraidRun): Promise<{ spansPerSecond: number; seconds: number; peakRss: number; cpuMicrosPerSpan: number }> {
  const joined = await braid.joinedAt;
  const cpuAtJoin = braid.cpuSeconds();
  const target = new Map([...produced.spansAt].map(([p, list]) => [p, list.length]));
  let peak = 0;
  for (;;) {
    peak = Math.max(peak, braid.rss());
    const committed = await committedTotal(admin);
    if ([...target].every(([p, n]) => (committed.get(p) ?? 0) >= n)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const elapsed = seconds(joined);
  const cpuMicrosPerSpan = ((braid.cpuSeconds() - cpuAtJoin) * 1e6) / produced.spans;
  return { spansPerSecond: produced.spans / elapsed, seconds: elapsed, peakRss: Math.max(peak, braid.peakRss()), cpuMicrosPerSpan };
}

async function steadyLatency(admin: Admin, produced: Produced, braid: BraidRun): Promise<{ p50: number; p99: number; max: number; messages: number; spans: number; rate: number; peakRss: number }> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const generator = loadGenerator(11);
  const spansPerMessage = 300;
  const messagesPerSecond = steadyRate / spansPerMessage;
  const sentAt = new Map<string, bigint>(); // "partition/offset" → produce time
  const latencies: number[] = [];
  let stop = false;
  let spans = 0;
  let peak = 0;
  // The poller: a message is queryable once its offset is committed.
  const next = new Map([...produced.spansAt].map(([p, list]) => [p, list.length]));
  const poller = (async () => {
    while (!stop || sentAt.size > 0) {
      const now = process.hrtime.bigint();
      peak = Math.max(peak, braid.rss());
      const committed = await committedTotal(admin);
      for (const [partition, offset] of committed) {
        for (let o = next.get(partition) ?? 0; o < offset; o++) {
          const key = `${partition}/${o}`;
          const at = sentAt.get(key);
          if (at !== undefined) {
            latencies.push(Number(now - at) / 1e6);
            sentAt.delete(key);
          }
        }
        next.set(partition, Math.max(next.get(partition) ?? 0, offset));
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  const started = process.hrtime.bigint();
  for (let k = 0; seconds(started) < warmupSeconds + steadySeconds; k++) {
    const due = started + BigInt(Math.round((k / messagesPerSecond) * 1e9));
    const wait = Number(due - process.hrtime.bigint()) / 1e6;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const value = generator.message(spansPerMessage);
    const partition = k % partitions;
    const at = process.hrtime.bigint();
    const [meta] = await producer.send({ topic, acks: -1, messages: [{ partition, value }] });
    if (seconds(started, at) >= warmupSeconds) sentAt.set(`${partition}/${meta!.baseOffset}`, at);
    spans += spansPerMessage;
  }
  const elapsed = seconds(started);
  const measuredFrom = started + BigInt(Math.round(warmupSeconds * 1e9));
  stop = true;
  await poller;
  await producer.disconnect();
  latencies.sort((a, b) => a - b);
  const quantile = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  const measured = braid.ranges.filter((range) => range.at >= measuredFrom);
  const parts = ["decodeMs", "planMs", "insertMs", "deadLettersAndCommitMs"] as const;
  const summary = parts.map((part) => {
    const values = measured.map((range) => range[part]).sort((a, b) => a - b);
    return `${part.replace("Ms", "")} p50 ${values[Math.floor(values.length / 2)] ?? 0} / p99 ${values[Math.floor(values.length * 0.99)] ?? 0} ms`;
  });
  log(`ranges stored during the latency phase: ${measured.length}, ${(measured.reduce((n, r) => n + r.messages, 0) / Math.max(1, measured.length)).toFixed(1)} messages each; ${summary.join(", ")}`);
  return { p50: quantile(0.5), p99: quantile(0.99), max: latencies[latencies.length - 1]!, messages: latencies.length, spans, rate: spans / elapsed, peakRss: peak };
}

// ---------- run ----------

async function main(): Promise<void> {
  log(`${fmt(totalSpans)} spans, ${partitions} partitions, ${os.cpus().length} CPUs, load average ${os.loadavg().map((n) => n.toFixed(1)).join(" ")}`);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const produced = await produce(admin);
    const consume = await consumeOnly(produced);
    log(`consume-only: ${fmt(consume.spansPerSecond)} spans/s (${consume.seconds.toFixed(1)} s)`);
    const decode = await consumeAndDecode(produced);
    log(`consume + decode (Braid's decode and normalize, no insert): ${fmt(decode.spansPerSecond)} spans/s (${decode.seconds.toFixed(1)} s, ${decode.cpuMicrosPerSpan.toFixed(1)} µs of CPU per span)`);
    const peer = await collectorPeer(produced);
    if (peer) log(`OpenTelemetry Collector kafka receiver → nop: ${fmt(peer.spansPerSecond)} spans/s (${peer.seconds.toFixed(1)} s, ${peer.cpuMicrosPerSpan.toFixed(1)} µs of CPU per span)`);
    const insert = await insertOnly();
    log(`insert-only: ${fmt(insert.spansPerSecond)} spans/s (${insert.seconds.toFixed(1)} s of inserts, ${fmt(insert.rowsPerInsert)} rows per insert, ${insert.cpuMicrosPerSpan.toFixed(0)} µs of CPU per span)`);
    const loadBefore = os.loadavg()[0]!;
    const braid = startBraid();
    const e2e = await endToEnd(admin, produced, braid);
    log(`end-to-end: ${fmt(e2e.spansPerSecond)} spans/s (${e2e.seconds.toFixed(1)} s), ${e2e.cpuMicrosPerSpan.toFixed(0)} µs of CPU per span, peak RSS ${(e2e.peakRss / 2 ** 20).toFixed(0)} MiB`);
    if (args["steady-rate"] === "auto") steadyRate = Math.max(1000, Math.round(e2e.spansPerSecond / 4 / 1000) * 1000);
    const latency = await steadyLatency(admin, produced, braid);
    log(`steady ${fmt(latency.rate)} spans/s: p50 ${latency.p50.toFixed(0)} ms, p99 ${latency.p99.toFixed(0)} ms, max ${latency.max.toFixed(0)} ms over ${latency.messages} messages; peak RSS ${(latency.peakRss / 2 ** 20).toFixed(0)} MiB`);
    const peakRss = braid.peakRss();
    const exitCode = await braid.stop();
    const expected = produced.spans + latency.spans;
    const stored = await (async () => {
      const store = new ChdbStore(config.store.chdbPath, config.store.database);
      try {
        const [row] = await store.query<{ rows: string; distinct: string }>("SELECT count() AS rows, uniqExact(TraceId, SpanId) AS distinct FROM {{db}}.otel_traces");
        return { rows: Number(row!.rows), distinct: Number(row!.distinct) };
      } finally {
        await store.close();
        await drainPending();
      }
    })();
    const floor = Math.min(consume.spansPerSecond, insert.spansPerSecond);
    const results = {
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), loadAverageAtEndToEnd: loadBefore },
      spans: produced.spans,
      messages: produced.messages,
      bytesPerSpan: Math.round(produced.bytes / produced.spans),
      partitions,
      endToEndSpansPerSecond: Math.round(e2e.spansPerSecond),
      consumeOnlySpansPerSecond: Math.round(consume.spansPerSecond),
      insertOnlySpansPerSecond: Math.round(insert.spansPerSecond),
      consumeAndDecodeSpansPerSecond: Math.round(decode.spansPerSecond),
      consumeAndDecodeCpuMicrosPerSpan: Number(decode.cpuMicrosPerSpan.toFixed(1)),
      collectorPeerSpansPerSecond: peer ? Math.round(peer.spansPerSecond) : null,
      collectorPeerCpuMicrosPerSpan: peer ? Number(peer.cpuMicrosPerSpan.toFixed(1)) : null,
      ratioDecodeToCollector: peer ? Number((decode.spansPerSecond / peer.spansPerSecond).toFixed(2)) : null,
      ratioToSmallerFloor: Number((e2e.spansPerSecond / floor).toFixed(2)),
      ingestCpuMicrosPerSpan: Math.round(e2e.cpuMicrosPerSpan),
      insertOnlyCpuMicrosPerSpan: Math.round(insert.cpuMicrosPerSpan),
      peakRssMiB: Math.round(peakRss / 2 ** 20),
      steadyRateSpansPerSecond: Math.round(latency.rate),
      latencyP50Ms: Math.round(latency.p50),
      latencyP99Ms: Math.round(latency.p99),
      latencyMaxMs: Math.round(latency.max),
      storedExactlyOnce: stored.rows === expected && stored.distinct === expected,
      stored,
      expected,
      braidExitCode: exitCode,
    };
    console.log("\nIngest benchmark (Kafka → Braid ingest → embedded chDB)");
    console.table({
      "end-to-end (produced → queryable)": `${fmt(results.endToEndSpansPerSecond)} spans/s`,
      "floor: consume-only (kafkajs, no decoding)": `${fmt(results.consumeOnlySpansPerSecond)} spans/s`,
      "floor: insert-only (pre-built rows)": `${fmt(results.insertOnlySpansPerSecond)} spans/s`,
      "ratio end-to-end / smaller floor": `${results.ratioToSmallerFloor} (target ≥ 0.5)`,
      "consume + decode (Braid's decode and normalize, no insert)": `${fmt(results.consumeAndDecodeSpansPerSecond)} spans/s, ${results.consumeAndDecodeCpuMicrosPerSpan} µs of CPU per span`,
      "peer: OpenTelemetry Collector kafka receiver → nop": peer ? `${fmt(results.collectorPeerSpansPerSecond!)} spans/s, ${results.collectorPeerCpuMicrosPerSpan} µs of CPU per span` : "skipped (Collector not built)",
      "ratio Braid decode / Collector": peer ? `${results.ratioDecodeToCollector} (rate); CPU per span ${(decode.cpuMicrosPerSpan / peer.cpuMicrosPerSpan).toFixed(1)}× the Collector's` : "n/a",
      "CPU per span (all threads)": `${results.ingestCpuMicrosPerSpan} µs end-to-end, ${results.insertOnlyCpuMicrosPerSpan} µs insert-only`,
      "peak RSS of the ingest process": `${results.peakRssMiB} MiB`,
      [`latency at a steady ${fmt(results.steadyRateSpansPerSecond)} spans/s`]: `p50 ${results.latencyP50Ms} ms, p99 ${results.latencyP99Ms} ms (target p99 < 2000 ms)`,
      "stored exactly once": `${results.storedExactlyOnce} (${fmt(stored.rows)} rows, ${fmt(stored.distinct)} distinct, ${fmt(expected)} produced)`,
    });
    mkdirSync(path.join(repoRoot, "bench/results"), { recursive: true });
    const file = path.join(repoRoot, "bench/results", `ingest-${results.at.replace(/[:.]/g, "-")}.json`);
    writeFileSync(file, JSON.stringify(results, null, 2));
    log(`results written to ${path.relative(repoRoot, file)}`);
    if (!results.storedExactlyOnce || exitCode !== 0) process.exitCode = 1;
  } finally {
    await admin.deleteTopics({ topics: [topic, config.kafka.metrics.topic, config.kafka.logs.topic, config.kafka.appLogs.topic, config.kafka.deadLetterTopic] }).catch(() => {});
    await admin.disconnect();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
