// A ClickHouse server through the official @clickhouse/client (docker-compose, production,
// clusters). Same SQL and the same parameter binding as the embedded chDB driver.
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from "@clickhouse/client";
import type { EncodedBlock, TableColumn } from "./native-format.js";
import { columnsSql, NativeTables, quoteIdentifier, quoteString } from "./native-tables.js";
import { encodeRowsForInsert } from "./row-encoding.js";
import { StoreError, assertIdentifier, withDatabase, type InsertOptions, type QueryParams, type Store } from "./store.js";

export interface ClickHouseStoreOptions {
  url: string;
  database: string;
  username?: string;
  password?: string;
  requestTimeoutMs?: number;
  /** PEM files for an https:// URL: the CA that signed the server's certificate, and a client certificate (needs the CA). */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

/** @clickhouse/client's TLS options from PEM files; undefined for the system CAs. */
export function clickhouseTls(tls: ClickHouseStoreOptions["tls"]): { ca_cert: Buffer; cert?: Buffer; key?: Buffer } | undefined {
  if (!tls?.caFile && !tls?.certFile && !tls?.keyFile) return undefined;
  if (Boolean(tls.certFile) !== Boolean(tls.keyFile)) throw new StoreError("connect", "ClickHouse TLS: a client certificate needs both certFile and keyFile");
  if (!tls.caFile) throw new StoreError("connect", "ClickHouse TLS: a client certificate needs caFile as well (the CA that signed the server's certificate)");
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new StoreError("connect", `ClickHouse TLS: cannot read the ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  return { ca_cert: read(tls.caFile, "CA file"), ...(tls.certFile && tls.keyFile ? { cert: read(tls.certFile, "certificate"), key: read(tls.keyFile, "key") } : {}) };
}

export class ClickHouseStore implements Store {
  readonly driver = "clickhouse";
  readonly database: string;
  private readonly client: ClickHouseClient;
  private readonly tables: NativeTables;

  constructor(options: ClickHouseStoreOptions) {
    this.database = assertIdentifier(options.database, "database");
    this.client = createClient({
      url: options.url,
      username: options.username,
      password: options.password,
      request_timeout: options.requestTimeoutMs ?? 30_000,
      tls: clickhouseTls(options.tls),
      // Failures reach Braid's own logs as StoreErrors; the client's console logger would print them again, outside pino.
      log: { level: ClickHouseLogLevel.OFF },
      clickhouse_settings: { output_format_json_quote_64bit_integers: 1, date_time_output_format: "iso", date_time_input_format: "best_effort" },
    });
    this.tables = new NativeTables((table) => this.query<TableColumn>(columnsSql, { database: this.database, table }));
  }

  columns(table: string): Promise<TableColumn[]> {
    return this.tables.columns(assertIdentifier(table, "table"));
  }

  /**
   * A Native block as the request body, through the input() table function so that the block's
   * columns are taken by name (native-tables.ts): the same INSERT … SELECT as the chDB driver.
   */
  async insertEncoded(table: string, block: EncodedBlock, options: InsertOptions = {}): Promise<void> {
    if (block.rows === 0) return;
    assertIdentifier(table, "table");
    const structure = block.columns.map((name, i) => `${quoteIdentifier(name)} ${block.types[i]}`).join(", ");
    await this.tables.insert(table, block, async (columns) => {
      const list = columns.map(quoteIdentifier).join(", ");
      try {
        const result = await this.client.exec({
          query: `INSERT INTO ${this.database}.${table} (${list}) SELECT ${list} FROM input(${quoteString(structure)}) FORMAT Native`,
          values: Readable.from([Buffer.from(block.data.buffer, block.data.byteOffset, block.data.byteLength)]),
          clickhouse_settings: options.dedupToken ? { insert_deduplication_token: options.dedupToken } : {},
        });
        result.stream.destroy();
      } catch (err) {
        throw new StoreError("insert", `${table}: ${(err as Error).message}`, { cause: err });
      }
    });
  }

  async insert(table: string, rows: readonly object[], options: InsertOptions = {}): Promise<void> {
    if (rows.length === 0) return;
    const block = await this.tables.encode(table, rows);
    if (block) return this.insertEncoded(table, block, options);
    try {
      await this.client.insert({
        table: `${this.database}.${assertIdentifier(table, "table")}`,
        values: encodeRowsForInsert(table, rows) as object[],
        format: "JSONEachRow",
        clickhouse_settings: options.dedupToken ? { insert_deduplication_token: options.dedupToken } : {},
      });
    } catch (err) {
      throw new StoreError("insert", `${table}: ${(err as Error).message}`, { cause: err });
    }
  }

  async query<T>(sql: string, params: QueryParams = {}): Promise<T[]> {
    try {
      const result = await this.client.query({ query: withDatabase(sql, this.database), query_params: params, format: "JSONEachRow" });
      return await result.json<T>();
    } catch (err) {
      throw new StoreError("query", (err as Error).message, { cause: err });
    }
  }

  async exec(sql: string, params: QueryParams = {}): Promise<void> {
    try {
      await this.client.command({ query: withDatabase(sql, this.database), query_params: params });
    } catch (err) {
      throw new StoreError("exec", (err as Error).message, { cause: err });
    }
  }

  async ping(): Promise<void> {
    const result = await this.client.ping();
    if (!result.success) throw new StoreError("ping", String((result as { error?: Error }).error?.message ?? "no answer"));
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
