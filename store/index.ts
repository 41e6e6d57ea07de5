export type { Store, InsertOptions, QueryParams } from "./store.js";
export { StoreError, assertIdentifier, isStoreRejection, withDatabase } from "./store.js";
export { classifyStoreError, clickhouseErrorOf, type StoreFailure, type StoreFailureKind } from "./errors.js";
export { ChdbStore } from "./chdb-store.js";
export { ClickHouseStore, type ClickHouseStoreOptions } from "./clickhouse-store.js";
export { migrate, loadMigrations, migrationsDir, type Migration } from "./migrate.js";
export { openStore, type StoreSettings } from "./open.js";
