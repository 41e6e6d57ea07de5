// Embedded ClickHouse (chDB) in this process. chDB binds one data directory per process, so the
// embedded mode runs every Braid role in one process (DESIGN.md, "Roles").
import { mkdirSync } from "node:fs";
import { Session } from "chdb";
import { serializeRowsForInsert } from "./row-encoding.js";
import { StoreError, assertIdentifier, withDatabase, type InsertOptions, type QueryParams, type Store } from "./store.js";

export class ChdbStore implements Store {
  readonly driver = "chdb";
  private readonly session: Session;

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
  }

  async insert(table: string, rows: readonly object[], options: InsertOptions = {}): Promise<void> {
    if (rows.length === 0) return;
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
  }
}
