// `braid replay` (from Kafka) and `braid backfill` (from files): re-ingest through ingest's own
// processBatch into the configured store, idempotently (bin/reingest/chunks.ts, replay-journal.ts),
// with a progress bar on a terminal and progress lines otherwise.
import type { Kafka } from "kafkajs";
import { createKafka, routeFor, topicRoutes, type BatchOptions, type IngestMessage, type TopicRoute } from "../../../ingest/index.js";
import { newNormalizeStats } from "../../../normalizer/index.js";
import { createLogger } from "../../../runtime/logger.js";
import { Signal, type BraidConfig } from "../../../schemas/config.js";
import { openStore, type Store } from "../../../store/index.js";
import { InputError, readCheckFile, type CheckInput } from "../../check/inputs.js";
import { backfillToken, contentHash, storeChunk, type ChunkResult } from "../../reingest/chunks.js";
import { offsetsAtTime, partitionOffsets, readRanges, type PartitionRange } from "../../reingest/kafka-range.js";
import { formatJournal, parseJournal, planSegments, type Segment } from "../../reingest/replay-journal.js";
import { replayToken } from "../../reingest/chunks.js";
import { CliError, ExitCode } from "../exit-codes.js";
import type { CommandTools } from "../program.js";
import { createProgress } from "../progress.js";
import { parseTime } from "../time.js";
import { loadBraidConfig } from "../braid-config.js";

/** Opens the store Braid is configured with; a chDB directory held by a running Braid is named. */
export async function openConfiguredStore(config: BraidConfig): Promise<Store> {
  try {
    return await openStore({
      clickhouseUrl: config.store.clickhouseUrl,
      clickhouseUser: config.store.clickhouseUser,
      clickhousePassword: config.store.clickhousePassword,
      database: config.store.database,
      chdbDataDir: config.store.chdbPath,
    });
  } catch (err) {
    const message = (err as Error).message;
    // chDB prints "Cannot lock file …/status" itself; the error it throws only says the connection failed.
    if (!config.store.clickhouseUrl && /lock|Failed to create connection/i.test(message)) {
      throw new CliError(`the chDB directory ${config.store.chdbPath} is in use (a running Braid holds it: chDB allows one process per directory). Stop that Braid first, or point BRAID_CLICKHOUSE_URL at a ClickHouse server`);
    }
    throw new CliError(`cannot open the store: ${message}`);
  }
}

function batchOptions(config: BraidConfig, routes: TopicRoute[], tenant?: string, now?: Date): BatchOptions {
  return {
    routes,
    tenancy: tenant ? { ...config.tenancy, default: tenant } : config.tenancy,
    limits: config.limits,
    maxMessageBytes: config.kafka.maxMessageBytes,
    stats: newNormalizeStats(),
    now: now ? () => now : undefined,
  };
}

interface Totals {
  messages: number;
  items: number;
  itemsBySignal: Partial<Record<Signal, number>>;
  deadLetters: ChunkResult["deadLetters"];
  chunks: number;
}

const newTotals = (): Totals => ({ messages: 0, items: 0, itemsBySignal: {}, deadLetters: [], chunks: 0 });

function add(totals: Totals, chunk: ChunkResult): void {
  totals.messages += chunk.messages;
  totals.items += chunk.items;
  totals.chunks++;
  for (const [signal, n] of Object.entries(chunk.itemsBySignal) as [Signal, number][]) totals.itemsBySignal[signal] = (totals.itemsBySignal[signal] ?? 0) + n;
  for (const letter of chunk.deadLetters) if (totals.deadLetters.length < 1000) totals.deadLetters.push(letter);
}

