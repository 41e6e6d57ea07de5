// The shipped scenarios and the scenario schema (schemas/scenario.ts).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { bundledGlossary } from "../../schemas/glossary/bundled.js";
import { parseScenario, parseScenarioYaml, type Scenario } from "../../schemas/scenario.js";
import { topologyDepth } from "../../schemas/topology.js";
import { exampleSystem, loadTopology } from "../runner/systems.js";

const dir = path.dirname(fileURLToPath(import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
const shipped: [string, Scenario][] = files.map((f) => [f, parseScenarioYaml(readFileSync(path.join(dir, f), "utf8"), f, exampleSystem)]);
const shop = shipped.filter(([, s]) => s.system === "shop");
const topology = shipped.filter(([, s]) => s.system !== "shop");
const rustServices = new Set(["payments", "inventory"]);
const goServices = new Set(["frontend", "checkout"]);

const valid = {
  name: "ok",
  description: "d",
  load: { rps: 10 },
  duration_s: 60,
  warmup_s: 20,
  faults: [{ service: "payments", dependency: "postgres", kind: "connection_refused", start_s: 25, duration_s: 30 }],
  expect: { incident: true, root_cause: { service: "postgres", code: "UNAVAILABLE.CONNECTION_REFUSED" } },
};
const withFault = (patch: Record<string, unknown>) => ({ ...valid, faults: [{ ...valid.faults[0], ...patch }] });
const rejection = (data: unknown) => {
  try {
    parseScenario(data, "bad.yaml");
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("accepted");
};

describe("shipped scenarios", () => {
  it("all validate, and each file is named after its scenario", () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const [file, s] of shipped) expect(file).toBe(`${s.name}.yaml`);
  });

  it("cover at least 8 fault scenarios and 2 fault-free ones", () => {
    expect(shipped.filter(([, s]) => s.expect.incident).length).toBeGreaterThanOrEqual(8);
    expect(shipped.filter(([, s]) => s.faults.length === 0 && !s.expect.incident).length).toBeGreaterThanOrEqual(2);
  });

  it("put root causes in Go and in Rust services, in the database peer, and at different depths", () => {
    const causes = shop.flatMap(([, s]) => (s.expect.incident ? [s.expect.root_cause.service] : []));
    expect(causes.some((c) => goServices.has(c))).toBe(true);
    expect(causes.some((c) => rustServices.has(c))).toBe(true);
    expect(causes).toContain("postgres");
    expect(new Set(causes.filter((c) => c !== "postgres" && c !== "redis"))).toEqual(new Set(["frontend", "checkout", "payments", "inventory"]));
  });

  it("expect only codes that exist in the glossary", () => {
    const codes = new Set(bundledGlossary().entries.map((e) => e.code));
    for (const [file, s] of shipped) {
      if (!s.expect.incident) continue;
      for (const cause of [s.expect.root_cause, ...s.expect.other_root_causes]) if (cause.code) expect(codes.has(cause.code), `${file}: ${cause.code}`).toBe(true);
    }
  });

  it("cover every kind on the shop and the 40-service topology: peer faults, low rates, slow dependencies, retries, async consumers, deploys, latency only, several faults, noisy fault-free load", () => {
    for (const list of [shop, topology]) {
      const faults = list.flatMap(([, s]) => s.faults.filter((f) => !f.background));
      for (const kind of ["tls_cert_expired", "http_5xx", "connection_refused", "connection_reset", "dns"]) expect(faults.some((f) => f.kind === kind && f.dependency), kind).toBe(true);
      expect(faults.some((f) => f.kind !== undefined && f.rate <= 0.1), "low rate").toBe(true);
      expect(faults.some((f) => f.kind === undefined && f.latency_ms >= 1000), "slow enough to time callers out").toBe(true);
      expect(faults.some((f) => f.kind === undefined && f.latency_ms > 0 && f.latency_ms < 1000), "latency only").toBe(true);
      expect(faults.some((f) => f.deploy), "deploy").toBe(true);
      expect(list.some(([, s]) => s.expect.incident && s.expect.other_root_causes.length > 0), "two faults at once").toBe(true);
      expect(list.some(([, s]) => !s.expect.incident && s.faults.some((f) => f.background) && s.load.rps >= 30), "noisy fault-free high load").toBe(true);
    }
    const tt = loadTopology("train-ticket");
    expect(Object.keys(tt.services).length).toBe(40);
    expect(topologyDepth(tt)).toBe(6);
    expect(topology.some(([, s]) => s.faults.some((f) => Object.keys(tt.services[f.service]!.consumers).length > 0)), "async consumer").toBe(true);
  });

  it("stay short for the benchmark: at most 120 s with faults after a warm-up of 20 s or more", () => {
    for (const [file, s] of shipped) {
      expect(s.duration_s, file).toBeLessThanOrEqual(120);
      expect(s.warmup_s, file).toBeGreaterThanOrEqual(20);
    }
  });
});

describe("scenario schema", () => {
  it("accepts a valid scenario and fills defaults (rate 1, latency 0)", () => {
    const s = parseScenario(valid);
    expect(s.faults[0]).toMatchObject({ rate: 1, latency_ms: 0 });
  });

  it("rejects an unknown key, naming it", () => {
    expect(rejection({ ...valid, loadd: 3 })).toMatch(/bad\.yaml.*\n.*loadd/);
  });

  it("rejects a dependency the service does not call, naming faults.0.dependency", () => {
    expect(rejection(withFault({ dependency: "redis" }))).toContain("faults.0.dependency: payments has no dependency \"redis\"");
  });

  it("rejects a kind that cannot happen where it is injected", () => {
    expect(rejection(withFault({ kind: "panic" }))).toContain("faults.0.kind: kind panic cannot be injected on the dependency postgres");
    expect(rejection(withFault({ dependency: undefined, kind: "no_rows" }))).toContain("faults.0.dependency: kind no_rows needs a dependency");
    expect(rejection(withFault({ kind: "oom" }))).toContain("faults.0.kind");
  });

  it("rejects faults during the warm-up or past the end", () => {
    expect(rejection(withFault({ start_s: 10 }))).toContain("faults.0.start_s: must not start during the warm-up");
    expect(rejection(withFault({ duration_s: 50 }))).toContain("faults.0.duration_s: must end within the run");
  });

  it("rejects a rate outside (0, 1] and a bad expectation", () => {
    expect(rejection(withFault({ rate: 1.5 }))).toContain("faults.0.rate");
    expect(rejection({ ...valid, expect: { incident: true } })).toContain("expect.root_cause");
    expect(rejection({ ...valid, expect: { incident: true, root_cause: { service: "postgres", code: "connection refused" } } })).toContain(
      "expect.root_cause.code: must be a glossary code",
    );
    expect(rejection({ ...valid, faults: [], expect: valid.expect })).toContain("expect.incident: an incident is expected but no fault is injected");
  });

  it("checks topology scenarios against their topology: services, dependencies, kinds, root causes", () => {
    const tt = { ...valid, system: "train-ticket", expect: { incident: true, root_cause: { service: "ts-order-service", code: "INTERNAL.PANIC" } } };
    const ok = parseScenario({ ...tt, faults: [{ service: "ts-order-service", kind: "panic", start_s: 25, duration_s: 30 }] }, "tt.yaml", exampleSystem);
    expect(ok.system).toBe("train-ticket");
    const bad = (faults: unknown[], expectation: unknown = tt.expect) => {
      try {
        parseScenario({ ...tt, faults, expect: expectation }, "tt.yaml", exampleSystem);
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error("accepted");
    };
    expect(bad([{ service: "ts-nope", kind: "panic", start_s: 25, duration_s: 30 }])).toContain('faults.0.service: train-ticket has no service "ts-nope"');
    expect(bad([{ service: "ts-seat-service", dependency: "ts-user-service", kind: "dns", start_s: 25, duration_s: 30 }])).toContain("faults.0.dependency: ts-seat-service has no dependency");
    expect(bad([{ service: "ts-order-service", dependency: "ts-order-mysql", kind: "dns", start_s: 25, duration_s: 30 }])).toContain("faults.0.kind: kind dns cannot be injected on the dependency ts-order-mysql");
    expect(bad([{ service: "ts-order-service", kind: "panic", start_s: 25, duration_s: 30 }], { incident: true, root_cause: { service: "postgres" } })).toContain('expect.root_cause.service: train-ticket has no service or peer "postgres"');
    expect(rejection({ ...valid, system: "nosuch" })).toContain('system: unknown system "nosuch"');
  });

  it("takes a deploy, background noise before the warm-up ends, further causes, and latency-only causes without a code", () => {
    const s = parseScenario({
      ...valid,
      faults: [
        { service: "payments", kind: "panic", rate: 0.3, start_s: 25, duration_s: 30, deploy: { version: "1.4.3" } },
        { service: "checkout", dependency: "postgres", kind: "no_rows", rate: 0.02, start_s: 0, duration_s: 60, background: true },
      ],
      expect: { incident: true, root_cause: { service: "payments", code: "INTERNAL.PANIC" }, other_root_causes: [{ service: "redis" }] },
    });
    expect(s.faults[0]!.deploy).toEqual({ version: "1.4.3" });
    expect(s.expect.incident && s.expect.other_root_causes).toEqual([{ service: "redis" }]);
    expect(rejection(withFault({ start_s: 0 }))).toContain("must not start during the warm-up");
  });

  it("reports YAML syntax errors with the file name", () => {
    expect(() => parseScenarioYaml("name: [unclosed", "broken.yaml")).toThrow(/broken\.yaml is not valid YAML/);
    expect(parseYaml(readFileSync(path.join(dir, files[0]!), "utf8"))).toBeTypeOf("object");
  });
});
