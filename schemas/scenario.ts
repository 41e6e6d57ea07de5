// Scenario files (examples/scenarios/*.yaml): a load on the example shop, the faults injected
// into it on a schedule, and what Braid is expected to find. The runner (examples/runner)
// executes them; benchmarks score Braid's incidents against `expect`.
import { parse as parseYaml } from "yaml";
import { z } from "zod";

/** The shop's services and, per service, the dependencies it calls (examples/README.md). */
export const shopServices = ["frontend", "checkout", "payments", "inventory"] as const;
export const shopPeers = ["postgres", "redis"] as const;
export const shopDependencies: Record<ShopService, readonly string[]> = {
  frontend: ["checkout"],
  checkout: ["postgres", "inventory", "payments"],
  payments: ["postgres"],
  inventory: ["redis"],
};
export type ShopService = (typeof shopServices)[number];

const httpDependencies = new Set(["checkout", "inventory", "payments"]);

export const faultKinds = [
  "connection_refused",
  "timeout",
  "panic",
  "no_rows",
  "tls_cert_expired",
  "pool_exhausted",
  "http_5xx",
] as const;
export type FaultKind = (typeof faultKinds)[number];

/** Where each kind can be injected: on the service's own handling, or on which dependencies. */
const kindTargets: Record<FaultKind, { own: boolean; dependencies: (dep: string) => boolean }> = {
  connection_refused: { own: false, dependencies: () => true },
  timeout: { own: true, dependencies: () => true },
  panic: { own: true, dependencies: () => false },
  no_rows: { own: false, dependencies: (d) => d === "postgres" },
  tls_cert_expired: { own: false, dependencies: (d) => d === "postgres" || httpDependencies.has(d) },
  pool_exhausted: { own: false, dependencies: (d) => d === "postgres" || d === "redis" },
  http_5xx: { own: true, dependencies: (d) => httpDependencies.has(d) },
};

export const ScenarioFault = z
  .strictObject({
    service: z.enum(shopServices).describe("the service the fault is injected into"),
    dependency: z
      .string()
      .optional()
      .describe("a dependency of service (e.g. postgres): the fault hits service's calls to it; absent: service's own handling"),
    kind: z.enum(faultKinds).optional().describe("the error to inject; absent: latency only"),
    rate: z.number().gt(0).max(1).default(1).describe("share of requests (or calls) affected"),
    latency_ms: z.number().int().min(0).default(0).describe("latency added to each affected request or call"),
    start_s: z.number().min(0).describe("seconds after the load starts"),
    duration_s: z.number().positive().describe("how long the fault lasts"),
  })
  .superRefine((fault, ctx) => {
    if (fault.dependency !== undefined && !shopDependencies[fault.service].includes(fault.dependency)) {
      ctx.addIssue({
        code: "custom",
        path: ["dependency"],
        message: `${fault.service} has no dependency "${fault.dependency}" (it calls: ${shopDependencies[fault.service].join(", ")})`,
      });
      return;
    }
    if (fault.kind === undefined) {
      if (fault.latency_ms === 0) ctx.addIssue({ code: "custom", path: ["kind"], message: "a fault needs a kind or latency_ms > 0" });
      return;
    }
    const target = kindTargets[fault.kind];
    if (fault.dependency === undefined && !target.own) {
      ctx.addIssue({ code: "custom", path: ["dependency"], message: `kind ${fault.kind} needs a dependency (it fails a call to one)` });
    } else if (fault.dependency !== undefined && !target.dependencies(fault.dependency)) {
      ctx.addIssue({ code: "custom", path: ["kind"], message: `kind ${fault.kind} cannot be injected on the dependency ${fault.dependency}` });
    }
  });
export type ScenarioFault = z.infer<typeof ScenarioFault>;

/** A glossary code (schemas/glossary): CANONICAL or CANONICAL.REFINEMENT, upper snake case. */
const GlossaryCode = z.string().regex(/^[A-Z][A-Z_]*(\.[A-Z0-9][A-Z0-9_]*)?$/, "must be a glossary code such as UNAVAILABLE.CONNECTION_REFUSED");

export const ScenarioExpect = z.discriminatedUnion("incident", [
  z.strictObject({ incident: z.literal(false) }),
  z.strictObject({
    incident: z.literal(true),
    root_cause: z.strictObject({
      service: z
        .enum([...shopServices, ...shopPeers])
        .describe("the root-cause service; for a dependency fault, the peer (e.g. postgres)"),
      code: GlossaryCode,
    }),
  }),
]);
export type ScenarioExpect = z.infer<typeof ScenarioExpect>;

export const Scenario = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "must be lower-case kebab-case"),
    description: z.string().min(1),
    load: z.strictObject({ rps: z.number().positive().max(500).describe("requests per second to the frontend") }),
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
      if (f.start_s < s.warmup_s) {
        ctx.addIssue({ code: "custom", path: ["faults", i, "start_s"], message: `must not start during the warm-up (warmup_s ${s.warmup_s})` });
      }
      if (f.start_s + f.duration_s > s.duration_s) {
        ctx.addIssue({ code: "custom", path: ["faults", i, "duration_s"], message: `must end within the run (start_s + duration_s <= ${s.duration_s})` });
      }
    });
    if (s.expect.incident && !s.faults.some((f) => f.kind !== undefined || f.latency_ms > 0)) {
      ctx.addIssue({ code: "custom", path: ["expect", "incident"], message: "an incident is expected but no fault is injected" });
    }
  });
export type Scenario = z.infer<typeof Scenario>;

/** Validates parsed data; the error names the file and each bad field's path. */
export function parseScenario(data: unknown, source = "scenario"): Scenario {
  const result = Scenario.safeParse(data);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`);
  throw new Error(`${source} is not a valid scenario:\n  ${issues.join("\n  ")}`);
}

/** Parses and validates scenario YAML text. */
export function parseScenarioYaml(text: string, source = "scenario"): Scenario {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new Error(`${source} is not valid YAML: ${(err as Error).message}`);
  }
  return parseScenario(data, source);
}