function summaryLines(verb: string, totals: Totals, extra: string[]): string[] {
  const bySignal = Object.entries(totals.itemsBySignal).map(([signal, n]) => `${n} ${signal}`).join(", ");
  const lines = [`${verb} ${totals.messages} messages in ${totals.chunks} chunks: ${totals.items} items${bySignal ? ` (${bySignal})` : ""}`, ...extra];
  if (totals.deadLetters.length) {
    lines.push(`${totals.deadLetters.length} messages could not be decoded (not stored):`);
    for (const letter of totals.deadLetters.slice(0, 10)) lines.push(`  ${letter.location}: ${letter.code}: ${letter.reason}`);
  }
  return lines;
}

/** A --from/--to bound: an offset (digits), earliest/latest, or a time (ISO-8601, Unix ms with @, or 15m back). */
type Bound = { offset: bigint } | { timeMs: number } | { edge: "earliest" | "latest" };

function parseBound(text: string, what: string): Bound {
  const trimmed = text.trim();
  if (trimmed === "earliest" || trimmed === "latest") return { edge: trimmed };
  if (/^\d+$/.test(trimmed)) return { offset: BigInt(trimmed) };
  if (/^@\d+$/.test(trimmed)) return { timeMs: Number(trimmed.slice(1)) };
  return { timeMs: parseTime(trimmed, what) };
}

