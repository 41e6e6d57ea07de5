// The shipped topologies and the topology schema (schemas/topology.ts).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { dependenciesOf, parseTopology, parseTopologyYaml, topologyDepth } from "../../schemas/topology.js";

const dir = path.dirname(fileURLToPath(import.meta.url));
const minimal = {
  name: "mini",
  description: "d",
  modelled_on: "nothing",
  entrypoints: [{ service: "edge", operation: "GET /" }],
  databases: { db: { system: "mysql", latency_ms: { median: 1, p95: 2 } } },
  services: {
    edge: { language: "go", operations: { "GET /": { latency_ms: { median: 1, p95: 2 }, calls: [{ service: "back", operation: "GET /x" }, { publish: "events" }] } } },
    back: { language: "rust", operations: { "GET /x": { latency_ms: { median: 1, p95: 2 }, calls: [{ database: "db", operation: "SELECT x" }] } } },
    worker: { language: "go", consumers: { events: { operation: "process event", latency_ms: { median: 1, p95: 2 } } } },
  },
};
const rejection = (patch: (t: typeof minimal) => unknown) => {
  try {
    parseTopology(patch(structuredClone(minimal)), "bad.yaml");
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("accepted");
};

describe("topologies", () => {
  it("ship a 40-service Train-Ticket system, 6 deep, in both languages, with databases, fan-out, retries and Kafka consumers", () => {
    const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
    expect(files).toContain("train-ticket.yaml");
    const tt = parseTopologyYaml(readFileSync(path.join(dir, "train-ticket.yaml"), "utf8"), "train-ticket.yaml");
    const services = Object.values(tt.services);
    expect(services).toHaveLength(40);
    expect(topologyDepth(tt)).toBe(6);
    expect(services.filter((s) => s.language === "go").length).toBeGreaterThan(10);
    expect(services.filter((s) => s.language === "rust").length).toBeGreaterThan(10);
    expect(Object.keys(tt.databases).length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...Object.keys(tt.services).map((s) => dependenciesOf(tt, s).size))).toBeGreaterThanOrEqual(8);
    const calls = services.flatMap((s) => Object.values(s.operations)).flatMap((o) => o.calls);
    expect(calls.some((step) => "parallel" in step)).toBe(true);
    expect(calls.some((step) => !("parallel" in step) && "retries" in step && step.retries > 0)).toBe(true);
    expect(services.filter((s) => Object.keys(s.consumers).length > 0).length).toBeGreaterThanOrEqual(2);
  });

  it("fill defaults: version 1.0.0, timeout 2 s, no retries, probability 1", () => {
    const t = parseTopology(minimal);
    expect(t.services.edge!.version).toBe("1.0.0");
    expect(t.services.edge!.operations["GET /"]!.calls[0]).toEqual({ service: "back", operation: "GET /x", timeout_ms: 2000, retries: 0, probability: 1 });
  });

  it("reject calls to unknown services, operations, databases and topics nobody consumes, naming the path", () => {
    expect(rejection((t) => ((t.services.edge.operations["GET /"].calls[0] as { service: string }).service = "nope", t))).toContain("services.edge.operations.GET /.calls.0: no service nope");
    expect(rejection((t) => ((t.services.edge.operations["GET /"].calls[0] as { operation: string }).operation = "GET /y", t))).toContain('back has no operation "GET /y"');
    expect(rejection((t) => ((t.services.back.operations["GET /x"].calls[0] as { database: string }).database = "nodb", t))).toContain("no database nodb");
    expect(rejection((t) => ((t.services.edge.operations["GET /"].calls[1] as { publish: string }).publish = "nobody", t))).toContain("no service consumes topic nobody");
    expect(rejection((t) => ((t.entrypoints[0]!.operation = "GET /missing"), t))).toContain("entrypoints.0");
  });

  it("reject call loops, which the emitters would follow forever", () => {
    const looped = rejection((t) => {
      (t.services.back.operations["GET /x"].calls as unknown[]).push({ service: "edge", operation: "GET /" });
      return t;
    });
    expect(looped).toMatch(/calls loop: .*edge GET \/ → back GET \/x/);
  });
});
