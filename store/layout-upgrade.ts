// Moves a database from the v0.150 exporter layout to the current one (store/layout.ts). The two
// layouts have different sorting and partition keys and column types, which ClickHouse cannot
// ALTER in place, so every row is copied:
//
//   1. per table, a staging table <table>__upgrade is created with the current layout's DDL
//      (the same statements as migrations 0005-0007);
//   2. the rows are copied one partition at a time (INSERT … SELECT, deduplication off so a
//      re-copied partition is never mistaken for a retry); each partition is verified (rows and a
//      checksum of every column, both read as the new layout's types) and recorded in
//      braid_layout_upgrade before the next one starts;
//   3. a catch-up pass re-copies any partition that changed meanwhile (the command refuses to
//      swap while a table keeps changing: ingest must be stopped, which embedded chDB guarantees);
//   4. EXCHANGE TABLES puts the new table in place atomically (views that read otel_traces follow
//      the name, so braid_red_10s and the trace-id lookup go on being fed), and the old table is
//      kept as <table>__exporter_v0150 until the operator drops it (dropBackups).
//
// Every step is recorded or detectable, so an interrupted run (crash, kill, lost connection) is
// resumed by running it again: a partition copied but not recorded is dropped from the staging
// table and copied again; a swap done but not renamed is detected from the tables themselves.
import { appliedMigrations, loadMigrations, recordMigrations, type Migration } from "./migrate.js";
import { CURRENT_LAYOUT, detectLayout, LAYOUT_TABLES, LAYOUTS, LEGACY_LAYOUT, recordLayout, type LayoutReport, type LayoutTable } from "./layout.js";
import { assertIdentifier, type Store } from "./store.js";

export type UpgradeEvent =
  | { kind: "start"; from: LayoutReport["layout"]; to: typeof CURRENT_LAYOUT; tables: LayoutTable[] }
  | { kind: "table"; table: LayoutTable; partitions: number; rows: number }
  | { kind: "partition-inserted"; table: LayoutTable; partition: string; rows: number }
  | { kind: "partition-copied"; table: LayoutTable; partition: string; rows: number; done: number; total: number }
  | { kind: "partition-skipped"; table: LayoutTable; partition: string; rows: number; done: number; total: number }
  | { kind: "exchanged"; table: LayoutTable }
  | { kind: "swapped"; table: LayoutTable; backup: string }
  | { kind: "backup-kept"; table: LayoutTable; backup: string }
  | { kind: "backup-dropped"; table: LayoutTable; backup: string }
  | { kind: "done"; layout: typeof CURRENT_LAYOUT; rows: number };

export interface UpgradeOptions {
  /** Called at every step, and awaited (the script prints them; tests stop the process at one). */
  onProgress?: (event: UpgradeEvent) => void | Promise<void>;
  /** Drop the old tables once everything is verified and swapped (default: keep them as backups). */
  dropBackups?: boolean;
  /** Catch-up passes before giving up on a table that keeps changing (default 3). */
  catchUpPasses?: number;
}

export interface UpgradeResult {
  /** The layout found before the run. */
  from: LayoutReport["layout"];
  to: typeof CURRENT_LAYOUT;
  alreadyCurrent: boolean;
  tables: { table: LayoutTable; partitions: number; rows: number; backup: string | undefined }[];
}

const count = (n: number) => n.toLocaleString("en-US");

/** One line for people per step (npm run store:upgrade-layout, braid migrate --layout); undefined for the quiet ones. */
export function describeUpgradeEvent(event: UpgradeEvent): string | undefined {
  switch (event.kind) {
    case "start":
      return `upgrading from ${event.from} to ${event.to} (exporter ${LAYOUTS[event.to].exporterVersion}): ${event.tables.join(", ")}`;
    case "table":
      return `${event.table}: ${count(event.rows)} rows in ${event.partitions} partitions`;
    case "partition-copied":
      return `  ${event.table} ${event.partition} (${event.done}/${event.total}): ${count(event.rows)} rows copied and verified`;
    case "partition-skipped":
      return `  ${event.table} ${event.partition} (${event.done}/${event.total}): copied by an earlier run`;
    case "swapped":
      return `${event.table}: now in the new layout; the old table is ${event.backup}`;
    case "backup-kept":
      return `kept ${event.backup} (drop it when satisfied: DROP TABLE ${event.backup}, or run again with --drop-backups)`;
    case "backup-dropped":
      return `dropped ${event.backup}`;
    case "done":
      return `done: the database is in the ${event.layout} layout`;
    default:
      return undefined;
  }
}

