// Crash safety of ingest, with Braid as a real child process on its own chDB directory:
// kill -9 in the middle of a stream, and crashes at each exact step of storing a range
// (failpoints, ingest/failpoints.ts), each followed by a restart on the same directory. Afterwards
// every span must be queryable exactly once.
import { describe, expect, it } from "vitest";
import { ensureTopics } from "../../ingest/index.js";
import { drainPending } from "chdb";
import { encodeTraces, newSpanId, newTraceId, traceRequest } from "../../scripts/lib/otlp-builder.js";
import { openStore, type Store } from "../../store/index.js";
import { eventually, isolatedConfig, tempDir, uniqueSuffix } from "../support/env.js";
import { useKafkaClients } from "../support/kafka-clients.js";
import { allCommitted, braidEnv, committedOffsets, joinedGroup, spanMessage, spawnBraid, sumOffsets, withChdb, type BraidChild } from "./ingest-support.js";

const { kafka, admin, producer } = useKafkaClients("ingest-crash-test");

/** Checks that the store holds exactly the expected spans, each once. */
async function expectExactlyOnce(store: Store, expected: string[]): Promise<void> {
  const [totals] = await store.query<{ rows: string; distinct: string }>("SELECT count() AS rows, uniqExact(SpanId) AS distinct FROM {{db}}.otel_traces");
  await store.exec("CREATE TABLE {{db}}.expected_spans (SpanId String) ENGINE = Memory");
  for (let i = 0; i < expected.length; i += 50_000) await store.insert("expected_spans", expected.slice(i, i + 50_000).map((SpanId) => ({ SpanId })));
  const [missing] = await store.query<{ n: string }>("SELECT count() AS n FROM {{db}}.expected_spans WHERE SpanId NOT IN (SELECT SpanId FROM {{db}}.otel_traces)");
  await store.exec("DROP TABLE {{db}}.expected_spans");
  expect({ rows: Number(totals!.rows), distinct: Number(totals!.distinct), missing: Number(missing!.n) }).toEqual({ rows: expected.length, distinct: expected.length, missing: 0 });
}

async function stopGracefully(braid: BraidChild): Promise<void> {
  braid.child.kill("SIGTERM");
  expect(await braid.exited).toEqual({ code: 0, signal: null });
}

