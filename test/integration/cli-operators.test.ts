// The operator commands as an operator runs them (the real `braid` command, Braid's configuration
// in a file), against the real Kafka and a chDB store: migrate says what ran; replay and backfill,
// each run twice (and replay over overlapping ranges), leave every item in the store exactly once;
// rules validate reports each bad rule with its file and field.
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, runBraid } from "../support/cli.js";
import { isolatedConfig, requireServices, tempDir, uniqueSuffix } from "../support/env.js";
import { useKafkaClients } from "../support/kafka-clients.js";
import { spanMessage, withChdb } from "./ingest-support.js";
import { LEGACY_LAYOUT, migrate } from "../../store/index.js";
import { traceRow } from "../support/rows.js";

const storage = tempDir("cli-operators");
const suffix = uniqueSuffix();
const config = isolatedConfig(suffix, path.join(storage.dir, "chdb"));
const configFile = path.join(storage.dir, "braid.json");
const braid = (args: string[]) => runBraid([...args, "--config", configFile]);
const { admin, producer } = useKafkaClients("cli-operators");

beforeAll(async () => {
  await requireServices();
  writeFileSync(configFile, JSON.stringify(config));
});
afterAll(() => storage.cleanup());

const count = (sql: string) => withChdb(config.store.chdbPath, config.store.database, async (store) => Number((await store.query<{ n: string }>(sql))[0]!.n));

describe("braid migrate", () => {
  it("lists the pending migrations, applies them and says which ran, then that nothing is left", async () => {
    const dry = await braid(["migrate", "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^would apply \d+: 0001_traces, 0002_logs, 0003_metrics, /m);
    const run = await braid(["migrate"]);
    expect(run.code).toBe(0);
    // A new database gets the current exporter layout: the 0.150-layout files are not applied to it.
    expect(run.stdout).toMatch(new RegExp(`^store: chDB ${config.store.chdbPath} database ${config.store.database}\\napplied \\d+ migrations:\\n(  \\S+\\n)*  0005_traces_exporter_v0165\\n`));
    expect(run.stdout).toMatch(/^table layout: exporter-v0\.165\.1$/m);
    const again = await braid(["migrate", "--json"]);
    expect(JSON.parse(again.stdout)).toMatchObject({ applied: [], dryRun: false, layout: "exporter-v0.165.1", alreadyApplied: expect.arrayContaining(["0005_traces_exporter_v0165", "0040_alerting"]) });
  }, 600_000);

  it("--layout moves a database of the older exporter layout to the current one, rows kept", async () => {
    const legacy = isolatedConfig(`${suffix}_legacy`, path.join(storage.dir, "chdb-legacy"));
    const legacyFile = path.join(storage.dir, "legacy.json");
    writeFileSync(legacyFile, JSON.stringify(legacy));
    await withChdb(legacy.store.chdbPath, legacy.store.database, async (store) => {
      await migrate(store, { newDatabaseLayout: LEGACY_LAYOUT });
      await store.insert("otel_traces", [traceRow({ Timestamp: `${Date.now()}000000`, ServiceName: "old-layout" })]);
    });
    const before = await runBraid(["migrate", "--config", legacyFile]);
    expect(before.stdout).toMatch(/^table layout: exporter-v0\.150 \(braid migrate --layout moves it to exporter-v0\.165\.1\)$/m);
    const upgraded = await runBraid(["migrate", "--layout", "--config", legacyFile]);
    expect(upgraded.code).toBe(0);
    expect(upgraded.stderr).toMatch(/^upgrading from exporter-v0\.150 to exporter-v0\.165\.1/m);
    expect(upgraded.stdout).toMatch(/^table layout: upgraded from exporter-v0\.150 to exporter-v0\.165\.1 \(.*otel_traces 1 rows/m);
    const count = await withChdb(legacy.store.chdbPath, legacy.store.database, async (store) => Number((await store.query<{ n: string }>("SELECT count() AS n FROM {{db}}.otel_traces WHERE ServiceName = 'old-layout'"))[0]!.n));
    expect(count).toBe(1);
    const again = await runBraid(["migrate", "--layout", "--config", legacyFile]);
    expect(again.stdout).toMatch(/^table layout: already exporter-v0\.165\.1$/m);
  }, 600_000);
});

describe("braid replay", () => {
  const topic = config.kafka.traces.topic;
  const spanIds: string[] = [];

  it("re-ingests a topic's range; run again, and over an overlapping longer range, every span is stored once", async () => {
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    const batch = (n: number) => Array.from({ length: n }, (_, i) => {
      const message = spanMessage("replayed", 10);
      spanIds.push(...message.spanIds);
      return { partition: i % 2, value: message.value };
    });
    await producer.send({ topic, messages: batch(30) });
    const first = await braid(["replay", "--topic", topic, "--chunk", "4", "--json"]);
    expect(first.stderr).toMatch(/^replay otlp_spans_\S+: \d+\/30 messages \(\d+%\), \d+ items, \d+ items\/s, \S+ left$/m);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ topic, messages: 30, items: 300, alreadyStored: 0, deadLetters: [] });
    const second = await braid(["replay", "--topic", topic, "--chunk", "4"]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^replayed 0 messages in 0 chunks: 0 items$/m);
    expect(second.stdout).toMatch(new RegExp(`^  ${topic}/0: offsets 0–14, 15 already stored by an earlier replay \\(skipped\\)$`, "m"));
    // The topic grows; replaying "to latest" again stores only the new messages.
    await producer.send({ topic, messages: [...batch(6), { partition: 0, value: Buffer.from("not protobuf \u0000\u00ff") }] });
    const third = await braid(["replay", "--topic", topic, "--chunk", "4", "--json", "--quiet"]);
    expect(third.code).toBe(1); // the dead letter
    expect(JSON.parse(third.stdout)).toMatchObject({ messages: 7, items: 60, alreadyStored: 30, deadLetters: [{ location: expect.stringMatching(new RegExp(`^${topic}/0@\\d+$`)), code: "decode_error" }] });
    expect(await count(`SELECT count() AS n FROM {{db}}.otel_traces WHERE ServiceName = 'replayed'`)).toBe(360);
    expect(await count(`SELECT uniqExact(SpanId) AS n FROM {{db}}.otel_traces WHERE ServiceName = 'replayed'`)).toBe(360);
  }, 600_000);

  it("with --force it inserts the recorded ranges again with their own tokens: the store still holds every span once", async () => {
    const forced = await braid(["replay", "--topic", topic, "--partition", "1", "--from", "0", "--chunk", "4", "--force", "--quiet", "--json"]);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ partitions: [{ partition: 1, from: "0", alreadyStored: 0 }], messages: 18, items: 180 });
    expect(await count(`SELECT count() AS n FROM {{db}}.otel_traces WHERE ServiceName = 'replayed'`)).toBe(360);
  }, 600_000);

  it("says what is wrong when it cannot run", async () => {
    const unknown = await braid(["replay", "--topic", `${topic}_nope`]);
    expect([unknown.code, unknown.stderr.trim()]).toEqual([2, expect.stringMatching(new RegExp(`^braid: topic ${topic}_nope is not one of Braid's signal topics`))]);
    const noTopic = await braid(["replay"]);
    expect(noTopic.code).toBe(2);
    expect(noTopic.stderr).toMatch(/required option '--topic <topic>' not specified/);
  }, 600_000);
});

