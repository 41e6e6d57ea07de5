// Scenario files (examples/scenarios/*.yaml): a load on a system — the example shop, or a
// topology of examples/topologies played by the topology emitters — the faults injected into it
// on a schedule, and what Braid is expected to find. The runner (examples/runner) executes them;
// benchmarks score Braid's incidents against `expect`.
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { dependenciesOf, type Topology } from "./topology.js";

/** The shop's services and, per service, the dependencies it calls (examples/README.md). */
export const shopServices = ["frontend", "checkout", "payments", "inventory"] as const;
export const shopPeers = ["postgres", "redis"] as const;
export type ShopService = (typeof shopServices)[number];

export const faultKinds = [
  "connection_refused",
  "connection_reset",
  "dns",
  "timeout",
  "panic",
  "no_rows",
  "tls_cert_expired",
  "pool_exhausted",
  "http_5xx",
] as const;
export type FaultKind = (typeof faultKinds)[number];

/** What a dependency is, for the faults that can happen on calls to it. */
export type DependencyKind = "service" | "sql" | "cache" | "document" | "topic";

/** A system a scenario runs on: its services, what each calls, and the nodes a root cause can be. */
export interface SystemDescription {
  name: string;
  services: readonly string[];
  dependencies: Readonly<Record<string, Readonly<Record<string, DependencyKind>>>>;
  /** Databases, caches and topics: callees that are root-cause candidates without being services. */
  peers: readonly string[];
}

export const shopSystem: SystemDescription = {
  name: "shop",
  services: shopServices,
  dependencies: {
    frontend: { checkout: "service" },
    checkout: { postgres: "sql", inventory: "service", payments: "service" },
    payments: { postgres: "sql" },
    inventory: { redis: "cache" },
  },
  peers: shopPeers,
};

/** The scenario view of a topology: its services, their calls, its databases and topics. */
export function topologySystem(topology: Topology): SystemDescription {
  const kindOf = (name: string): DependencyKind => {
    if (topology.services[name]) return "service";
    const db = topology.databases[name];
    if (!db) return "topic";
    return db.system === "redis" ? "cache" : db.system === "mysql" || db.system === "postgresql" ? "sql" : "document";
  };
  const dependencies: Record<string, Record<string, DependencyKind>> = {};
  for (const service of Object.keys(topology.services)) dependencies[service] = Object.fromEntries([...dependenciesOf(topology, service)].map((d) => [d, kindOf(d)]));
  const topics = Object.values(topology.services).flatMap((s) => Object.keys(s.consumers));
  return { name: topology.name, services: Object.keys(topology.services), dependencies, peers: [...Object.keys(topology.databases), ...topics] };
}

const databases = (d: DependencyKind) => d === "sql" || d === "cache" || d === "document";
/** Where each kind can be injected: on the service's own handling, or on which dependencies. */
const kindTargets: Record<FaultKind, { own: boolean; dependencies: (dep: DependencyKind) => boolean }> = {
  connection_refused: { own: false, dependencies: (d) => d !== "topic" },
  connection_reset: { own: false, dependencies: (d) => d === "service" },
  dns: { own: false, dependencies: (d) => d === "service" },
  timeout: { own: true, dependencies: (d) => d !== "topic" },
  panic: { own: true, dependencies: () => false },
  no_rows: { own: false, dependencies: (d) => d === "sql" },
  tls_cert_expired: { own: false, dependencies: (d) => d === "sql" || d === "service" },
  pool_exhausted: { own: false, dependencies: databases },
  http_5xx: { own: true, dependencies: (d) => d === "service" },
};

const Name = z.string().regex(/^[a-z][a-z0-9-]*$/, "lower-case kebab-case");

export const ScenarioFault = z.strictObject({
  service: Name.describe("the service the fault is injected into"),
  dependency: Name.optional().describe(
    "a dependency of service (e.g. postgres, payments): the fault hits service's calls to it — refused, reset, DNS, an expired certificate, a proxy's 503; absent: service's own handling",
  ),
  kind: z.enum(faultKinds).optional().describe("the error to inject; absent: latency only"),
  rate: z.number().gt(0).max(1).default(1).describe("share of requests (or calls) affected"),
  latency_ms: z.number().int().min(0).default(0).describe("latency added to each affected request or call"),
  start_s: z.number().min(0).describe("seconds after the load starts"),
  duration_s: z.number().positive().describe("how long the fault lasts"),
  deploy: z
    .strictObject({ version: z.string().min(1).describe("the service.version the service restarts under") })
    .optional()
    .describe("the fault ships with a deploy: at start_s the service restarts under this version, carrying the fault"),
  background: z.boolean().default(false).describe("noise that is part of normal operation: may run during the warm-up, expected to open nothing"),
});
export type ScenarioFault = z.infer<typeof ScenarioFault>;

/** A glossary code (schemas/glossary): CANONICAL or CANONICAL.REFINEMENT, upper snake case. */
const GlossaryCode = z.string().regex(/^[A-Z][A-Z_]*(\.[A-Z0-9][A-Z0-9_]*)?$/, "must be a glossary code such as UNAVAILABLE.CONNECTION_REFUSED");