describe("ingest crash safety (bin/braid.ts child process, own chDB directory)", () => {
  it("kill -9 twice in the middle of a 100k-span stream, restart on the same directory: every span queryable exactly once", async () => {
    const suffix = uniqueSuffix();
    const storage = tempDir("crash-stream");
    const config = isolatedConfig(suffix, storage.dir, { roles: ["ingest"], kafka: { partitions: 2 } });
    const topic = config.kafka.traces.topic;
    const env = braidEnv(config);
    const messages = 400;
    const spansPerMessage = 250;
    const produced: string[] = [];
    try {
      let braid = spawnBraid(env);
      await braid.waitForLog(joinedGroup, "the first process to join its group");

      // The stream: 4 messages per produce call (one record batch), paced, while Braid ingests.
      let sent = 0;
      const stream = (async () => {
        for (let i = 0; i < messages; i += 4) {
          const batch = [0, 1, 2, 3].map((j) => spanMessage(`crash-svc-${(i + j) % 3}`, spansPerMessage));
          for (const message of batch) produced.push(...message.spanIds);
          await producer.send({ topic, messages: batch.map((message) => ({ value: message.value })) });
          sent += batch.length;
          await new Promise((resolve) => setTimeout(resolve, 15));
        }
      })();

      for (const killAt of [messages / 4, (messages * 5) / 8]) {
        await eventually(() => committedOffsets(admin, config.kafka.groupId, topic).then(sumOffsets), (n) => n >= BigInt(killAt), `${killAt} messages committed`);
        braid.child.kill("SIGKILL");
        expect((await braid.exited).signal).toBe("SIGKILL");
        braid = spawnBraid(env);
        await braid.waitForLog(joinedGroup, "the restarted process to join its group");
      }
      await stream;
      expect(sent).toBe(messages);
      await eventually(() => allCommitted(admin, config.kafka.groupId, topic), Boolean, "every message committed", 120_000);
      await stopGracefully(braid);

      expect(produced).toHaveLength(messages * spansPerMessage);
      await withChdb(storage.dir, config.store.database, (store) => expectExactlyOnce(store, produced));
    } finally {
      storage.cleanup();
    }
    // Two restarts, each rejoining four consumers (one per signal) after the killed members' 10 s
    // session timeout, on a machine shared with other suites: a limit, not a timed assertion.
  }, 300_000);

  it("crashes after the plan, after the insert and before the commit, with a shorter fetch on replay: every span exactly once", async () => {
    const suffix = uniqueSuffix();
    const storage = tempDir("crash-failpoints");
    const config = isolatedConfig(suffix, storage.dir, { roles: ["ingest"], kafka: { partitions: 1 } });
    const topic = config.kafka.traces.topic;
    const group = config.kafka.groupId;
    const produced: string[] = [];
    try {
      // A backlog of 120 messages of 200 spans (about 14 KB each), one record batch each.
      await ensureTopics(kafka, [topic], 1, 1);
      for (let i = 0; i < 120; i++) {
        const message = spanMessage("failpoint-svc", 200);
        produced.push(...message.spanIds);
        await producer.send({ topic, messages: [{ value: message.value }] });
      }

      const run = async (maxBytes: number, failpoint?: string) => {
        const braid = spawnBraid(braidEnv(config, { kafka: { maxBytesPerPartition: maxBytes } }, failpoint ? { BRAID_INGEST_FAILPOINTS: failpoint } : {}));
        if (failpoint) expect((await braid.exited).signal).toBe("SIGKILL");
        return braid;
      };
      const logged = (braid: BraidChild, text: string) => braid.lines.some((line) => line.includes(text));

      const replayed = "inserting it again with the same deduplication token";
      // 1. Ranges of about 18 messages; dies with the second range inserted, its plan committed.
      const first = await run(256 * 1024, "after_insert=2");
      expect(first.lines.some((line) => line.includes("joined consumer group"))).toBe(true);
      expect(sumOffsets(await committedOffsets(admin, group, topic))).toBeGreaterThan(0n);
      // 2. Fetches of about 4 messages: the planned range is gathered over several fetches and
      //    inserted again with its token (ClickHouse drops it); dies after planning a later range.
      const second = await run(64 * 1024, "after_planned=3");
      expect(logged(second, "gathering the rest before inserting")).toBe(true);
      expect(logged(second, replayed)).toBe(true);
      // 3. Inserts the planned range (nothing of it had landed); dies on the next range after its
      //    rows and dead letters are in, before its commit.
      const third = await run(256 * 1024, "after_dead_letters=2");
      expect(logged(third, replayed)).toBe(true);
      // 4. Inserts that range again (dropped by its token) and finishes the topic.
      const last = await run(256 * 1024);
      await eventually(() => allCommitted(admin, group, topic), Boolean, "every message committed", 120_000);
      expect(logged(last, replayed)).toBe(true);
      await stopGracefully(last);

      await withChdb(storage.dir, config.store.database, (store) => expectExactlyOnce(store, produced));
    } finally {
      storage.cleanup();
    }
  });

  it("crashes in the middle of splitting a range the store rejected, twice: every good span exactly once, the poison message dead-lettered", async () => {
    const suffix = uniqueSuffix();
    const storage = tempDir("crash-split");
    const config = isolatedConfig(suffix, storage.dir, { roles: ["ingest"], kafka: { partitions: 1 } });
    const topic = config.kafka.traces.topic;
    const group = config.kafka.groupId;
    const produced: string[] = [];
    try {
      // The tables as Braid creates them, plus a constraint that one span of message 30 violates.
      const store = await openStore({ database: config.store.database, chdbDataDir: storage.dir });
      await store.exec("ALTER TABLE {{db}}.otel_traces ADD CONSTRAINT no_poison_span CHECK SpanName != 'poison-span'");
      await store.close();
      await drainPending();

      await ensureTopics(kafka, [topic], 1, 1);
      for (let i = 0; i < 60; i++) {
        if (i === 30) {
          const start = BigInt(Date.now()) * 1_000_000n;
          const spans = Array.from({ length: 200 }, (_, k) => ({ traceId: newTraceId(), spanId: newSpanId(), name: k === 7 ? "poison-span" : "op", kind: 2, startNs: start, durationNs: 1000n }));
          await producer.send({ topic, messages: [{ value: encodeTraces(traceRequest("poison-svc", spans)) }] });
          continue;
        }
        const message = spanMessage("split-svc", 200);
        produced.push(...message.spanIds);
        await producer.send({ topic, messages: [{ value: message.value }] });
      }
      // Ranges of about 18 messages: the range holding message 30 is split about four times.
      const env = (failpoint?: string) => braidEnv(config, { kafka: { maxBytesPerPartition: 256 * 1024 } }, failpoint ? { BRAID_INGEST_FAILPOINTS: failpoint } : {});
      const split = "the store rejected the rows of these messages as data";
      for (const failpoint of ["after_split_part=2", "after_split_part=4"]) {
        const braid = spawnBraid(env(failpoint));
        expect((await braid.exited).signal).toBe("SIGKILL");
        expect(braid.lines.some((line) => line.includes(split))).toBe(true);
      }
      const last = spawnBraid(env());
      await eventually(() => allCommitted(admin, group, topic), Boolean, "every message committed", 120_000);
      expect(last.lines.some((line) => line.includes("inserting it again with the same deduplication token"))).toBe(true);
      await last.waitForLog((record) => record.msg === "message sent to the dead-letter topic" && record.code === "store_rejected", "the poison message dead-lettered");
      await stopGracefully(last);

      await withChdb(storage.dir, config.store.database, async (store) => {
        await expectExactlyOnce(store, produced);
        const [poison] = await store.query<{ n: string }>("SELECT count() AS n FROM {{db}}.otel_traces WHERE ServiceName = 'poison-svc'");
        expect(poison!.n).toBe("0");
      });
    } finally {
      storage.cleanup();
    }
  });
});
