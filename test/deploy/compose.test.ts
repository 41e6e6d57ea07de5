// docker-compose.yml cannot be started here (no Docker engine); this checks what can be checked
// without one: it parses, every service has an image or a Dockerfile that exists, dependencies
// name real services, and every Braid variable it sets is one Braid reads and accepts.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { envSettings, loadConfig } from "../../runtime/config.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const compose = parse(readFileSync(path.join(root, "docker-compose.yml"), "utf8"), { merge: true }) as {
  services: Record<string, { image?: string; build?: { context: string; dockerfile: string }; environment?: Record<string, string | number>; depends_on?: string[] | Record<string, unknown>; command?: string[] }>;
};

const bootstrapKeyFile = path.join(mkdtempSync(path.join(os.tmpdir(), "braid-compose-")), "bootstrap.key");
writeFileSync(bootstrapKeyFile, `${"0123456789abcdef".repeat(4)}\n`);

describe("docker-compose.yml", () => {
  const services = Object.entries(compose.services);

  it("runs Kafka, ClickHouse, Redis, Braid's three roles and the example shop", () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ["braid-api", "braid-correlator", "braid-ingest", "braid-keygen", "checkout", "clickhouse", "frontend", "inventory", "kafka", "loadgen", "payments", "redis"].sort(),
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
      for (const key of Object.keys(env)) expect(Object.keys(envSettings).flatMap((k) => [k, `${k}_FILE`]), `${name}: ${key}`).toContain(key);
      // The secret file exists inside the containers only: a stand-in of the same form here.
      if (env.BRAID_API_BOOTSTRAP_KEY_FILE) env.BRAID_API_BOOTSTRAP_KEY_FILE = bootstrapKeyFile;
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

  it("runs the API with keys: authentication on, a bootstrap admin key from the secret file braid-keygen writes", () => {
    const api = compose.services["braid-api"]! as { environment: Record<string, string>; volumes: string[]; depends_on: Record<string, { condition: string }> };
    const env = { ...api.environment, BRAID_API_BOOTSTRAP_KEY_FILE: bootstrapKeyFile } as Record<string, string>;
    const config = loadConfig(env);
    expect(config.api.auth.mode).toBe("keys");
    expect(config.api.auth.bootstrapKey).toBe("0123456789abcdef".repeat(4));
    expect(api.environment.BRAID_API_BOOTSTRAP_KEY_FILE).toBe("/run/braid-secrets/bootstrap.key");
    expect(api.volumes).toContain("braid-secrets:/run/braid-secrets:ro");
    expect(api.depends_on["braid-keygen"]).toEqual({ condition: "service_completed_successfully" });
    const keygen = compose.services["braid-keygen"]! as { command: string[]; volumes: string[] };
    expect(keygen.volumes).toContain("braid-secrets:/run/braid-secrets");
    expect(keygen.command.join(" ")).toContain("/run/braid-secrets/bootstrap.key");
    // The same script, run here: it writes a 64-hex-character key once and keeps it afterwards.
    const dir = mkdtempSync(path.join(os.tmpdir(), "braid-keygen-"));
    const script = keygen.command[2]!.replaceAll("/run/braid-secrets", dir).replace(/fs\.chownSync\([^)]*\);/, "");
    execFileSync(process.execPath, ["-e", script]);
    const first = readFileSync(path.join(dir, "bootstrap.key"), "utf8");
    expect(first).toMatch(/^[0-9a-f]{64}\n$/);
    execFileSync(process.execPath, ["-e", script]);
    expect(readFileSync(path.join(dir, "bootstrap.key"), "utf8")).toBe(first);
  });

  it("starts the shop's binaries that the Dockerfiles build", () => {
    const built: Record<string, string[]> = { "deploy/emitters/go.Dockerfile": ["frontend", "checkout", "loadgen"], "deploy/emitters/rust.Dockerfile": ["payments", "inventory"] };
    for (const name of ["frontend", "checkout", "loadgen", "payments", "inventory"]) {
      const service = compose.services[name]!;
      expect(built[service.build!.dockerfile], name).toContain(service.command![0]);
    }
  });
});