export async function replay(tools: CommandTools): Promise<number> {
  const { options, out } = tools;
  const topic = options.topic as string | undefined;
  if (!topic) throw new CliError("--topic is required");
  const config = loadBraidConfig({ config: options.config as string | undefined });
  const chunk = BigInt(positive(options.chunk, "--chunk"));
  const from = parseBound(String(options.from ?? "earliest"), "--from");
  const to = parseBound(String(options.to ?? "latest"), "--to");
  const forced = options.signal === undefined ? undefined : Signal.safeParse(options.signal).data;
  if (options.signal !== undefined && !forced) throw new CliError(`--signal must be one of ${Signal.options.join(", ")}`);
  const routes = forced ? [{ signal: forced, topic, encoding: forced === "app_logs" ? ("app_log" as const) : config.kafka[forced].encoding }] : topicRoutes(config);
  if (!routeFor(routes, topic)) throw new CliError(`topic ${topic} is not one of Braid's signal topics (${topicRoutes(config).map((r) => r.topic ?? r.pattern?.source).join(", ")}); pass --signal`);
  const journalGroup = (options.journalGroup as string | undefined) ?? `${config.kafka.groupId}.replay`;

  const kafka: Kafka = createKafka({ brokers: config.kafka.brokers, clientId: "braid-replay", logger: createLogger("silent") });
  const admin = kafka.admin();
  await admin.connect().catch((err: Error) => {
    throw new CliError(`cannot reach Kafka at ${config.kafka.brokers.join(",")}: ${err.message}`);
  });
  let ranges: PartitionRange[];
  let journals: Map<number, Segment[]>;
  try {
    const offsets = await partitionOffsets(admin, topic).catch((err: Error) => {
      throw new CliError(`topic ${topic}: ${err.message}`);
    });
    const wanted = options.partition === undefined ? offsets : offsets.filter((p) => (options.partition as string[]).map(Number).includes(p.partition));
    if (wanted.length === 0) throw new CliError(`topic ${topic} has no partition ${(options.partition as string[]).join(", ")} (it has ${offsets.map((p) => p.partition).join(", ")})`);
    const fromTime = "timeMs" in from ? await offsetsAtTime(admin, topic, from.timeMs) : undefined;
    const toTime = "timeMs" in to ? await offsetsAtTime(admin, topic, to.timeMs) : undefined;
    ranges = wanted.map((p) => {
      const start = "offset" in from ? from.offset : "timeMs" in from ? fromTime!.get(p.partition)! : p.low;
      // --to TIME: the messages before that time; --to OFFSET: inclusive.
      const end = "offset" in to ? to.offset : "timeMs" in to ? toTime!.get(p.partition)! - 1n : p.high - 1n;
      const first = start < p.low ? p.low : start;
      const last = end > p.high - 1n ? p.high - 1n : end;
      return { partition: p.partition, from: first, to: last };
    });
    const [committed] = await admin.fetchOffsets({ groupId: journalGroup, topics: [topic] });
    journals = new Map((committed?.partitions ?? []).map((p) => [p.partition, parseJournal(p.metadata)]));
  } finally {
    await admin.disconnect();
  }

  const plans = ranges.map((range) => ({ range, ...planSegments(range.from, range.to, range.to >= range.from ? (journals.get(range.partition) ?? []) : [], chunk, { reinsert: Boolean(options.force) }) }));
  const total = plans.reduce((sum, plan) => sum + plan.segments.reduce((n, s) => n + Number(s.last - s.first + 1n), 0), 0);
  const alreadyStored = plans.reduce((sum, plan) => sum + Number(plan.alreadyStored), 0);
  const store = await openConfiguredStore(config);
  const totals = newTotals();
  const progress = createProgress({ label: `replay ${topic}`, total, stream: tools.stderr, terminal: tools.stderrIsTerminal, quiet: Boolean(options.quiet) });
  const options_ = batchOptions(config, routes);
  let processed = 0;
  try {
    const work = plans.filter((plan) => plan.segments.length > 0);
    const bySegment = new Map(work.map((plan) => [plan.range.partition, { plan, index: 0, buffer: [] as IngestMessage[], journal: [...(journals.get(plan.range.partition) ?? [])] }]));
    await readRanges(
      kafka,
      topic,
      work.map((plan) => ({ partition: plan.range.partition, from: plan.segments[0]!.first, to: plan.segments[plan.segments.length - 1]!.last })),
      {
        groupId: journalGroup,
        async onMessages(partition, messages, commit) {
          const state = bySegment.get(partition)!;
          for (const message of messages) {
            const offset = BigInt(message.offset);
            // Past the current segment: store it; skip offsets between segments (already stored).
            while (state.index < state.plan.segments.length && offset > state.plan.segments[state.index]!.last) await flush(state, commit);
            const segment = state.plan.segments[state.index];
            if (!segment || offset < segment.first) continue;
            state.buffer.push(message);
            if (offset === segment.last) await flush(state, commit);
          }
          progress.update(processed, totals.items);
        },
      },
    );
    // Segments whose last offsets no longer exist (compaction, transactions) end with the range.
    async function flush(state: { plan: (typeof plans)[number]; index: number; buffer: IngestMessage[]; journal: Segment[] }, commit: (partition: number, offset: bigint, metadata: string) => Promise<void>) {
      const segment = state.plan.segments[state.index]!;
      if (state.buffer.length > 0) {
        const token = replayToken(topic!, state.plan.range.partition, segment.first, segment.last);
        add(totals, await storeChunk(store, state.buffer, options_, token, (m) => `${m.topic}/${m.partition}@${m.offset}`));
      }
      processed += Number(segment.last - segment.first + 1n);
      if (!state.journal.some((s) => s.first === segment.first && s.last === segment.last)) state.journal.push(segment);
      await commit(state.plan.range.partition, segment.last + 1n, formatJournal(state.journal));
      state.buffer = [];
      state.index++;
    }
    for (const state of bySegment.values()) {
      // A partition that ended (or was compacted) before its last segment's end: flush what is left.
      while (state.index < state.plan.segments.length && state.buffer.length > 0) {
        const kafkaCommit = async () => {};
        await flush(state, kafkaCommit);
      }
    }
  } catch (err) {
    progress.stop();
    await store.close().catch(() => {});
    if (err instanceof CliError) throw err;
    throw new CliError(`replay of ${topic} stopped: ${(err as Error).message}; run the same command again to go on (what was stored is recorded and is not stored twice)`);
  }
  progress.stop();
  await store.close();
  const result = {
    topic,
    journalGroup,
    partitions: plans.map((plan) => ({ partition: plan.range.partition, from: plan.range.from.toString(), to: plan.range.to.toString(), segments: plan.segments.length, alreadyStored: Number(plan.alreadyStored) })),
    messages: totals.messages,
    items: totals.items,
    itemsBySignal: totals.itemsBySignal,
    alreadyStored,
    deadLetters: totals.deadLetters,
  };
  if (out.json) out.data(result);
  else
    out.lines(
      summaryLines("replayed", totals, [
        ...plans.map((plan) => `  ${topic}/${plan.range.partition}: offsets ${plan.range.from}–${plan.range.to}${plan.alreadyStored > 0n ? `, ${plan.alreadyStored} already stored by an earlier replay (skipped)` : ""}`),
      ]),
    );
  return totals.deadLetters.length > 0 ? ExitCode.findings : ExitCode.ok;
}

