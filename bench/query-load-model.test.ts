import { describe, expect, it } from "vitest";
import { faultTemplates, meanSpans, parseCount, percentile, systemModel, traceTemplates } from "./query-load-model.js";

describe("percentile (nearest rank)", () => {
  it("takes the value at rank ceil(p/100 · n) of the sorted sample", () => {
    const sample = Array.from({ length: 20 }, (_, i) => 20 - i); // 20..1, unsorted on purpose
    expect(percentile(sample, 50)).toBe(10);
    expect(percentile(sample, 95)).toBe(19);
    expect(percentile(sample, 100)).toBe(20);
    expect(percentile(sample, 0)).toBe(1);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe("parseCount", () => {
  it("reads sizes with k/M/G suffixes and exponents", () => {
    expect(parseCount("10M")).toBe(10_000_000);
    expect(parseCount("100m")).toBe(100_000_000);
    expect(parseCount("2.5k")).toBe(2500);
    expect(parseCount("1e6")).toBe(1_000_000);
    expect(parseCount("123456")).toBe(123_456);
  });
  it("refuses what is not a positive count", () => {
    expect(() => parseCount("ten")).toThrow(/not a count/);
    expect(() => parseCount("0")).toThrow(/positive/);
    expect(() => parseCount("-5M")).toThrow(/not a count/);
  });
});

describe("the system model", () => {
  const system = systemModel(7);

  it("has 100 services of 10 operations, each called by one of a shallower tier (entry services aside)", () => {
    expect(system.services).toHaveLength(100);
    expect(system.operations).toBe(1000);
    expect(new Set(system.services.map((s) => s.name)).size).toBe(100);
    for (const service of system.services) {
      for (const callee of service.callees) expect(system.services[callee]!.tier).toBeGreaterThan(service.tier);
      if (service.tier > 0) expect(system.services.some((s) => s.callees.includes(service.index))).toBe(true);
    }
    expect(new Set(system.services.map((s) => s.language))).toEqual(new Set(["go", "rust"]));
  });

  it("is the same for the same seed", () => {
    expect(systemModel(7)).toEqual(system);
  });
});

describe("trace templates", () => {
  const system = systemModel(7);
  const templates = traceTemplates(system, { templates: 300, logsPerSpan: 1, seed: 3 });

  it("are trees of 5–50 spans whose children start and end within their parent", () => {
    expect(templates.length).toBe(300);
    expect(meanSpans(templates)).toBeGreaterThan(20);
    for (const template of templates) {
      expect(template.spans.length).toBeGreaterThanOrEqual(5);
      expect(template.spans.length).toBeLessThanOrEqual(50);
      expect(template.spans.filter((s) => s.parent === -1)).toHaveLength(1);
      for (const span of template.spans) {
        if (span.parent < 0) continue;
        const parent = template.spans[span.parent]!;
        expect(span.parent).toBeLessThan(span.index);
        expect(span.offsetNs).toBeGreaterThanOrEqual(parent.offsetNs);
        expect(span.offsetNs + span.durationNs).toBeLessThanOrEqual(parent.offsetNs + parent.durationNs);
      }
    }
  });

  it("pair a client span in the caller with a server span in the callee for every call across services", () => {
    for (const template of templates) {
      for (const server of template.spans.filter((s) => s.kind === "Server" && s.parent >= 0)) {
        const client = template.spans[server.parent]!;
        expect(client.kind).toBe("Client");
        expect(client.service).not.toBe(server.service);
        expect(system.services[client.service]!.callees).toContain(server.service);
        expect(client.attributes["server.address"]).toBe(`${system.services[server.service]!.name}.prod.svc.cluster.local`);
      }
    }
  });

  it("fail on a path from an origin up to the root, with glossary codes the matcher gives, and error log lines with them", () => {
    for (const template of templates) {
      const root = template.spans[0]!;
      expect(root.error).toBeDefined();
      expect(template.errorCode).not.toBe("");
      expect(template.errorCode).not.toBe("UNKNOWN");
      for (const span of template.spans.filter((s) => s.error)) {
        expect(span.error!.columns.ErrorCode).not.toBe("");
        if (span.parent >= 0) expect(template.spans[span.parent]!.error).toBeDefined();
      }
      const errorLines = template.logs.filter((l) => l.when === 2 && l.severityNumber >= 17);
      expect(errorLines.length).toBeGreaterThan(0);
      for (const line of errorLines) expect(line.columns.ErrorCode).not.toBe("");
      for (const line of template.logs.filter((l) => l.when !== 2)) expect(line.columns.ErrorCode).toBe("");
    }
  });

  it("write about one log line per span per outcome", () => {
    for (const template of templates) {
      const ok = template.logs.filter((l) => l.when !== 2).length;
      expect(ok).toBe(template.spans.length);
    }
  });

  it("of the fault fail at the chosen service's database with a pool timeout", () => {
    const warehouse = system.services.findIndex((s) => s.tier === 2 && s.datastores.some((d) => d.system !== "redis"));
    const fault = faultTemplates(system, templates, warehouse, { templates: 300, logsPerSpan: 1, seed: 3 });
    expect(fault.length).toBeGreaterThan(0);
    for (const template of fault) {
      expect(template.errorCode).toBe("RESOURCE_EXHAUSTED.POOL_TIMEOUT");
      expect(template.id).toBeGreaterThanOrEqual(templates.length);
      const origin = template.spans.find((s) => s.error && !template.spans.some((c) => c.parent === s.index && c.error))!;
      expect(origin.service).toBe(warehouse);
      expect(origin.attributes["db.system"]).toBeDefined();
    }
  });
});
