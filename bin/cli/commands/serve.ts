// `braid serve` (alias `start`): runs the configured roles (ingest, correlator, api) until SIGTERM
// or SIGINT, as `npm start`, the Dockerfile and docker-compose do.
import { startBraid } from "../../../runtime/app.js";
import { createLogger } from "../../../runtime/logger.js";
import { loadBraidConfig } from "../braid-config.js";

export interface ServeOptions {
  config?: string;
  roles?: string;
}

/** Resolves only when the process is stopped by a signal (then the process exits). */
export async function serve(options: ServeOptions): Promise<never> {
  const config = loadBraidConfig(options);
  const logger = createLogger(config.log.level);
  const braid = await startBraid(config, { logger }).catch((err: Error) => {
    logger.fatal({ err }, "braid failed to start");
    process.exit(2);
  });
  logger.info({ roles: config.roles, api: braid.apiAddress }, "braid started");
  let stopping = false;
  return new Promise<never>(() => {
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
  });
}
