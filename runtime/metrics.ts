// One prom-client registry per process, created at start and passed down; /metrics serves it.
import { Registry, collectDefaultMetrics } from "prom-client";

export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "braid_process_" });
  return registry;
}
export type { Registry };