describe("braid backfill", () => {
  const fixtures = path.join(repoRoot, "test/fixtures/emitters");
  const files = [path.join(fixtures, "go/traces-checkout-errors.pb"), path.join(fixtures, "rust/traces-payments-ok.pb"), path.join(fixtures, "go/app-logs-frontend.jsonl")];

  it("stores captured files through ingest's batch processing; run twice, and with a renamed copy, every item is stored once", async () => {
    const args = ["backfill", ...files, "--now", "2026-11-25T11:24:00Z", "--tenant", "acme", "--chunk", "3"];
    const first = await braid([...args, "--json"]);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/^backfill: 9\/9 messages \(100%\), 70 items, \d+ items\/s, 0s left$/m);
    expect(JSON.parse(first.stdout)).toMatchObject({ messages: 9, items: 70, itemsBySignal: { traces: 63, app_logs: 7 }, deadLetters: [] });
    const second = await braid(args);
    expect(second.code).toBe(0);
    const renamed = path.join(storage.dir, "copy-of-checkout.pb");
    copyFileSync(files[0]!, renamed);
    expect((await braid(["backfill", renamed, "--now", "2026-11-25T11:24:00Z", "--tenant", "acme"])).code).toBe(0);
    expect(await count(`SELECT count() AS n FROM {{db}}.otel_traces WHERE Tenant = 'acme'`)).toBe(63);
    expect(await count(`SELECT uniqExact(TraceId, SpanId) AS n FROM {{db}}.otel_traces WHERE Tenant = 'acme'`)).toBe(63);
    expect(await count(`SELECT count() AS n FROM {{db}}.otel_logs WHERE Tenant = 'acme' AND LogFormat = 'slog'`)).toBe(7);
  }, 600_000);

  it("exits 2 when the store is held by a running Braid (chDB: one process per directory)", async () => {
    // The store opened by this test process stands in for a running Braid.
    const held = await withChdb(config.store.chdbPath, config.store.database, () => braid(["backfill", files[2]!, "--quiet"]));
    expect(held.code).toBe(2);
    expect(held.stderr).toMatch(/^braid: the chDB directory .* is in use \(a running Braid holds it/m);
  }, 600_000);
});

describe("braid rules validate", () => {
  it("0 for valid rule files, 1 with each problem's file, rule and field, 2 for a directory that cannot be read", async () => {
    const dir = path.join(storage.dir, "rules");
    mkdirSync(dir);
    writeFileSync(path.join(dir, "good.yaml"), "rules:\n  - name: checkout-latency\n    kind: latency\n    target: { service: checkout }\n    threshold_ms: 300\n    window: 1m\n    severity: page\n");
    const good = await runBraid(["rules", "validate", dir]);
    expect([good.code, good.stdout]).toEqual([0, `✓ ${path.join(dir, "good.yaml")}: 1 rule\n1 rules in 1 files are valid\n`]);
    writeFileSync(path.join(dir, "bad.yaml"), "rules:\n  - name: broken\n    kind: latency\n    target: { service: checkout }\n    threshold_ms: -5\n    window: 1m\n");
    const bad = await runBraid(["rules", "validate", dir]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(new RegExp(`^✗ ${path.join(dir, "bad.yaml")}: 0 rules, 1 problem\\n    broken rules\\[0\\]\\.threshold_ms: Too small: expected number to be >0$`, "m"));
    expect(bad.stdout).toMatch(/^1 problem in /m);
    const missing = await runBraid(["rules", "validate", path.join(dir, "nope")]);
    expect(missing.code).toBe(2);
  }, 600_000);
});