type Emit = (event: UpgradeEvent) => Promise<void>;

export const stagingName = (table: LayoutTable) => `${table}__upgrade`;
export const backupName = (table: LayoutTable) => `${table}__exporter_v0150`;

const progressDdl = `CREATE TABLE IF NOT EXISTS {{db}}.braid_layout_upgrade (
  Target LowCardinality(String),
  TableName LowCardinality(String),
  PartitionId String,
  Rows UInt64,
  Checksum UInt64,
  RecordedAt DateTime64(3) DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(RecordedAt) ORDER BY (Target, TableName, PartitionId)`;

interface ColumnRow {
  name: string;
  type: string;
  default_kind: string;
}

interface PartitionStats {
  rows: number;
  checksum: string;
}

const quote = (name: string) => "`" + name.replace(/`/g, "``") + "`";
const partitionIdPattern = /^[A-Za-z0-9_-]+$/;

function partitionLiteral(id: string): string {
  if (!partitionIdPattern.test(id)) throw new Error(`unexpected partition id '${id}'`);
  return `'${id}'`;
}

/** The CREATE TABLE statement of `table` in the current layout's migrations, for another name. */
export function currentLayoutDdl(table: LayoutTable, as: string, migrations: readonly Migration[] = loadMigrations()): string {
  const head = `CREATE TABLE IF NOT EXISTS {{db}}.${table} (`;
  for (const migration of migrations) {
    if (migration.layout !== CURRENT_LAYOUT) continue;
    const statement = migration.statements.find((s) => s.startsWith(head));
    if (statement) return statement.replace(head, `CREATE TABLE IF NOT EXISTS {{db}}.${assertIdentifier(as, "table")} (`);
  }
  throw new Error(`no ${CURRENT_LAYOUT} migration creates ${table}`);
}

/**
 * The projections later migrations add to `table` (ALTER TABLE … ADD PROJECTION), for another
 * name: the staging table gets them before the copy, since those migrations are recorded as
 * applied already and would not run on the swapped-in table.
 */
export function laterProjections(table: LayoutTable, as: string, migrations: readonly Migration[] = loadMigrations()): string[] {
  const head = `ALTER TABLE {{db}}.${table} ADD PROJECTION `;
  return migrations.flatMap((m) => m.statements.filter((s) => s.startsWith(head)).map((s) => s.replace(head, `ALTER TABLE {{db}}.${assertIdentifier(as, "table")} ADD PROJECTION `)));
}

async function tableExists(store: Store, table: string): Promise<boolean> {
  const rows = await store.query("SELECT 1 FROM system.tables WHERE database = {db:String} AND name = {table:String}", { db: store.database, table });
  return rows.length > 0;
}

async function columnsOf(store: Store, table: string): Promise<ColumnRow[]> {
  return store.query<ColumnRow>("SELECT name, type, default_kind FROM system.columns WHERE database = {db:String} AND table = {table:String} ORDER BY position", { db: store.database, table });
}

/**
 * The columns to copy (the new table's stored columns: MATERIALIZED and ALIAS ones are computed
 * by ClickHouse) and the checksum expression over them, read as the new layout's types on both
 * sides (a DateTime64(9) metric time is compared as the DateTime it becomes).
 */
async function copyPlan(store: Store, source: string, target: string): Promise<{ columns: string; checksum: string }> {
  const sourceNames = new Set((await columnsOf(store, source)).map((c) => c.name));
  const stored = (await columnsOf(store, target)).filter((c) => (c.default_kind === "" || c.default_kind === "DEFAULT") && sourceNames.has(c.name));
  const columns = stored.map((c) => quote(c.name)).join(", ");
  const checksum = `sum(cityHash64(${stored.map((c) => checksumTerm(quote(c.name), c.type)).join(", ")}))`;
  return { columns, checksum };
}

// Whole seconds, clamped to DateTime's range as an insert into a DateTime column clamps them
// (CAST wraps around instead, so it cannot stand for what the copy holds).
const secondsOf = (time: string) => `greatest(least(intDiv(toUnixTimestamp64Nano(toDateTime64(${time}, 9)), 1000000000), 4294967295), 0)`;

/** A column's value in the checksum, read as the new table's type `type` (on either table). */
export function checksumTerm(column: string, type: string): string {
  if (type === "DateTime") return secondsOf(column);
  if (type === "Array(DateTime)") return `arrayMap(t -> ${secondsOf("t")}, ${column})`;
  return `CAST(${column}, '${type.replace(/'/g, "\\'")}')`;
}

async function partitionStats(store: Store, table: string, checksum: string, partition: string): Promise<PartitionStats> {
  const [row] = await store.query<{ rows: string; checksum: string }>(
    `SELECT count() AS rows, toString(${checksum}) AS checksum FROM {{db}}.${table} WHERE _partition_id = {partition:String}`,
    { partition },
  );
  return { rows: Number(row?.rows ?? 0), checksum: row?.checksum ?? "0" };
}

/** Rows per partition (count(), so rows a lightweight DELETE removed are not counted). */
async function partitionsOf(store: Store, table: string): Promise<Map<string, number>> {
  const rows = await store.query<{ partition: string; rows: string }>(`SELECT _partition_id AS partition, toString(count()) AS rows FROM {{db}}.${table} GROUP BY partition ORDER BY partition`);
  return new Map(rows.map((r) => [r.partition, Number(r.rows)]));
}

async function recordedPartitions(store: Store, table: LayoutTable): Promise<Map<string, PartitionStats>> {
  const rows = await store.query<{ PartitionId: string; Rows: string; Checksum: string }>(
    "SELECT PartitionId, toString(argMax(Rows, RecordedAt)) AS Rows, toString(argMax(Checksum, RecordedAt)) AS Checksum FROM {{db}}.braid_layout_upgrade WHERE Target = {target:String} AND TableName = {table:String} GROUP BY PartitionId",
    { target: CURRENT_LAYOUT, table },
  );
  return new Map(rows.map((r) => [r.PartitionId, { rows: Number(r.Rows), checksum: r.Checksum }]));
}

/** Copies one partition into the staging table, verifies it and records it. */
async function copyPartition(store: Store, table: LayoutTable, partition: string, plan: { columns: string; checksum: string }, emit: Emit): Promise<PartitionStats> {
  const staging = stagingName(table);
  // A partition copied by an interrupted run but not recorded: start it over.
  await store.exec(`ALTER TABLE {{db}}.${staging} DROP PARTITION ID ${partitionLiteral(partition)}`);
  await store.exec(
    `INSERT INTO {{db}}.${staging} (${plan.columns}) SETTINGS insert_deduplicate = 0
     SELECT ${plan.columns} FROM {{db}}.${table} WHERE _partition_id = {partition:String}`,
    { partition },
  );
  const source = await partitionStats(store, table, plan.checksum, partition);
  await emit({ kind: "partition-inserted", table, partition, rows: source.rows });
  const copied = await partitionStats(store, staging, plan.checksum, partition);
  if (copied.rows !== source.rows || copied.checksum !== source.checksum) {
    throw new Error(
      `${table} partition ${partition}: the copy does not match (source ${source.rows} rows, checksum ${source.checksum}; copy ${copied.rows} rows, checksum ${copied.checksum}); ` +
        "if ingest is running, stop it and run the upgrade again (it resumes)",
    );
  }
  await store.insert("braid_layout_upgrade", [{ Target: CURRENT_LAYOUT, TableName: table, PartitionId: partition, Rows: source.rows, Checksum: source.checksum }]);
  return source;
}

/**
 * Copies every partition not yet recorded, or whose row count changed since it was, until a pass
 * finds nothing to do (each copy was verified by checksum when it was made).
 */
async function copyTable(store: Store, table: LayoutTable, options: UpgradeOptions, emit: Emit): Promise<{ partitions: number; rows: number }> {
  const staging = stagingName(table);
  const plan = await copyPlan(store, table, staging);
  const passes = options.catchUpPasses ?? 3;
  for (let pass = 0; pass <= passes; pass++) {
    const source = await partitionsOf(store, table);
    const recorded = await recordedPartitions(store, table);
    const copiedHere = await partitionsOf(store, staging);
    const total = [...source.values()].reduce((a, b) => a + b, 0);
    if (pass === 0) await emit({ kind: "table", table, partitions: source.size, rows: total });
    // Partitions gone from the source meanwhile (TTL, DROP PARTITION) go from the copy too.
    for (const partition of copiedHere.keys()) {
      if (!source.has(partition)) await store.exec(`ALTER TABLE {{db}}.${staging} DROP PARTITION ID ${partitionLiteral(partition)}`);
    }
    let changed = 0;
    let done = 0;
    for (const [partition, rows] of source) {
      done++;
      if (recorded.get(partition)?.rows === rows && copiedHere.get(partition) === rows) {
        if (pass === 0) await emit({ kind: "partition-skipped", table, partition, rows, done, total: source.size });
        continue;
      }
      const stats = await copyPartition(store, table, partition, plan, emit);
      changed++;
      await emit({ kind: "partition-copied", table, partition, rows: stats.rows, done, total: source.size });
    }
    if (changed === 0) return { partitions: source.size, rows: total };
  }
  throw new Error(`${table} kept changing during ${passes} catch-up passes: stop ingest (every Braid process writing to database ${store.database}) and run the upgrade again; the copied partitions are kept`);
}

/**
 * Moves the store's database to the current exporter layout, copying every row; resumable, and a
 * no-op on a database already in it. The old tables are kept as <table>__exporter_v0150 unless
 * dropBackups is set.
 */
export async function upgradeLayout(store: Store, options: UpgradeOptions = {}): Promise<UpgradeResult> {
  const emit: Emit = async (event) => {
    await options.onProgress?.(event);
  };
  const before = await detectLayout(store);
  const staged = await Promise.all(LAYOUT_TABLES.map(async (table) => ((await tableExists(store, stagingName(table))) ? table : undefined)));
  const pendingRename = new Set(staged.filter((t): t is LayoutTable => t !== undefined));
  const toMove = LAYOUT_TABLES.filter((table) => before.tables[table] === LEGACY_LAYOUT || pendingRename.has(table));
  const result: UpgradeResult = { from: before.layout, to: CURRENT_LAYOUT, alreadyCurrent: toMove.length === 0, tables: [] };
  if (before.layout === "none") throw new Error(`database ${store.database} has no signal tables: start Braid once to create them (in the ${CURRENT_LAYOUT} layout)`);

  await store.exec(progressDdl);
  if (toMove.length > 0) {
    await emit({ kind: "start", from: before.layout, to: CURRENT_LAYOUT, tables: toMove });
    await recordLayout(store, before, "upgrade-started");
  }
  for (const table of toMove) {
    const staging = stagingName(table);
    const backup = backupName(table);
    let copied = { partitions: 0, rows: 0 };
    if (before.tables[table] === LEGACY_LAYOUT) {
      if (await tableExists(store, backup)) throw new Error(`${backup} exists already: drop or rename it before upgrading ${table}`);
      await store.exec(currentLayoutDdl(table, staging));
      for (const statement of laterProjections(table, staging)) await store.exec(statement);
      copied = await copyTable(store, table, options, emit);
      await store.exec(`EXCHANGE TABLES {{db}}.${table} AND {{db}}.${staging}`);
      await emit({ kind: "exchanged", table });
    }
    // After the exchange the staging name holds the old table: keep it under its backup name.
    await store.exec(`RENAME TABLE {{db}}.${staging} TO {{db}}.${backup}`);
    await emit({ kind: "swapped", table, backup });
    result.tables.push({ table, ...copied, backup });
  }

  const after = await detectLayout(store);
  if (after.layout !== CURRENT_LAYOUT) throw new Error(`the upgrade left the database in layout '${after.layout}': ${JSON.stringify(after.tables)}`);
  // The current layout's migrations now describe the tables: record them, so `migrate` skips them.
  const applied = await appliedMigrations(store);
  await recordMigrations(store, loadMigrations().filter((m) => (LAYOUTS[CURRENT_LAYOUT].migrations as readonly number[]).includes(m.version) && !applied.has(m.version)));
  await recordLayout(store, after, toMove.length > 0 ? "upgraded" : "detected");

  for (const table of LAYOUT_TABLES) {
    const backup = backupName(table);
    if (!(await tableExists(store, backup))) continue;
    if (options.dropBackups) {
      await store.exec(`DROP TABLE {{db}}.${backup}`);
      await emit({ kind: "backup-dropped", table, backup });
    } else {
      await emit({ kind: "backup-kept", table, backup });
    }
    const entry = result.tables.find((t) => t.table === table);
    if (entry && options.dropBackups) entry.backup = undefined;
  }
  await emit({ kind: "done", layout: CURRENT_LAYOUT, rows: result.tables.reduce((sum, t) => sum + t.rows, 0) });
  return result;
}
