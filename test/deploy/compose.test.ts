// docker-compose.yml cannot be started here (no Docker engine); this checks what can be checked
// without one: it parses, every service has an image or a Dockerfile that exists, dependencies
// name real services, and every Braid variable it sets is one Braid reads and accepts.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { envSettings, loadConfig } from "../../runtime/config.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const compose = parse(readFileSync(path.join(root, "docker-compose.yml"), "utf8"), { merge: true }) as {
  services: Record<string, { image?: string; build?: { context: string; dockerfile: string }; environment?: Record<string, string | number>; depends_on?: string[] | Record<string, unknown>; command?: string[] }>;
};

describe("docker-compose.yml", () => {
  const services = Object.entries(compose.services);

  it("runs Kafka, ClickHouse, Redis, Braid's three roles and the example shop", () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ["braid-api", "braid-correlator", "braid-ingest", "checkout", "clickhouse", "frontend", "inventory", "kafka", "loadgen", "payments", "redis"].sort(),
    );
  });

  it("gives every service an image or a Dockerfile that exists", () => {
    for (const [name, service] of services) {
      if (service.image) continue;
      expect(service.build, name).toBeDefined();
      expect(existsSync(path.join(root, service.build!.context, service.build!.dockerfile)), `${name}: ${service.build!.dockerfile}`).toBe(true);
    }
  });

  it("only depends on services it defines", () => {
    for (const [name, service] of services) {
      const deps = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
      for (const dep of deps) expect(compose.services[dep], `${name} depends on ${dep}`).toBeDefined();
    }
  });

  it("configures each Braid role with variables Braid knows and values it accepts", () => {
    for (const name of ["braid-ingest", "braid-correlator", "braid-api"]) {
      const env = Object.fromEntries(Object.entries(compose.services[name]!.environment ?? {}).map(([k, v]) => [k, String(v)]));
      for (const key of Object.keys(env)) expect(Object.keys(envSettings), `${name}: ${key}`).toContain(key);
      const config = loadConfig(env);
      expect(config.store.clickhouseUrl).toBe("http://clickhouse:8123");
      expect(config.roles).toHaveLength(1);
    }
  });

  it("runs `braid serve` for each Braid role, from an image whose entry point is the braid command", () => {
    const dockerfile = readFileSync(path.join(root, "deploy/Dockerfile"), "utf8");
    expect(dockerfile).toMatch(/^ENTRYPOINT \["\/app\/node_modules\/.bin\/tsx", "\/app\/bin\/braid.ts"\]$/m);
    expect(dockerfile).toMatch(/^CMD \["serve"\]$/m);
    for (const name of ["braid-ingest", "braid-correlator", "braid-api"]) expect(compose.services[name]!.command, name).toEqual(["serve"]);
  });

  it("starts the shop's binaries that the Dockerfiles build", () => {
    const built: Record<string, string[]> = { "deploy/emitters/go.Dockerfile": ["frontend", "checkout", "loadgen"], "deploy/emitters/rust.Dockerfile": ["payments", "inventory"] };
    for (const name of ["frontend", "checkout", "loadgen", "payments", "inventory"]) {
      const service = compose.services[name]!;
      expect(built[service.build!.dockerfile], name).toContain(service.command![0]);
    }
  });
});
