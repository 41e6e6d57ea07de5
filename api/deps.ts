// What every route plugin receives: created once at start and passed down (no globals).
import type { Logger } from "pino";
import type { ChangeEvent } from "../schemas/changes.js";
import type { LatencyBudget } from "../schemas/config.js";
import type { Store } from "../store/index.js";

export interface ApiDeps {
  store: Store;
  logger: Logger;
  /** The correlator's latency budgets (correlator.latencyBudgets), shown against each trace's critical path. */
  latencyBudgets?: readonly LatencyBudget[];
  /** Alerting: where file rules are read from (the API lists and validates them). */
  alerting?: { rulesDir?: string };
  /** Puts a change event on the changes topic (tenant undefined: the default tenant); absent without Kafka. */
  publishChange?: (event: ChangeEvent, tenant: string | undefined) => Promise<{ changeId: string; tenant: string; topic: string }>;
}
