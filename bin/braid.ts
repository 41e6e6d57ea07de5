#!/usr/bin/env -S npx tsx
// Braid's process entry point: `braid` runs the configured roles until SIGTERM/SIGINT.
import { ConfigError, loadConfig } from "../runtime/config.js";
import { startBraid } from "../runtime/app.js";
import { createLogger } from "../runtime/logger.js";

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

const logger = createLogger(config.log.level);
const braid = await startBraid(config, { logger }).catch((err: Error) => {
  logger.fatal({ err }, "braid failed to start");
  process.exit(1);
});
logger.info({ roles: config.roles, api: braid.apiAddress }, "braid started");

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down: finishing in-flight batches, committing, leaving the group");
    braid
      .stop()
      .then(() => process.exit(0))
      .catch((err: Error) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      });
  });
}
