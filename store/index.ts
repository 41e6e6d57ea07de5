export type { Store, InsertOptions, QueryParams } from "./store.js";
export { StoreError, assertIdentifier, isStoreRejection, withDatabase } from "./store.js";
export { classifyStoreError, clickhouseErrorOf, type StoreFailure, type StoreFailureKind } from "./errors.js";
export { ChdbStore } from "./chdb-store.js";
export { ClickHouseStore, type ClickHouseStoreOptions } from "./clickhouse-store.js";
export { migrate, loadMigrations, migrationsDir, appliedMigrations, type Migration, type MigrateOptions } from "./migrate.js";
export { CURRENT_LAYOUT, LEGACY_LAYOUT, LAYOUTS, LAYOUT_TABLES, detectLayout, recordedLayout, type StoreLayout, type LayoutReport, type RecordedLayout } from "./layout.js";
export { openStore, connectStore, type StoreSettings } from "./open.js";
export { upgradeLayout, describeUpgradeEvent, type UpgradeEvent, type UpgradeOptions, type UpgradeResult } from "./layout-upgrade.js";
