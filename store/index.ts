export type { Store, InsertOptions, QueryParams } from "./store.js";
export { StoreError, assertIdentifier, withDatabase } from "./store.js";
export { ChdbStore } from "./chdb-store.js";
export { ClickHouseStore, type ClickHouseStoreOptions } from "./clickhouse-store.js";
export { migrate, loadMigrations, migrationsDir, type Migration } from "./migrate.js";
export { openStore, connectStore, type StoreSettings } from "./open.js";
