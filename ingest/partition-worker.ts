// One partition's batches, in offset order. A batch is cut into ranges of offsets and each range is
// stored as one unit (range-plan.ts):
//
//   commit first with the plan "first-last" as metadata → insert each table with
//   token(group, topic, partition, first-last) → dead letters to the DLQ → commit last+1
//
// A range is replayed after a crash, a rebalance or an abandoned batch. When a batch does not start
// where this process last committed, the committed metadata says whether the range starting there
// was planned: if so, exactly that range is inserted again with the same token, so ClickHouse drops
// what had already landed (insert_deduplication_token + non_replicated_deduplication_window). When
// the replaying fetch is shorter than the planned range (fetch size limits), the messages are
// gathered over several fetches, without committing, until the range is complete.
import type { Tracer } from "@opentelemetry/api";
import type { Logger } from "pino";
import { isStoreRejection, type Store } from "../store/index.js";
import { inSpan } from "../runtime/telemetry.js";
import { processBatch, type BatchOptions, type BatchResult, type DeadLetter } from "./batch.js";
import type { DeadLetterSink } from "./dead-letters.js";
import type { FailpointHook } from "./failpoints.js";
import type { IngestMessage } from "./message.js";
import { drainNormalizeStats, type IngestMetrics } from "./metrics.js";
import { dedupToken, type PlannedRange } from "./range-plan.js";
import { insertIsolatingRejections, type RejectedMessage } from "./isolate.js";
import { retryUntilDone, type RetryControl } from "./retry.js";
import { routeFor } from "./routing.js";

/** A fetched batch of one partition, in offset order, not empty. */
export interface PartitionBatch {
  topic: string;
  partition: number;
  messages: IngestMessage[];
  /** Offset of the next message the broker will write (the partition's high watermark). */
  highWatermark: bigint;
}

/** What a batch needs from the Kafka client, bound to the batch's partition. */
export interface PartitionControl {
  /** Commits `firstOffset` with the plan first..last as metadata, before the range is inserted. */
  plan(firstOffset: bigint, lastOffset: bigint): Promise<void>;
  /** The range planned at the partition's committed offset, if the last commit recorded one. */
  committedPlan(): Promise<PlannedRange | undefined>;
  /** Commits `nextOffset` for the partition and moves the fetch position there; throws if it cannot. */
  commit(nextOffset: bigint): Promise<void>;
  /** Moves the fetch position past `lastOffset` without committing (to gather a planned range). */
  advance(lastOffset: bigint): void;
  /** Moves the fetch position back to `offset`, e.g. to the start of an unfinished gathered range. */
  rewind(offset: bigint): void;
  /** Retries of store, plan and DLQ writes; stops on shutdown or rebalance. */
  retry: RetryControl;
}

export interface PartitionWorkerDeps {
  group: string;
  store: Store;
  deadLetters: DeadLetterSink;
  batchOptions: BatchOptions;
  metrics: IngestMetrics;
  tracer: Tracer;
  logger: Logger;
  /** Test-only crash points (failpoints.ts). */
  failpoint?: FailpointHook;
}

interface PartitionState {
  /** Offset after the last range this process committed since it was assigned the partition. */
  next?: bigint;
  /** A planned range longer than the fetch that replays it: the messages gathered so far. */
  gathering?: { plan: PlannedRange; messages: IngestMessage[] };
  /** Set while the fetch position is past the committed offset (gathering): where to go back to. */
  advancedFrom?: bigint;
}

const offsetOf = (message: IngestMessage) => BigInt(message.offset);

export class PartitionWorkers {
  private readonly states = new Map<string, PartitionState>();

  constructor(private readonly deps: PartitionWorkerDeps) {}

  /** Forgets every partition's position: called when the group assigns partitions anew. */
  reset(): void {
    this.states.clear();
  }

