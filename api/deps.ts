// What every route plugin receives: created once at start and passed down (no globals).
import type { Logger } from "pino";
import type { Store } from "../store/index.js";

export interface ApiDeps {
  store: Store;
  logger: Logger;
  /** Alerting: where file rules are read from (the API lists and validates them). */
  alerting?: { rulesDir?: string };
}
