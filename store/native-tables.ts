// What both drivers share to insert Native blocks: the signal tables' columns, read from the store
// once and again whenever an insert fails (a layout upgrade may have changed them), and the INSERT
// that takes a block's columns by name, so a block encoded before a layout change still fits: the
// columns the table no longer has are left out, the ones it gained get their defaults, and types
// that changed are converted by ClickHouse (e.g. DateTime64(9) → DateTime), as JSONEachRow did.
import { rowSchemasByTable } from "../schemas/rows.js";
import { encodeNative, nativeLayout, RowEncodingError, type EncodedBlock, type NativeLayout, type TableColumn } from "./native-format.js";
import { StoreError } from "./store.js";

const signalTables = new Set(Object.keys(rowSchemasByTable));

/** Whether canonical rows of `table` are written as Native blocks (the signal tables). */
export const isNativeTable = (table: string) => signalTables.has(table);

/** The SQL that lists a table's columns; binds {database:String} and {table:String}. */
export const columnsSql = `SELECT name, type, default_kind AS defaultKind FROM system.columns
  WHERE database = {database:String} AND table = {table:String} ORDER BY position`;

interface Known {
  columns: TableColumn[];
  layout: NativeLayout | undefined;
  insertable: Set<string>;
}

export class NativeTables {
  private readonly known = new Map<string, Promise<Known>>();

  constructor(private readonly read: (table: string) => Promise<TableColumn[]>) {}

  private describe(table: string): Promise<Known> {
    let known = this.known.get(table);
    if (!known) {
      known = this.read(table).then((columns) => ({
        columns,
        layout: nativeLayout(columns),
        insertable: new Set(columns.filter((c) => !["MATERIALIZED", "ALIAS", "EPHEMERAL"].includes(c.defaultKind ?? "")).map((c) => c.name)),
      }));
      known.catch(() => this.known.delete(table));
      this.known.set(table, known);
    }
    return known;
  }

  async columns(table: string): Promise<TableColumn[]> {
    return (await this.describe(table)).columns;
  }

  /** Encodes rows of a signal table; undefined when the table is not written natively. */
  async encode(table: string, rows: readonly object[]): Promise<EncodedBlock | undefined> {
    if (!isNativeTable(table)) return undefined;
    const { layout } = await this.describe(table);
    if (!layout) return undefined;
    try {
      return encodeNative(layout, rows);
    } catch (err) {
      if (err instanceof RowEncodingError) throw new StoreError("insert", `${table}: ${err.message}`, { cause: err });
      throw err;
    }
  }

  /**
   * Runs `insert` with the block's columns that the table has; when it fails and the table's
   * columns turn out to have changed since they were read, runs it once more with the new ones.
   */
  async insert(table: string, block: EncodedBlock, insert: (columns: string[]) => Promise<void>): Promise<void> {
    const before = await this.describe(table);
    const usable = (known: Known) => block.columns.filter((name) => known.insertable.has(name));
    try {
      await insert(usable(before));
    } catch (err) {
      this.known.delete(table);
      const after = await this.describe(table).catch(() => before);
      if (sameColumns(before.columns, after.columns)) throw err;
      await insert(usable(after));
    }
  }
}

function sameColumns(a: readonly TableColumn[], b: readonly TableColumn[]): boolean {
  return a.length === b.length && a.every((column, i) => column.name === b[i]!.name && column.type === b[i]!.type && column.defaultKind === b[i]!.defaultKind);
}

/** A column name as a SQL identifier. */
export const quoteIdentifier = (name: string) => "`" + name.replace(/\\/g, "\\\\").replace(/`/g, "\\`") + "`";

/** A string as a SQL literal. */
export const quoteString = (value: string) => "'" + value.replace(/\\/g, "\\\\").replace(/'/g, "\\'") + "'";