  async handle(batch: PartitionBatch, control: PartitionControl): Promise<void> {
    const { topic, partition } = batch;
    const key = `${topic}/${partition}`;
    let state = this.states.get(key);
    if (!state) this.states.set(key, (state = {}));
    const started = process.hrtime.bigint();
    this.setLag(batch, offsetOf(batch.messages[0]!));
    try {
      let messages: IngestMessage[] | undefined = batch.messages;
      if (state.gathering) {
        const { plan, messages: gathered } = state.gathering;
        const lastGathered = offsetOf(gathered[gathered.length - 1]!);
        state.gathering = undefined;
        messages = await this.replayPlanned(batch, plan, [...gathered, ...messages.filter((m) => offsetOf(m) > lastGathered)], control, state);
      } else if (state.next !== offsetOf(messages[0]!)) {
        const plan = await retryUntilDone(() => control.committedPlan(), this.retryOf(control, "plan"));
        if (plan && plan.firstOffset === offsetOf(messages[0]!)) messages = await this.replayPlanned(batch, plan, messages, control, state);
      }
      if (messages && messages.length > 0) {
        await this.storeRange(batch, offsetOf(messages[0]!), offsetOf(messages[messages.length - 1]!), messages, control, state);
      }
      if (!state.gathering) this.deps.metrics.batchSeconds.observe({ topic }, Number(process.hrtime.bigint() - started) / 1e9);
    } catch (err) {
      // Whatever failed, the next batch of this partition is checked against the committed plan, and
      // a range being gathered past the committed offset is fetched again from its start.
      this.states.delete(key);
      if (state.advancedFrom !== undefined) control.rewind(state.advancedFrom);
      throw err;
    }
  }

  /**
   * Re-inserts a planned range with its own bounds (and so its own token). Returns the messages
   * after it, or undefined while the range is still being gathered from further fetches.
   */
  private async replayPlanned(batch: PartitionBatch, plan: PlannedRange, messages: IngestMessage[], control: PartitionControl, state: PartitionState): Promise<IngestMessage[] | undefined> {
    const { topic, partition } = batch;
    const range = `${plan.firstOffset}-${plan.lastOffset}`;
    const lastFetched = offsetOf(messages[messages.length - 1]!);
    if (lastFetched < plan.lastOffset) {
      this.deps.metrics.replays.inc({ topic, outcome: "gathering_planned" });
      this.deps.logger.info({ topic, partition, planned: range, fetchedTo: lastFetched.toString() }, "fetch is shorter than the planned range it replays; gathering the rest before inserting");
      state.gathering = { plan, messages };
      state.advancedFrom = plan.firstOffset;
      control.advance(lastFetched);
      return undefined;
    }
    this.deps.metrics.replays.inc({ topic, outcome: "reinserted_planned" });
    this.deps.logger.info({ topic, partition, planned: range }, "range was planned before a crash or rebalance; inserting it again with the same deduplication token");
    const planned = messages.filter((m) => offsetOf(m) <= plan.lastOffset);
    await this.storeRange(batch, plan.firstOffset, plan.lastOffset, planned, control, state);
    return messages.filter((m) => offsetOf(m) > plan.lastOffset);
  }