function positive(value: unknown, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${what} must be a positive whole number, not '${String(value)}'`);
  return n;
}

export async function backfill(tools: CommandTools, files: unknown): Promise<number> {
  const { options, out } = tools;
  const list = files as string[];
  if (list.length === 0) throw new CliError("give the files to backfill");
  const config = loadBraidConfig({ config: options.config as string | undefined });
  const chunk = positive(options.chunk, "--chunk");
  const forced = options.signal === undefined ? undefined : Signal.safeParse(options.signal).data;
  if (options.signal !== undefined && !forced) throw new CliError(`--signal must be one of ${Signal.options.join(", ")}`);
  const now = options.now ? new Date(parseTime(String(options.now), "--now")) : undefined;
  let inputs: CheckInput[];
  try {
    inputs = list.map((file) => readCheckFile(file, forced));
  } catch (err) {
    if (err instanceof InputError) throw new CliError(err.message);
    throw err;
  }
  const total = inputs.reduce((sum, input) => sum + input.messages.length, 0);
  const store = await openConfiguredStore(config);
  const totals = newTotals();
  const progress = createProgress({ label: "backfill", total, stream: tools.stderr, terminal: tools.stderrIsTerminal, quiet: Boolean(options.quiet) });
  let processed = 0;
  try {
    for (const input of inputs) {
      const route: TopicRoute = { signal: input.signal, topic: `braid-backfill.${input.signal}.${input.encoding}`, encoding: input.encoding };
      const batch = batchOptions(config, [route], options.tenant as string | undefined, now);
      for (let start = 0; start < input.messages.length; start += chunk) {
        const slice = input.messages.slice(start, start + chunk);
        const messages: IngestMessage[] = slice.map((m, i) => ({ topic: route.topic!, partition: 0, offset: String(start + i), key: null, value: m.value, headers: {}, timestamp: String((now ?? new Date()).getTime()) }));
        // The token is the chunk's content (with the signal and encoding), not the file's name or path.
        const hash = contentHash(Buffer.concat([Buffer.from(`${input.signal}/${input.encoding}\n`), ...slice.flatMap((m) => [Buffer.from(`${m.value.length}\n`), m.value])]));
        add(totals, await storeChunk(store, messages, batch, backfillToken(hash, 0, slice.length - 1), (m) => slice[Number(m.offset) - start]!.location));
        processed += slice.length;
        progress.update(processed, totals.items);
      }
    }
  } catch (err) {
    progress.stop();
    await store.close().catch(() => {});
    throw new CliError(`backfill stopped: ${(err as Error).message}; run the same command again to go on (chunks already stored are not stored twice)`);
  }
  progress.stop();
  await store.close();
  const result = { files: inputs.map((i) => ({ file: i.name, signal: i.signal, format: i.format, messages: i.messages.length })), messages: totals.messages, items: totals.items, itemsBySignal: totals.itemsBySignal, deadLetters: totals.deadLetters };
  if (out.json) out.data(result);
  else out.lines(summaryLines("backfilled", totals, inputs.map((i) => `  ${i.name}: ${i.messages.length} messages (${i.signal}, ${i.format})`)));
  return totals.deadLetters.length > 0 ? ExitCode.findings : ExitCode.ok;
}
