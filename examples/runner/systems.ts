// The systems scenarios run on: the example shop, and the topologies of examples/topologies
// (played by the Go and Rust topology emitters).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseScenarioYaml, shopSystem, topologySystem, type Scenario, type SystemDescription } from "../../schemas/scenario.js";
import { parseTopologyYaml, type Topology } from "../../schemas/topology.js";

export const topologiesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../topologies");

const loaded = new Map<string, Topology>();

/** The topology named `name` (examples/topologies/<name>.yaml), validated, defaults filled. */
export function loadTopology(name: string): Topology {
  const cached = loaded.get(name);
  if (cached) return cached;
  const file = path.join(topologiesDir, `${name}.yaml`);
  if (!existsSync(file)) throw new Error(`no topology ${name} (${file})`);
  const topology = parseTopologyYaml(readFileSync(file, "utf8"), file);
  loaded.set(name, topology);
  return topology;
}

/** Finds a scenario's system: the shop, or a topology by name. */
export function exampleSystem(name: string): SystemDescription | undefined {
  if (name === "shop") return shopSystem;
  if (!existsSync(path.join(topologiesDir, `${name}.yaml`))) return undefined;
  return topologySystem(loadTopology(name));
}

/** Reads and validates a scenario file against the system it names. */
export function readScenario(file: string): Scenario {
  return parseScenarioYaml(readFileSync(file, "utf8"), file, exampleSystem);
}