  private async storeRange(batch: PartitionBatch, first: bigint, last: bigint, messages: IngestMessage[], control: PartitionControl, state: PartitionState): Promise<void> {
    const { topic, partition } = batch;
    const { group, store, metrics, tracer, batchOptions } = this.deps;
    const started = performance.now();
    // The plan needs only the offsets: its commit travels while the range is decoded.
    const planning = retryUntilDone(() => control.plan(first, last), this.retryOf(control, "plan"));
    planning.catch(() => {}); // awaited below; decoding never throws
    const result = await inSpan(tracer, "ingest.decode", { "messaging.destination.name": topic, "messaging.batch.message_count": messages.length }, async () => processBatch(messages, batchOptions));
    const decoded = performance.now();
    await planning;
    this.deps.failpoint?.("after_planned");
    const planned = performance.now();
    const token = dedupToken(group, topic, partition, first, last);
    const rejected: RejectedMessage[] = [];
    for (const [table, rows] of result.rows) {
      await inSpan(tracer, "ingest.insert", { "db.collection.name": table, "db.operation.batch.size": rows.length }, async () => {
        const retry = this.retryOf(control, "insert");
        const insertRetry: RetryControl = {
          ...retry,
          // A rejection of the data is not retried: the messages that cause it are isolated below.
          giveUp: (err) => isStoreRejection(err) || (retry.giveUp?.(err) ?? false),
          onRetry: (err, attempt, delay) => (metrics.insertRetries.inc({ table }), retry.onRetry(err, attempt, delay)),
        };
        const insert = (part: object[], partToken: string) =>
          retryUntilDone(async () => {
            const end = metrics.insertSeconds.startTimer({ table });
            await store.insert(table, part, { dedupToken: partToken });
            end();
          }, insertRetry);
        const refused = await insertIsolatingRejections({
          table,
          rows,
          owners: result.owners.get(table) ?? [],
          token,
          insert,
          isRejection: isStoreRejection,
          onSplit: (from, to, err) => {
            metrics.rejectedInserts.inc({ table });
            this.deps.logger.warn({ topic, partition, table, from: from.offset, to: to.offset, err: (err as Error).message }, "the store rejected the rows of these messages as data; splitting them to isolate the offending messages");
          },
          afterPartStored: () => this.deps.failpoint?.("after_split_part"),
        });
        rejected.push(...refused);
      });
      metrics.batchRows.observe({ table }, rows.length);
    }
    this.deps.failpoint?.("after_insert");
    const inserted = performance.now();
    const deadLetters = [...result.deadLetters, ...rejectionLetters(rejected, result)].sort((a, b) => (offsetOf(a.message) < offsetOf(b.message) ? -1 : 1));
    if (deadLetters.length > 0) {
      await retryUntilDone(() => this.deps.deadLetters.send(deadLetters), this.retryOf(control, "dead_letter"));
      for (const letter of deadLetters) {
        metrics.deadLetters.inc({ topic, code: letter.code });
        this.deps.logger.warn({ topic, partition, offset: letter.message.offset, code: letter.code, reason: letter.reason }, "message sent to the dead-letter topic");
      }
    }
    this.deps.failpoint?.("after_dead_letters");
    await this.commit(batch, control, state, last);
    const committed = performance.now();
    const rows = [...result.rows.values()].reduce((sum, list) => sum + list.length, 0);
    const ms = (from: number, to: number) => Math.round(to - from);
    this.deps.logger.debug({ topic, partition, first: first.toString(), last: last.toString(), messages: messages.length, rows, decodeMs: ms(started, decoded), planMs: ms(decoded, planned), insertMs: ms(planned, inserted), deadLettersAndCommitMs: ms(inserted, committed) }, "range stored and committed");

    const signal = routeFor(batchOptions.routes, topic)?.signal ?? "unknown";
    const stored = messages.length - deadLetters.length;
    if (stored) metrics.messages.inc({ topic, signal, outcome: "stored" }, stored);
    if (deadLetters.length) metrics.messages.inc({ topic, signal, outcome: "dead_lettered" }, deadLetters.length);
    const rejectedRows = rejected.reduce((sum, r) => sum + r.rows, 0);
    for (const [itemSignal, count] of Object.entries(result.items)) {
      const storedItems = itemSignal === signal ? count - rejectedRows : count;
      if (storedItems > 0) metrics.items.inc({ signal: itemSignal }, storedItems);
    }
    metrics.batchMessages.observe({ topic }, messages.length);
    drainNormalizeStats(batchOptions.stats, metrics);
  }

  private async commit(batch: PartitionBatch, control: PartitionControl, state: PartitionState, last: bigint): Promise<void> {
    await control.commit(last + 1n);
    state.next = last + 1n;
    state.advancedFrom = undefined;
    this.setLag(batch, last + 1n);
  }

  private setLag(batch: PartitionBatch, nextOffset: bigint): void {
    const lag = batch.highWatermark - nextOffset;
    this.deps.metrics.consumerLag.set({ topic: batch.topic, partition: String(batch.partition) }, Number(lag > 0n ? lag : 0n));
  }

  private retryOf(control: PartitionControl, operation: string): RetryControl {
    return {
      ...control.retry,
      onRetry: (err, attempt, delay) => {
        this.deps.metrics.retries.inc({ operation });
        control.retry.onRetry(err, attempt, delay);
      },
    };
  }
}

/**
 * One dead letter per message the store rejected, with ClickHouse's error text. Only metrics
 * messages have rows in several tables: the reason says which tables stored the rest of their rows.
 */
export function rejectionLetters(rejected: readonly RejectedMessage[], result: BatchResult): DeadLetter[] {
  const byMessage = new Map<IngestMessage, RejectedMessage[]>();
  for (const r of rejected) byMessage.set(r.message, [...(byMessage.get(r.message) ?? []), r]);
  return [...byMessage].map(([message, refusals]) => {
    const refusedTables = new Set(refusals.map((r) => r.table));
    const storedTables = [...result.owners].filter(([table, owners]) => !refusedTables.has(table) && owners.some((o) => o.message === message)).map(([table]) => table);
    const reasons = refusals.map((r) => `${r.table} rejected its ${r.rows} row(s): ${(r.error as Error).message.replace(/^store insert failed: \w+: /, "")}`);
    const stored = storedTables.length > 0 ? ` (its rows in ${storedTables.join(", ")} were stored)` : "";
    return { message, code: "store_rejected" as const, reason: `${reasons.join("; ")}${stored}` };
  });
}
