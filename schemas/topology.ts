// Topology files (examples/topologies/*.yaml): a whole system of services for the Go and Rust
// topology emitters to play — its services and their operations, who calls whom (in sequence or
// in parallel, with timeouts, retries and a probability), each service's language and own latency
// distribution, its databases and caches, and the Kafka topics between services with the
// services that consume them. The emitters read the same file (as JSON), so this schema is the
// contract; it is exported as JSON Schema (schemas/json/topology.schema.json).
import { parse as parseYaml } from "yaml";
import { z } from "zod";

const Name = z.string().regex(/^[a-z][a-z0-9-]*$/, "lower-case kebab-case");

export const LatencyDistribution = z
  .strictObject({
    median: z.number().positive().describe("median own time per call, ms"),
    p95: z.number().positive().describe("95th percentile of own time per call, ms (log-normal between the two)"),
  })
  .refine((l) => l.p95 >= l.median, { message: "p95 must not be below the median", path: ["p95"] });
export type LatencyDistribution = z.infer<typeof LatencyDistribution>;

const probability = z.number().gt(0).max(1).default(1).describe("share of executions that make this call");

export const ServiceCall = z.strictObject({
  service: Name.describe("the service called"),
  operation: z.string().min(1).describe("its operation, e.g. \"POST /api/v1/orderservice/order\""),
  timeout_ms: z.number().int().positive().default(2000).describe("per-attempt timeout of the caller's client"),
  retries: z.number().int().min(0).max(5).default(0).describe("extra attempts after a failed one (each a client span of its own)"),
  probability,
});
export const DatabaseCall = z.strictObject({
  database: Name.describe("a database or cache of the topology"),
  operation: z.string().min(1).describe("e.g. \"SELECT order\""),
  probability,
});
export const PublishCall = z.strictObject({
  publish: Name.describe("a Kafka topic of the topology: the message is produced with the trace context in its headers"),
  probability,
});
export const Call = z.union([ServiceCall, DatabaseCall, PublishCall]);
export type Call = z.infer<typeof Call>;

/** A step runs a call, or several calls at once. */
export const Step = z.union([Call, z.strictObject({ parallel: z.array(Call).min(2).describe("calls made concurrently") })]);
export type Step = z.infer<typeof Step>;

export const Operation = z.strictObject({
  latency_ms: LatencyDistribution.describe("own work per execution, besides the calls"),
  calls: z.array(Step).default([]).describe("steps in order; a failed call fails the operation"),
});
export type Operation = z.infer<typeof Operation>;

export const Consumer = Operation.extend({ operation: z.string().min(1).describe("the consumer span's name") });

export const TopologyService = z.strictObject({
  language: z.enum(["go", "rust"]).describe("which emitter plays it"),
  version: z.string().min(1).default("1.0.0").describe("service.version of its SDK resource"),
  operations: z.record(z.string().min(1), Operation).default({}),
  consumers: z.record(Name, Consumer).default({}).describe("Kafka topics it consumes, each with the work per message"),
});
export type TopologyService = z.infer<typeof TopologyService>;

export const TopologyDatabase = z.strictObject({
  system: z.enum(["mysql", "postgresql", "mongodb", "redis", "cassandra", "elasticsearch"]).describe("db.system of the client spans"),
  latency_ms: LatencyDistribution,
});

