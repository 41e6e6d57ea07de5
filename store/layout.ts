// Which release of the OpenTelemetry Collector ClickHouse exporter's table layout a database
// follows. Braid creates new databases in the current one; a database created by an earlier Braid
// keeps its layout (Braid's queries, views and scripts work on both) until an operator moves it
// with `npm run store:upgrade-layout` (store/layout-upgrade.ts), because that copies every row.
//
// The layout is detected from the tables themselves at every start (system.columns: it is what
// the tables are, whatever was recorded) and recorded in braid_store_layout when it changes, so
// `SELECT * FROM braid_store_layout` tells an operator what a database was and when it changed.
import { assertIdentifier, type Store } from "./store.js";

export const LAYOUTS = {
  "exporter-v0.150": {
    exporterVersion: "v0.150 (traces, logs) and v0.156 (metrics)",
    description: "logs keyed on TimestampTime, metric times as DateTime64(9), ZSTD(1)",
    migrations: [1, 2, 3],
  },
  "exporter-v0.165.1": {
    exporterVersion: "v0.165.1",
    description: "logs keyed and partitioned on Timestamp with __otel_materialized_* columns, metric times as DateTime, ZSTD(3)",
    migrations: [5, 6, 7],
  },
} as const;

export type StoreLayout = keyof typeof LAYOUTS;
/** The layout of databases Braid creates. */
export const CURRENT_LAYOUT: StoreLayout = "exporter-v0.165.1";
export const LEGACY_LAYOUT: StoreLayout = "exporter-v0.150";

export function isStoreLayout(value: string): value is StoreLayout {
  return Object.hasOwn(LAYOUTS, value);
}

/** The tables whose layout differs between releases (otel_traces_trace_id_ts is the same in both). */
export const LAYOUT_TABLES = [
  "otel_traces",
  "otel_logs",
  "otel_metrics_gauge",
  "otel_metrics_sum",
  "otel_metrics_histogram",
  "otel_metrics_exponential_histogram",
  "otel_metrics_summary",
] as const;
export type LayoutTable = (typeof LAYOUT_TABLES)[number];

export interface LayoutReport {
  /** The layout of every table present; "mixed" while an upgrade is half done; "none" for a new database. */
  layout: StoreLayout | "mixed" | "none";
  tables: Record<LayoutTable, StoreLayout | "missing">;
}

interface ColumnInfo {
  table: string;
  name: string;
  type: string;
}

/** The layout of one table, from its columns: each release is told apart by a column it alone has. */
export function tableLayout(table: LayoutTable, columns: readonly { name: string; type: string }[]): StoreLayout | "missing" {
  if (columns.length === 0) return "missing";
  const has = (name: string) => columns.some((c) => c.name === name);
  if (table === "otel_traces") return has("SpanAttributeItems") ? "exporter-v0.165.1" : "exporter-v0.150";
  if (table === "otel_logs") return has("__otel_materialized_k8s.pod.name") ? "exporter-v0.165.1" : "exporter-v0.150";
  const time = columns.find((c) => c.name === "TimeUnix")?.type ?? "";
  return time.startsWith("DateTime64") ? "exporter-v0.150" : "exporter-v0.165.1";
}

/** The layout of the store's database, table by table (one query on system.columns). */
export async function detectLayout(store: Store, database = store.database): Promise<LayoutReport> {
  const columns = await store.query<ColumnInfo>(
    "SELECT table, name, type FROM system.columns WHERE database = {database:String} AND table IN {tables:Array(String)}",
    { database: assertIdentifier(database, "database"), tables: [...LAYOUT_TABLES] },
  );
  const tables = Object.fromEntries(LAYOUT_TABLES.map((table) => [table, tableLayout(table, columns.filter((c) => c.table === table))])) as LayoutReport["tables"];
  const present = new Set(Object.values(tables).filter((layout) => layout !== "missing"));
  const layout = present.size === 0 ? "none" : present.size === 1 ? ([...present][0] as StoreLayout) : "mixed";
  return { layout, tables };
}

const layoutTableDdl = `CREATE TABLE IF NOT EXISTS {{db}}.braid_store_layout (
  Layout LowCardinality(String),
  ExporterVersion String,
  Tables Map(String, String),
  Event LowCardinality(String),
  RecordedAt DateTime64(3) DEFAULT now64(3)
) ENGINE = MergeTree ORDER BY RecordedAt`;

export interface RecordedLayout {
  Layout: string;
  ExporterVersion: string;
  Tables: Record<string, string>;
  Event: string;
  RecordedAt: string;
}

/** The last recorded layout of the database, or undefined before the first record. */
export async function recordedLayout(store: Store): Promise<RecordedLayout | undefined> {
  await store.exec(layoutTableDdl);
  const [last] = await store.query<RecordedLayout>("SELECT Layout, ExporterVersion, Tables, Event, toString(RecordedAt) AS RecordedAt FROM {{db}}.braid_store_layout ORDER BY RecordedAt DESC LIMIT 1");
  return last;
}

/**
 * Records the layout when it differs from the last record (events: "created", "detected",
 * "upgrade-started", "upgraded"); returns what is recorded now.
 */
export async function recordLayout(store: Store, report: LayoutReport, event: string): Promise<RecordedLayout> {
  const last = await recordedLayout(store);
  const tables: Record<string, string> = { ...report.tables };
  const exporterVersion = isStoreLayout(report.layout) ? LAYOUTS[report.layout].exporterVersion : "";
  const sorted = (map: Record<string, string>) => JSON.stringify(Object.entries(map).sort(([a], [b]) => a.localeCompare(b)));
  if (last && last.Layout === report.layout && sorted(last.Tables) === sorted(tables)) return last;
  await store.insert("braid_store_layout", [{ Layout: report.layout, ExporterVersion: exporterVersion, Tables: tables, Event: event }]);
  return { Layout: report.layout, ExporterVersion: exporterVersion, Tables: tables, Event: event, RecordedAt: new Date().toISOString() };
}
