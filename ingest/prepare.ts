// The CPU-heavy part of storing a range, pure: Kafka messages → per table one Native block of the
// rows (store/native-format.ts), which message owns which rows, dead letters, item counts. Runs in
// a decode worker thread (decode-pool.ts) or, without workers, on the main thread.
import type { Signal } from "../schemas/config.js";
import type { SignalTable } from "../schemas/rows.js";
import { encodeNative, RowEncodingError, type EncodedBlock, type NativeLayout } from "../store/native-format.js";
import { processBatch, type BatchOptions } from "./batch.js";
import type { DeadLetterCode } from "./decoders/decode-error.js";
import type { IngestMessage } from "./message.js";

/** The rows of one table: a block, or why its rows cannot be encoded (a rejection of the data). */
export interface PreparedTable {
  table: SignalTable;
  rows: number;
  block?: EncodedBlock;
  encodingError?: string;
  /** owners[i] = [message index, end]: message's rows are rows[previous end, end). */
  owners: [number, number][];
}

export interface PreparedRange {
  tables: PreparedTable[];
  deadLetters: { index: number; code: DeadLetterCode; reason: string }[];
  items: Record<Signal, number>;
}

export function prepareRange(messages: readonly IngestMessage[], options: BatchOptions, layouts: ReadonlyMap<string, NativeLayout>, only?: SignalTable): PreparedRange {
  const result = processBatch(messages, options);
  const indexOf = new Map<IngestMessage, number>(messages.map((message, index) => [message, index]));
  const tables: PreparedTable[] = [];
  for (const [table, rows] of result.rows) {
    if (only && table !== only) continue;
    const layout = layouts.get(table);
    if (!layout) throw new Error(`no column layout for ${table}`);
    const owners = (result.owners.get(table) ?? []).map((owner): [number, number] => [indexOf.get(owner.message)!, owner.end]);
    try {
      tables.push({ table, rows: rows.length, block: encodeNative(layout, rows), owners });
    } catch (err) {
      if (!(err instanceof RowEncodingError)) throw err;
      tables.push({ table, rows: rows.length, encodingError: err.message, owners });
    }
  }
  return { tables, deadLetters: result.deadLetters.map((letter) => ({ index: indexOf.get(letter.message)!, code: letter.code, reason: letter.reason })), items: result.items };
}
