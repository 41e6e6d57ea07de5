// Embedded ClickHouse (chDB) in this process. chDB binds one data directory per process, so the
// embedded mode runs every Braid role in one process (DESIGN.md, "Roles").
//
// Signal rows go in as Native blocks (store/native-format.ts). chDB's insert call accepts text
// formats only, and a binary block cannot travel as a query's inline data: chDB parses inline
// INSERT data the way clickhouse-client does in multi-query mode, where the data ends at the first
// empty line — a "\n\n" byte pair, which binary columns contain (checked: a RowBinary block with
// 0x0A 0x0A inside a UInt64 is cut there, "Cannot read all data"). So a block is written to a file
// in memory (/dev/shm when there is one) and inserted with INSERT … SELECT … FROM file(…, 'Native'),
// which keeps everything an INSERT guarantees here: one block checked before it is written (a
// rejected insert stores nothing), insert_deduplication_token (a replay is dropped, views included).
import { randomBytes } from "node:crypto";
import { accessSync, constants, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { unlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Session } from "chdb";
import type { EncodedBlock, TableColumn } from "./native-format.js";
import { columnsSql, NativeTables, quoteIdentifier, quoteString } from "./native-tables.js";
import { serializeRowsForInsert } from "./row-encoding.js";
import { StoreError, assertIdentifier, withDatabase, type InsertOptions, type QueryParams, type Store } from "./store.js";

const spillPrefix = "braid-chdb-";

/** A directory for this process's blocks: in memory (/dev/shm) when possible; stale ones of dead processes are removed. */
function spillDirectory(): string {
  let base = os.tmpdir();
  try {
    accessSync("/dev/shm", constants.W_OK);
    base = "/dev/shm";
  } catch {
    // no tmpfs: the OS temp directory
  }
  try {
    for (const entry of readdirSync(base)) {
      const pid = Number(/^braid-chdb-(\d+)-/.exec(entry)?.[1]);
      if (!pid || pid === process.pid) continue;
      try {
        process.kill(pid, 0);
      } catch {
        rmSync(path.join(base, entry), { recursive: true, force: true });
      }
    }
  } catch {
    // best effort
  }
  return mkdtempSync(path.join(base, `${spillPrefix}${process.pid}-`));
}

export class ChdbStore implements Store {
  readonly driver = "chdb";
  private readonly session: Session;
  private readonly tables: NativeTables;
  private spillDir: string | undefined;
  private spilled = 0;

  constructor(
    readonly dataDir: string,
    readonly database: string,
  ) {
    mkdirSync(dataDir, { recursive: true });
    try {
      this.session = new Session(dataDir, {
        connectionArgs: ["--output_format_json_quote_64bit_integers=1", "--date_time_output_format=iso", "--date_time_input_format=best_effort"],
      });
    } catch (err) {
      throw new StoreError("connect", `cannot open chDB data directory ${dataDir}: ${(err as Error).message}`, { cause: err });
    }
    this.tables = new NativeTables((table) => this.query<TableColumn>(columnsSql, { database: this.database, table }));
  }

  async insert(table: string, rows: readonly object[], options: InsertOptions = {}): Promise<void> {
    if (rows.length === 0) return;
    const block = await this.tables.encode(table, rows);
    if (block) return this.insertEncoded(table, block, options);
    const body = Buffer.from(serializeRowsForInsert(table, rows));
    const settings: Record<string, string | number> = {};
    if (options.dedupToken) settings.insert_deduplication_token = options.dedupToken;
    try {
      await this.session.insert({
        table: `${this.database}.${assertIdentifier(table, "table")}`,
        values: body,
        format: "JSONEachRow",
        settings,
      });
    } catch (err) {
      throw new StoreError("insert", `${table}: ${(err as Error).message}`, { cause: err });
    }
  }

  columns(table: string): Promise<TableColumn[]> {
    return this.tables.columns(assertIdentifier(table, "table"));
  }

  async insertEncoded(table: string, block: EncodedBlock, options: InsertOptions = {}): Promise<void> {
    if (block.rows === 0) return;
    assertIdentifier(table, "table");
    this.spillDir ??= spillDirectory();
    const file = path.join(this.spillDir, `${++this.spilled}-${randomBytes(4).toString("hex")}.native`);
    try {
      await writeFile(file, block.data);
      await this.tables.insert(table, block, async (columns) => {
        const list = columns.map(quoteIdentifier).join(", ");
        const settings = options.dedupToken ? ` SETTINGS insert_deduplication_token = ${quoteString(options.dedupToken)}` : "";
        const sql = `INSERT INTO ${this.database}.${table} (${list})${settings} SELECT ${list} FROM file(${quoteString(file)}, 'Native')`;
        try {
          await this.session.queryAsync(sql, { format: "TSV" });
        } catch (err) {
          throw new StoreError("insert", `${table}: ${(err as Error).message}`, { cause: err });
        }
      });
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw new StoreError("insert", `${table}: ${(err as Error).message}`, { cause: err });
    } finally {
      await unlink(file).catch(() => {});
    }
  }

  async query<T>(sql: string, params: QueryParams = {}): Promise<T[]> {
    try {
      const result = await this.session.queryBindAsync(withDatabase(sql, this.database), params, { format: "JSONEachRow" });
      const text = result.text();
      if (!text) return [];
      return text
        .split("\n")
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as T);
    } catch (err) {
      throw new StoreError("query", (err as Error).message, { cause: err });
    }
  }

  async exec(sql: string, params: QueryParams = {}): Promise<void> {
    try {
      await this.session.queryBindAsync(withDatabase(sql, this.database), params, { format: "TSV" });
    } catch (err) {
      throw new StoreError("exec", (err as Error).message, { cause: err });
    }
  }

  async ping(): Promise<void> {
    await this.query("SELECT 1 AS ok");
  }

  async close(): Promise<void> {
    this.session.close();
    if (this.spillDir) rmSync(this.spillDir, { recursive: true, force: true });
  }
}