export const RootCause = z.strictObject({
  service: Name.describe("the root-cause service; for a dependency fault, the peer (e.g. postgres) or the callee service"),
  code: GlossaryCode.optional().describe("the glossary code of the errors that start there; absent for a latency-only fault"),
});
export type RootCause = z.infer<typeof RootCause>;

export const ScenarioExpect = z.discriminatedUnion("incident", [
  z.strictObject({ incident: z.literal(false) }),
  z.strictObject({
    incident: z.literal(true),
    root_cause: RootCause,
    other_root_causes: z.array(RootCause).default([]).describe("further independent causes, each expected first among the candidates of its incident or cause"),
  }),
]);
export type ScenarioExpect = z.infer<typeof ScenarioExpect>;

export const Scenario = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "must be lower-case kebab-case"),
    description: z.string().min(1),
    system: Name.default("shop").describe("the example shop, or the name of a topology in examples/topologies"),
    load: z.strictObject({ rps: z.number().positive().max(500).describe("requests per second to the entry service") }),
    duration_s: z.number().positive().describe("how long the load runs, warm-up included"),
    warmup_s: z.number().min(0).default(0).describe("fault-free seconds at the start, a baseline for detection"),
    faults: z.array(ScenarioFault).default([]),
    expect: ScenarioExpect,
  })
  .superRefine((s, ctx) => {
    if (s.warmup_s >= s.duration_s) {
      ctx.addIssue({ code: "custom", path: ["warmup_s"], message: `must be shorter than duration_s (${s.duration_s})` });
    }
    s.faults.forEach((f, i) => {
      if (f.start_s < s.warmup_s && !f.background) {
        ctx.addIssue({ code: "custom", path: ["faults", i, "start_s"], message: `must not start during the warm-up (warmup_s ${s.warmup_s})` });
      }
      if (f.start_s + f.duration_s > s.duration_s) {
        ctx.addIssue({ code: "custom", path: ["faults", i, "duration_s"], message: `must end within the run (start_s + duration_s <= ${s.duration_s})` });
      }
      if (f.kind === undefined && f.latency_ms === 0) ctx.addIssue({ code: "custom", path: ["faults", i, "kind"], message: "a fault needs a kind or latency_ms > 0" });
    });
    if (s.expect.incident && !s.faults.some((f) => !f.background && (f.kind !== undefined || f.latency_ms > 0))) {
      ctx.addIssue({ code: "custom", path: ["expect", "incident"], message: "an incident is expected but no fault is injected" });
    }
  });
export type Scenario = z.infer<typeof Scenario>;

/** Issues of a scenario against the system it runs on: unknown services, dependencies, impossible kinds. */
export function checkScenarioSystem(s: Scenario, system: SystemDescription): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  s.faults.forEach((fault, i) => {
    const deps = system.dependencies[fault.service];
    if (!deps) {
      issues.push({ path: ["faults", i, "service"], message: `${system.name} has no service "${fault.service}"` });
      return;
    }
    if (fault.dependency !== undefined && !deps[fault.dependency]) {
      issues.push({ path: ["faults", i, "dependency"], message: `${fault.service} has no dependency "${fault.dependency}" (it calls: ${Object.keys(deps).join(", ") || "nothing"})` });
      return;
    }
    if (fault.kind === undefined) return;
    const target = kindTargets[fault.kind];
    if (fault.dependency === undefined && !target.own) issues.push({ path: ["faults", i, "dependency"], message: `kind ${fault.kind} needs a dependency (it fails a call to one)` });
    else if (fault.dependency !== undefined && !target.dependencies(deps[fault.dependency]!)) {
      issues.push({ path: ["faults", i, "kind"], message: `kind ${fault.kind} cannot be injected on the dependency ${fault.dependency}` });
    }
  });
  if (s.expect.incident) {
    const nodes = new Set([...system.services, ...system.peers]);
    [s.expect.root_cause, ...s.expect.other_root_causes].forEach((cause, i) => {
      if (!nodes.has(cause.service)) {
        issues.push({ path: ["expect", i === 0 ? "root_cause" : `other_root_causes.${i - 1}`, "service"], message: `${system.name} has no service or peer "${cause.service}"` });
      }
    });
  }
  return issues;
}

/** Finds the system a scenario names: the shop, or a topology. */
export type SystemResolver = (name: string) => SystemDescription | undefined;

const shopOnly: SystemResolver = (name) => (name === "shop" ? shopSystem : undefined);

/** Validates parsed data; the error names the file and each bad field's path. */
export function parseScenario(data: unknown, source = "scenario", systems: SystemResolver = shopOnly): Scenario {
  const result = Scenario.safeParse(data);
  const fail = (issues: { path: PropertyKey[]; message: string }[]) => {
    const lines = issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`);
    return new Error(`${source} is not a valid scenario:\n  ${lines.join("\n  ")}`);
  };
  if (!result.success) throw fail(result.error.issues);
  const system = systems(result.data.system);
  if (!system) throw fail([{ path: ["system"], message: `unknown system "${result.data.system}"` }]);
  const issues = checkScenarioSystem(result.data, system);
  if (issues.length > 0) throw fail(issues);
  return result.data;
}

/** Parses and validates scenario YAML text. */
export function parseScenarioYaml(text: string, source = "scenario", systems?: SystemResolver): Scenario {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new Error(`${source} is not valid YAML: ${(err as Error).message}`);
  }
  return parseScenario(data, source, systems);
}
