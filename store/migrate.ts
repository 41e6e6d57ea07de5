// Applies the versioned DDL files in schemas/clickhouse/migrations in order, once each, and
// records them in braid_schema_migrations. Safe on every start: applied versions are skipped and
// every statement is idempotent (IF NOT EXISTS), so a crash halfway through a file is recovered by
// running it again. A migration never changes what a shipped file does; it adds a new one.
//
// A file that starts with `-- braid:layout <name>` creates signal tables in one exporter layout
// (store/layout.ts): it is applied only to a database of that layout. A new database gets the
// current layout; an existing one keeps its own (moving it is `npm run store:upgrade-layout`).
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CURRENT_LAYOUT, detectLayout, isStoreLayout, recordLayout, type StoreLayout } from "./layout.js";
import { assertIdentifier, type Store } from "./store.js";

export const migrationsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../schemas/clickhouse/migrations");

export interface Migration {
  version: number;
  name: string;
  statements: string[];
  /** Of the statements (comments excluded), so editing a comment does not change it. */
  checksum: string;
  /** Set when the file creates tables of one exporter layout. */
  layout?: StoreLayout;
}

const layoutDirective = /^--\s*braid:layout\s+(\S+)\s*$/m;

/** Reads NNNN_name.sql files, sorted by version; statements are split on a trailing ';'. */
export function loadMigrations(dir = migrationsDir): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[\w-]+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const text = readFileSync(path.join(dir, file), "utf8");
      const statements = text
        .split(/;\s*$/m)
        .map((statement) =>
          statement
            .split("\n")
            .filter((line) => !line.trim().startsWith("--"))
            .join("\n")
            .trim(),
        )
        .filter((statement) => statement.length > 0);
      const layout = layoutDirective.exec(text)?.[1];
      if (layout !== undefined && !isStoreLayout(layout)) throw new Error(`migration ${file}: unknown layout '${layout}' in its braid:layout line`);
      return {
        version: Number(file.slice(0, 4)),
        name: file.replace(/\.sql$/, ""),
        statements,
        checksum: createHash("sha256").update(statements.join(";\n")).digest("hex").slice(0, 16),
        ...(layout ? { layout } : {}),
      };
    });
}

async function bootstrap(store: Store): Promise<void> {
  await store.exec(`CREATE DATABASE IF NOT EXISTS ${assertIdentifier(store.database, "database")}`);
  await store.exec(
    `CREATE TABLE IF NOT EXISTS {{db}}.braid_schema_migrations (
       Version UInt32, Name String, Checksum String, AppliedAt DateTime64(3) DEFAULT now64(3)
     ) ENGINE = ReplacingMergeTree ORDER BY Version`,
  );
}

/** Versions recorded in braid_schema_migrations. */
export async function appliedMigrations(store: Store): Promise<Set<number>> {
  await bootstrap(store);
  return new Set((await store.query<{ Version: number }>("SELECT Version FROM {{db}}.braid_schema_migrations")).map((row) => Number(row.Version)));
}

/** Records migrations as applied (the layout upgrade does this for the layout it created). */
export async function recordMigrations(store: Store, migrations: readonly Migration[]): Promise<void> {
  if (migrations.length === 0) return;
  await store.insert(
    "braid_schema_migrations",
    migrations.map((m) => ({ Version: m.version, Name: m.name, Checksum: m.checksum })),
  );
}

export interface MigrateOptions {
  migrations?: Migration[];
  /** The layout a database without signal tables is created in; CURRENT_LAYOUT by default (tests create old ones). */
  newDatabaseLayout?: StoreLayout;
}

/** Brings the store's database up to the newest migration; returns the versions applied now. */
export async function migrate(store: Store, options: MigrateOptions = {}): Promise<number[]> {
  const migrations = options.migrations ?? loadMigrations();
  const applied = await appliedMigrations(store);
  const before = await detectLayout(store);
  // "mixed" is a layout upgrade halfway: its tables exist, the upgrade command finishes the move.
  const layout = before.layout === "none" ? (options.newDatabaseLayout ?? CURRENT_LAYOUT) : before.layout;
  const done: number[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    if (migration.layout && migration.layout !== layout) continue;
    for (const statement of migration.statements) {
      try {
        await store.exec(statement);
      } catch (err) {
        throw new Error(`migration ${migration.name} failed: ${(err as Error).message}`, { cause: err });
      }
    }
    await recordMigrations(store, [migration]);
    done.push(migration.version);
  }
  await recordLayout(store, await detectLayout(store), before.layout === "none" ? "created" : "detected");
  return done;
}