export const Topology = z
  .strictObject({
    name: Name,
    description: z.string().min(1),
    modelled_on: z.string().min(1).describe("the public benchmark this system follows"),
    entrypoints: z
      .array(z.strictObject({ service: Name, operation: z.string().min(1), weight: z.number().positive().default(1) }))
      .min(1)
      .describe("what the load generator calls, by weight"),
    databases: z.record(Name, TopologyDatabase).default({}),
    services: z.record(Name, TopologyService),
  })
  .superRefine((topology, ctx) => {
    const consumed = new Map<string, string>();
    for (const [name, service] of Object.entries(topology.services)) {
      for (const topic of Object.keys(service.consumers)) {
        if (consumed.has(topic)) ctx.addIssue({ code: "custom", path: ["services", name, "consumers", topic], message: `topic ${topic} is already consumed by ${consumed.get(topic)}` });
        consumed.set(topic, name);
      }
    }
    const checkCalls = (steps: Step[], path: (string | number)[]) =>
      steps.forEach((step, i) => {
        const calls = "parallel" in step ? step.parallel : [step];
        calls.forEach((call, j) => {
          const at = "parallel" in step ? [...path, i, "parallel", j] : [...path, i];
          if ("service" in call) {
            const callee = topology.services[call.service];
            if (!callee) ctx.addIssue({ code: "custom", path: at, message: `no service ${call.service}` });
            else if (!callee.operations[call.operation]) ctx.addIssue({ code: "custom", path: at, message: `${call.service} has no operation "${call.operation}"` });
          } else if ("database" in call) {
            if (!topology.databases[call.database]) ctx.addIssue({ code: "custom", path: at, message: `no database ${call.database}` });
          } else if (!consumed.has(call.publish)) ctx.addIssue({ code: "custom", path: at, message: `no service consumes topic ${call.publish}` });
        });
      });
    for (const [name, service] of Object.entries(topology.services)) {
      if (Object.keys(service.operations).length === 0 && Object.keys(service.consumers).length === 0) {
        ctx.addIssue({ code: "custom", path: ["services", name], message: "a service needs an operation or a consumer" });
      }
      for (const [op, operation] of Object.entries(service.operations)) checkCalls(operation.calls, ["services", name, "operations", op, "calls"]);
      for (const [topic, consumer] of Object.entries(service.consumers)) checkCalls(consumer.calls, ["services", name, "consumers", topic, "calls"]);
    }
    topology.entrypoints.forEach((entry, i) => {
      if (!topology.services[entry.service]?.operations[entry.operation]) ctx.addIssue({ code: "custom", path: ["entrypoints", i], message: `no operation "${entry.operation}" on ${entry.service}` });
    });
    // Calls must not loop: the emitters would recurse forever.
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (key: string, path: string[]): void => {
      if (done.has(key)) return;
      if (visiting.has(key)) {
        ctx.addIssue({ code: "custom", path: ["services"], message: `calls loop: ${[...path, key].join(" → ")}` });
        return;
      }
      visiting.add(key);
      const [service, op] = key.split("\u0000") as [string, string];
      const operation = topology.services[service]?.operations[op];
      for (const step of operation?.calls ?? []) for (const call of "parallel" in step ? step.parallel : [step]) if ("service" in call) visit(`${call.service}\u0000${call.operation}`, [...path, key.replace("\u0000", " ")]);
      visiting.delete(key);
      done.add(key);
    };
    for (const [name, service] of Object.entries(topology.services)) for (const op of Object.keys(service.operations)) visit(`${name}\u0000${op}`, []);
  });
export type Topology = z.infer<typeof Topology>;

/** Longest chain of services from an entrypoint (the entry service is depth 1). */
export function topologyDepth(topology: Topology): number {
  const memo = new Map<string, number>();
  const depth = (service: string, op: string): number => {
    const key = `${service}\u0000${op}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let deepest = 0;
    for (const step of topology.services[service]?.operations[op]?.calls ?? []) {
      for (const call of "parallel" in step ? step.parallel : [step]) if ("service" in call) deepest = Math.max(deepest, depth(call.service, call.operation));
    }
    memo.set(key, deepest + 1);
    return deepest + 1;
  };
  return Math.max(...topology.entrypoints.map((e) => depth(e.service, e.operation)));
}

/** Every dependency a service calls: services, databases and topics by name. */
export function dependenciesOf(topology: Topology, service: string): Set<string> {
  const out = new Set<string>();
  const s = topology.services[service];
  if (!s) return out;
  for (const operation of [...Object.values(s.operations), ...Object.values(s.consumers)]) {
    for (const step of operation.calls) for (const call of "parallel" in step ? step.parallel : [step]) out.add("service" in call ? call.service : "database" in call ? call.database : call.publish);
  }
  return out;
}

export function parseTopology(data: unknown, source = "topology"): Topology {
  const result = Topology.safeParse(data);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`);
  throw new Error(`${source} is not a valid topology:\n  ${issues.join("\n  ")}`);
}

export function parseTopologyYaml(text: string, source = "topology"): Topology {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new Error(`${source} is not valid YAML: ${(err as Error).message}`);
  }
  return parseTopology(data, source);
}
