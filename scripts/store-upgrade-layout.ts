#!/usr/bin/env -S npx tsx
// `npm run store:upgrade-layout` moves the configured database (BRAID_CLICKHOUSE_* / BRAID_CHDB_PATH,
// as for `braid`) from the v0.150 exporter layout to the current one, copying every row
// (store/layout-upgrade.ts). Stop ingest first (embedded chDB: stop Braid; the data directory is
// locked to one process anyway). Interrupted, it resumes where it stopped when run again.
//
//   npm run store:upgrade-layout                 copy, verify, swap; keep the old tables as *__exporter_v0150
//   npm run store:upgrade-layout -- --drop-backups   … and drop the old tables at the end
//   npm run store:upgrade-layout -- --status     print the layout of each table and exit
import { writeSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../runtime/config.js";
import { detectLayout, openStore, recordedLayout } from "../store/index.js";
import { describeUpgradeEvent as describe, upgradeLayout, type UpgradeEvent } from "../store/layout-upgrade.js";

const { values: flags } = parseArgs({ options: { "drop-backups": { type: "boolean" }, status: { type: "boolean" } } });

/** BRAID_LAYOUT_UPGRADE_FAILPOINTS="partition-inserted=3": SIGKILL at the 3rd such step (crash tests). */
function failpoints(spec = process.env.BRAID_LAYOUT_UPGRADE_FAILPOINTS): (event: UpgradeEvent) => void {
  const remaining = new Map((spec ?? "").split(",").filter(Boolean).map((part) => [part.split("=")[0]!.trim(), Number(part.split("=")[1] ?? 1)] as const));
  return (event) => {
    const left = remaining.get(event.kind);
    if (left === undefined) return;
    if (left <= 1) process.kill(process.pid, "SIGKILL");
    remaining.set(event.kind, left - 1);
  };
}

// Written synchronously: a progress line is on the terminal before the step after it starts, even
// if the process is killed then.
const say = (line: string) => void writeSync(1, `${line}\n`);
let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  throw err;
}

const store = await openStore({
  clickhouseUrl: config.store.clickhouseUrl,
  clickhouseUser: config.store.clickhouseUser,
  clickhousePassword: config.store.clickhousePassword,
  database: config.store.database,
  chdbDataDir: path.resolve(config.store.chdbPath),
});
try {
  if (flags.status) {
    const report = await detectLayout(store);
    say(`database ${store.database} (${store.driver}): ${report.layout}`);
    for (const [table, layout] of Object.entries(report.tables)) say(`  ${table}: ${layout}`);
    const recorded = await recordedLayout(store);
    if (recorded) say(`recorded: ${recorded.Layout} (${recorded.Event}, ${recorded.RecordedAt})`);
  } else {
    const crash = failpoints();
    const result = await upgradeLayout(store, {
      dropBackups: flags["drop-backups"] === true,
      onProgress: (event) => {
        const line = describe(event);
        if (line) say(line);
        crash(event);
      },
    });
    if (result.alreadyCurrent) say(`database ${store.database} is already in the ${result.to} layout`);
  }
} catch (err) {
  process.stderr.write(`store:upgrade-layout failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await store.close();
}
