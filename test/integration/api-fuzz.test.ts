// schemathesis (PyPI; scripts/setup.sh installs it in .braid/schemathesis) fuzzes the whole API
// from its own OpenAPI document, once with a read key over every operation and once with a write
// key over the writing ones, on a store holding two tenants' data: no 5xx, and every response
// must match the documented status codes, content types, headers and schemas. Bounded in time
// (--max-examples, --max-time). Not checked: positive_data_acceptance, because `from` must be
// before `to` and at most 7 days from it, a rule across two parameters that OpenAPI cannot state
// (schemathesis then counts the 400s as "valid data rejected"); every other check runs.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { trace } from "@opentelemetry/api";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApi } from "../../api/index.js";
import { createLogger } from "../../runtime/logger.js";
import { createMetricsRegistry } from "../../runtime/metrics.js";
import { ApiSettings } from "../../schemas/config.js";
import { ChdbStore, migrate, type Store } from "../../store/index.js";
import { tempDir, uniqueSuffix } from "../support/env.js";
import { useKafkaClients } from "../support/kafka-clients.js";
import { createChangePublisher } from "../../runtime/change-publisher.js";
import { everyTenantRules, seedTwoTenants } from "../support/tenants.js";

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, "../..");
const schemathesis = path.join(process.env.BRAID_STATE_DIR ?? path.join(repoRoot, ".braid"), "schemathesis/bin/st");
const storage = tempDir("api-fuzz");
const bootstrapKey = "bootstrap-key-for-the-fuzzing-run-0123456789";
// POST /api/v1/changes puts events on a topic of the real broker, as in a running Braid.
const { admin, producer } = useKafkaClients("api-fuzz");
const changesTopic = `braid_changes_fuzz_${uniqueSuffix()}`;
let store: Store;
let app: FastifyInstance;
let address = "";
const keys: Record<"read" | "write", string> = { read: "", write: "" };

interface Report {
  exit_code: number;
  running_time: number;
  test_cases: { generated: number; with_failures: number; unique_failures: number; errored: number };
  operations: { selected: number; tested?: number } | unknown;
  failures: unknown;
  errors: unknown;
}

beforeAll(async () => {
  if (!existsSync(schemathesis)) throw new Error(`${schemathesis} is missing: run 'BRAID_WITH_TEST_TOOLS=1 bash scripts/setup.sh' (it installs schemathesis from PyPI into .braid/schemathesis)`);
  const rulesDir = path.join(storage.dir, "rules");
  mkdirSync(rulesDir);
  writeFileSync(path.join(rulesDir, "every-tenant.yaml"), everyTenantRules);
  await admin.createTopics({ topics: [{ topic: changesTopic, numPartitions: 1 }] });
  store = new ChdbStore(path.join(storage.dir, "chdb"), "api_fuzz");
  await migrate(store);
  await seedTwoTenants(store, { rulesDir });
  app = await buildApi({
    deps: { store, logger: createLogger("silent"), alerting: { rulesDir }, publishChange: createChangePublisher(producer, { topic: changesTopic, defaultTenant: "default", tenantHeader: "tenant" }) },
    tracer: trace.getTracer("test"),
    registry: createMetricsRegistry(),
    health: [],
    // The fuzzer sends thousands of requests a minute: no rate limit in the way of what is tested.
    settings: ApiSettings.parse({ rateLimitPerMinute: 1_000_000, auth: { bootstrapKey } }),
  });
  address = await app.listen({ host: "127.0.0.1", port: 0 });
  for (const scope of ["read", "write"] as const) {
    const response = await app.inject({ method: "POST", url: "/api/v1/keys", headers: { authorization: `Bearer ${bootstrapKey}` }, payload: { name: `fuzz ${scope}`, tenant: "acme", scopes: [scope] } });
    keys[scope] = response.json().Key;
  }
}, 240_000);

afterAll(async () => {
  await admin.deleteTopics({ topics: [changesTopic] }).catch(() => undefined);
  await app?.close();
  await store?.close();
  storage.cleanup();
});

async function fuzz(key: string, name: string, extra: string[]): Promise<Report> {
  const report = path.join(storage.dir, `${name}.json`);
  const args = [
    "run", `${address}/api/docs/openapi.json`,
    "--header", `Authorization: Bearer ${key}`,
    "--checks", "all", "--exclude-checks", "positive_data_acceptance",
    "--max-examples", process.env.BRAID_FUZZ_EXAMPLES ?? "10",
    "--max-time", process.env.BRAID_FUZZ_SECONDS ?? "75",
    // One worker: CPython 3.11's ast module can raise a spurious SystemError under threads (gh-106905).
    "--workers", "1", "--seed", "20261201", "--request-timeout", "30",
    "--report", "json", "--report-json-path", report,
    ...extra,
  ];
  const result = await run(schemathesis, args, { timeout: 600_000, maxBuffer: 64 * 1024 * 1024 }).catch((err: { stdout?: string; code?: number }) => err);
  const parsed = JSON.parse(readFileSync(report, "utf8")) as Report;
  const summary = { name, exit: parsed.exit_code, seconds: Math.round(parsed.running_time), ...parsed.test_cases };
  process.stdout.write(`[schemathesis] ${JSON.stringify(summary)}\n`);
  if (parsed.exit_code !== 0) process.stdout.write(String((result as { stdout?: string }).stdout ?? "").slice(-20_000));
  return parsed;
}

describe("the API under schemathesis", () => {
  it("answers every operation with a read key: no 5xx, every response as documented", async () => {
    const report = await fuzz(keys.read, "read", []);
    expect(report.test_cases.generated).toBeGreaterThan(200);
    expect(report.failures, "schemathesis failures (printed above)").toEqual([]);
    expect(report.errors).toEqual([]);
    expect(report.exit_code).toBe(0);
  }, 600_000);

  it("answers the writing operations with a write key: no 5xx, every response as documented", async () => {
    const report = await fuzz(keys.write, "write", ["--include-method-regex", "^(POST|PUT|DELETE|PATCH)$"]);
    expect(report.test_cases.generated).toBeGreaterThan(20);
    expect(report.failures, "schemathesis failures (printed above)").toEqual([]);
    expect(report.errors).toEqual([]);
    expect(report.exit_code).toBe(0);
  }, 600_000);
});
