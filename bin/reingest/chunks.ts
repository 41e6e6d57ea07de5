// Re-ingesting (braid replay, braid backfill) through ingest's own processBatch, idempotently: each
// chunk of messages is inserted with an insert_deduplication_token derived from where the messages
// come from, never from when the command ran, so running the same replay or backfill again stores
// nothing twice (ClickHouse drops a block whose token it has seen: non_replicated_deduplication_window
// of Braid's tables, the last 1000 inserts per table).
//
//   replay:   braid:replay:<topic>:<partition>:<first>-<last>, chunks aligned to multiples of the
//             chunk size in offsets, so overlapping replays share the tokens of the chunks they share
//   backfill: braid:backfill:<sha256 of the file>:<first>-<last> (message numbers in the file), so a
//             renamed or copied file is the same data
import { createHash } from "node:crypto";
import { processBatch, type BatchOptions, type IngestMessage } from "../../ingest/index.js";
import type { Signal } from "../../schemas/config.js";
import type { Store } from "../../store/index.js";

export interface ChunkResult {
  messages: number;
  items: number;
  itemsBySignal: Partial<Record<Signal, number>>;
  deadLetters: { location: string; code: string; reason: string }[];
}

export function replayToken(topic: string, partition: number, first: bigint, last: bigint): string {
  return `braid:replay:${topic}:${partition}:${first}-${last}`;
}

export function backfillToken(contentHash: string, first: number, last: number): string {
  return `braid:backfill:${contentHash}:${first}-${last}`;
}

export const contentHash = (content: Buffer) => createHash("sha256").update(content).digest("hex").slice(0, 32);

/** The aligned chunk an offset belongs to: [k·size, k·size + size − 1]. */
export function alignedChunk(offset: bigint, size: bigint): { first: bigint; last: bigint } {
  const first = (offset / size) * size;
  return { first, last: first + size - 1n };
}

/** Decodes and normalizes one chunk as ingest does and inserts every table with the chunk's token. */
export async function storeChunk(store: Store, messages: readonly IngestMessage[], batchOptions: BatchOptions, token: string, locate: (message: IngestMessage) => string): Promise<ChunkResult> {
  const result = processBatch(messages, batchOptions);
  for (const [table, rows] of result.rows) await store.insert(table, rows, { dedupToken: token });
  const itemsBySignal: Partial<Record<Signal, number>> = {};
  let items = 0;
  for (const [signal, count] of Object.entries(result.items) as [Signal, number][]) {
    if (!count) continue;
    itemsBySignal[signal] = count;
    items += count;
  }
  return {
    messages: messages.length,
    items,
    itemsBySignal,
    deadLetters: result.deadLetters.map((letter) => ({ location: locate(letter.message), code: letter.code, reason: letter.reason })),
  };
}
