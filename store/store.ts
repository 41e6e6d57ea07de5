// The one small interface every Braid role uses to reach ClickHouse, whichever driver is behind it.
// SQL may reference the configured database as {{db}}; values are always bound server-side as
// {name:Type} parameters, never spliced into the SQL text.
import { classifyStoreError, type StoreFailure } from "./errors.js";

export type QueryParams = Record<string, unknown>;

export interface InsertOptions {
  /**
   * ClickHouse insert_deduplication_token: a retried or replayed insert with the same token and
   * the same rows is dropped by the table (non_replicated_deduplication_window), so at-least-once
   * delivery from Kafka never shows a row twice.
   */
  dedupToken?: string;
}

export interface Store {
  /** Which driver this is ("chdb" or "clickhouse"), for health output and logs. */
  readonly driver: string;
  /** The database holding Braid's tables. */
  readonly database: string;
  /** Inserts rows (objects keyed by column name) into a table of the configured database. */
  insert(table: string, rows: readonly object[], options?: InsertOptions): Promise<void>;
  /** Runs a SELECT and returns its rows; 64-bit integers come back as strings. */
  query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]>;
  /** Runs a statement that returns no rows (DDL, ALTER, OPTIMIZE). */
  exec(sql: string, params?: QueryParams): Promise<void>;
  /** Cheap round trip used by /healthz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks that a database or table name is a plain identifier, so it can be placed in SQL text. */
export function assertIdentifier(name: string, what: string): string {
  if (!identifier.test(name)) throw new Error(`${what} '${name}' is not a plain identifier ([A-Za-z_][A-Za-z0-9_]*)`);
  return name;
}

/** Replaces {{db}} with the (validated) database name. */
export function withDatabase(sql: string, database: string): string {
  return sql.replaceAll("{{db}}", assertIdentifier(database, "database"));
}

/**
 * Error raised by a store call, naming the operation so logs say what failed, and saying whether
 * the store refused the data itself (`failure.kind === "rejected"`) or may accept it on a retry.
 */
export class StoreError extends Error {
  readonly failure: StoreFailure;
  constructor(
    readonly operation: "insert" | "query" | "exec" | "ping" | "connect",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`store ${operation} failed: ${message}`, options);
    this.name = "StoreError";
    this.failure = classifyStoreError(options?.cause);
  }
}

/** True when the store refused the rows themselves: retrying the same rows cannot succeed. */
export function isStoreRejection(err: unknown): err is StoreError {
  return err instanceof StoreError && err.failure.kind === "rejected";
}
