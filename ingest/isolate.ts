// Isolating the messages whose rows the store rejects as data, so the rest of a range is stored.
//
// A range's rows of one table go in as one insert. When the store rejects that insert as data
// (store/errors.ts: parse, type, constraint, size errors — the same rows fail every time), the
// range's messages are split in halves and each half inserted on its own, recursively: a half that
// is accepted is stored, a half that is rejected is split again, down to single messages, whose
// rejection is final. One offending message among n costs about 2·log2(n) inserts.
//
// Exactly once across crashes: a rejected insert stores nothing (ClickHouse squashes an insert into
// one block — up to min_insert_block_size_rows/bytes, 1M rows or 256 MiB, far above one range —
// and checks it before writing), and every insert of the split has a deterministic token, the
// range's own plus the offsets of its first and last message ("<range token>/<first>-<last>").
// Rejections are deterministic and transient failures are retried on the same part, so the split
// takes the same shape on every attempt: a replay after a crash inserts the same parts with the same
// tokens, and ClickHouse drops the ones that had landed.
import type { SignalTable } from "../schemas/rows.js";
import type { RowOwner } from "./batch.js";
import type { IngestMessage } from "./message.js";

export interface RejectedMessage {
  message: IngestMessage;
  table: SignalTable;
  /** Rows of the message in that table (not stored). */
  rows: number;
  error: unknown;
}

export interface IsolatingInsert {
  table: SignalTable;
  rows: object[];
  owners: readonly RowOwner[];
  token: string;
  /** Inserts rows with a deduplication token; retries transient failures itself, throws a rejection. */
  insert(rows: object[], token: string): Promise<void>;
  isRejection(err: unknown): boolean;
  /** Called when an insert is rejected and split (for logs and metrics). */
  onSplit?(first: IngestMessage, last: IngestMessage, err: unknown): void;
  /** Called after each part of a split is stored (test crash point). */
  afterPartStored?(): void;
}

export const partToken = (rangeToken: string, first: IngestMessage, last: IngestMessage) => `${rangeToken}/${first.offset}-${last.offset}`;

/** Inserts the table's rows of a range; returns the messages whose rows the store rejected. */
export async function insertIsolatingRejections(job: IsolatingInsert): Promise<RejectedMessage[]> {
  const { rows, owners } = job;
  const rejected: RejectedMessage[] = [];
  const startOf = (i: number) => (i === 0 ? 0 : owners[i - 1]!.end);

  // owners[lo, hi) were inserted together and rejected.
  const split = async (lo: number, hi: number, err: unknown): Promise<void> => {
    if (hi - lo === 1) {
      rejected.push({ message: owners[lo]!.message, table: job.table, rows: owners[lo]!.end - startOf(lo), error: err });
      return;
    }
    job.onSplit?.(owners[lo]!.message, owners[hi - 1]!.message, err);
    const mid = (lo + hi) >>> 1;
    for (const [a, b] of [[lo, mid], [mid, hi]] as const) {
      try {
        await job.insert(rows.slice(startOf(a), owners[b - 1]!.end), partToken(job.token, owners[a]!.message, owners[b - 1]!.message));
        job.afterPartStored?.();
      } catch (partErr) {
        if (!job.isRejection(partErr)) throw partErr;
        await split(a, b, partErr);
      }
    }
  };

  try {
    await job.insert(rows, job.token);
  } catch (err) {
    if (!job.isRejection(err) || owners.length === 0) throw err;
    await split(0, owners.length, err);
  }
  return rejected;
}
