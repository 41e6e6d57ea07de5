import { ChdbStore } from "./chdb-store.js";
import { ClickHouseStore } from "./clickhouse-store.js";
import { migrate } from "./migrate.js";
import type { Store } from "./store.js";

export interface StoreSettings {
  /** A ClickHouse server URL selects @clickhouse/client; without one, embedded chDB is used. */
  clickhouseUrl?: string;
  clickhouseUser?: string;
  clickhousePassword?: string;
  clickhouseTls?: { caFile?: string; certFile?: string; keyFile?: string };
  database: string;
  chdbDataDir: string;
}

/** Connects to the configured store without touching its schema (`braid migrate` applies it itself). */
export function connectStore(settings: StoreSettings): Store {
  return settings.clickhouseUrl
    ? new ClickHouseStore({
        url: settings.clickhouseUrl,
        database: settings.database,
        username: settings.clickhouseUser,
        password: settings.clickhousePassword,
        tls: settings.clickhouseTls,
      })
    : new ChdbStore(settings.chdbDataDir, settings.database);
}

/** Opens the configured store and applies pending migrations. */
export async function openStore(settings: StoreSettings): Promise<Store> {
  const store = connectStore(settings);
  try {
    await migrate(store);
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  return store;
}
