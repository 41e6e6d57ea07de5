// Applies the versioned DDL files in schemas/clickhouse/migrations in order, once each, and
// records them in braid_schema_migrations. Safe on every start: applied versions are skipped and
// every statement is idempotent (IF NOT EXISTS), so a crash halfway through a file is recovered by
// running it again. A migration never changes a file that already shipped; it adds a new one.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { assertIdentifier, type Store } from "./store.js";

export const migrationsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../schemas/clickhouse/migrations");

export interface Migration {
  version: number;
  name: string;
  statements: string[];
  checksum: string;
}

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
      return {
        version: Number(file.slice(0, 4)),
        name: file.replace(/\.sql$/, ""),
        statements,
        checksum: createHash("sha256").update(text).digest("hex").slice(0, 16),
      };
    });
}

/** Brings the store's database up to the newest migration; returns the versions applied now. */
export async function migrate(store: Store, migrations = loadMigrations()): Promise<number[]> {
  await store.exec(`CREATE DATABASE IF NOT EXISTS ${assertIdentifier(store.database, "database")}`);
  await store.exec(
    `CREATE TABLE IF NOT EXISTS {{db}}.braid_schema_migrations (
       Version UInt32, Name String, Checksum String, AppliedAt DateTime64(3) DEFAULT now64(3)
     ) ENGINE = ReplacingMergeTree ORDER BY Version`,
  );
  const applied = new Set(
    (await store.query<{ Version: number }>("SELECT Version FROM {{db}}.braid_schema_migrations")).map((row) => Number(row.Version)),
  );
  const done: number[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    for (const statement of migration.statements) {
      try {
        await store.exec(statement);
      } catch (err) {
        throw new Error(`migration ${migration.name} failed: ${(err as Error).message}`, { cause: err });
      }
    }
    await store.insert("braid_schema_migrations", [
      { Version: migration.version, Name: migration.name, Checksum: migration.checksum },
    ]);
    done.push(migration.version);
  }
  return done;
}
