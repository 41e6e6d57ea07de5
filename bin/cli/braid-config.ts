// Braid's configuration for the commands that run parts of it (serve, migrate, replay, backfill),
// in its own module so that importing it does not load Braid itself (Kafka, ClickHouse, the SDK):
// the operator commands are registered on every `braid` run, `braid --help` included.
import { ConfigError, loadConfig } from "../../runtime/config.js";
import { CliError } from "./exit-codes.js";

/** Environment for loadConfig with the command's --config and --roles applied. */
function braidEnv(options: { config?: string; roles?: string }, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out = { ...env };
  if (options.config) out.BRAID_CONFIG = options.config;
  if (options.roles) out.BRAID_ROLES = options.roles;
  return out;
}

export function loadBraidConfig(options: { config?: string; roles?: string }, env: NodeJS.ProcessEnv = process.env) {
  try {
    return loadConfig(braidEnv(options, env));
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message);
    throw err;
  }
}
