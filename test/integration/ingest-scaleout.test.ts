// Scale-out and graceful shutdown, with Braid as real child processes (bin/braid.ts):
// two ingest processes in one consumer group, each with its own chDB directory (DESIGN.md,
// "Testing scale-out"), a join and a graceful leave in the middle of a stream; and SIGTERM in the
// middle of a stream, after which the committed offsets say exactly what was stored.
import { describe, expect, it } from "vitest";
import { eventually, isolatedConfig, tempDir, uniqueSuffix } from "../support/env.js";
import { useKafkaClients } from "../support/kafka-clients.js";
import { allCommitted, braidEnv, committedOffsets, joinedGroup, spanMessage, spawnBraid, sumOffsets, withChdb, type BraidChild } from "./ingest-support.js";

const { admin, producer } = useKafkaClients("ingest-scaleout-test");

async function stopGracefully(braid: BraidChild): Promise<void> {
  braid.child.kill("SIGTERM");
  expect(await braid.exited).toEqual({ code: 0, signal: null });
}

/** Partitions of `topic` in the assignment a "joined consumer group" log record reports. */
/** A join of the traces consumer (each signal's consumer joins on its own). */
const tracesJoined = (record: Record<string, unknown>) => joinedGroup(record) && record.signal === "traces";
const assignedPartitions = (record: Record<string, unknown>, topic: string) => ((record.assignment as Record<string, number[]>)[topic] ?? []).length;

describe("ingest scale-out and shutdown (bin/braid.ts child processes)", () => {
  it("two processes in one group split the partitions; across a join and a graceful leave mid-stream, the union of their stores holds every span exactly once", async () => {
    const suffix = uniqueSuffix();
    const dirA = tempDir("scale-a");
    const dirB = tempDir("scale-b");
    const configA = isolatedConfig(suffix, dirA.dir, { roles: ["ingest"], kafka: { partitions: 4 } });
    const configB = isolatedConfig(suffix, dirB.dir, { roles: ["ingest"], kafka: { partitions: 4 } });
    const topic = configA.kafka.traces.topic;
    const group = configA.kafka.groupId;
    expect(configB.kafka.groupId).toBe(group);
    const produced: string[] = [];
    let sequence = 0;
    const produce = async (count: number) => {
      for (let i = 0; i < count; i++, sequence++) {
        const message = spanMessage(`scale-svc-${sequence % 4}`, 100);
        produced.push(...message.spanIds);
        await producer.send({ topic, messages: [{ partition: sequence % 4, value: message.value }] });
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    try {
      const a = spawnBraid(braidEnv(configA));
      expect(assignedPartitions(await a.waitForLog(tracesJoined, "A to join"), topic)).toBe(4);
      await produce(60);

      // B joins in the middle of the stream: the group rebalances while A is storing.
      const b = spawnBraid(braidEnv(configB));
      const streaming = produce(120);
      const bJoined = await b.waitForLog(tracesJoined, "B to join");
      await streaming;
      await eventually(() => allCommitted(admin, group, topic), Boolean, "every message committed by A and B");
      const aRejoined = await a.waitForLog((record) => joinedGroup(record) && assignedPartitions(record, topic) === 2, "A to keep two partitions");
      expect(assignedPartitions(bJoined, topic) + assignedPartitions(aRejoined, topic)).toBe(4);

      // A leaves gracefully in the middle of the stream: B takes every partition over.
      const streamingOn = produce(120);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await stopGracefully(a);
      await streamingOn;
      await b.waitForLog((record) => joinedGroup(record) && assignedPartitions(record, topic) === 4, "B to take over all partitions");
      await eventually(() => allCommitted(admin, group, topic), Boolean, "every message committed by B");
      await stopGracefully(b);

      const idsA = await withChdb(dirA.dir, configA.store.database, (store) => store.query<{ SpanId: string }>("SELECT SpanId FROM {{db}}.otel_traces"));
      const idsB = await withChdb(dirB.dir, configB.store.database, (store) => store.query<{ SpanId: string }>("SELECT SpanId FROM {{db}}.otel_traces"));
      expect(idsA.length).toBeGreaterThan(0);
      expect(idsB.length).toBeGreaterThan(0);
      const union = new Set([...idsA, ...idsB].map((row) => row.SpanId));
      expect({ stored: idsA.length + idsB.length, distinct: union.size }).toEqual({ stored: produced.length, distinct: produced.length });
      expect(produced.every((id) => union.has(id))).toBe(true);
    } finally {
      dirA.cleanup();
      dirB.cleanup();
    }
  });

  it("SIGTERM in the middle of a stream: exits 0, leaves the group, and the committed offsets are exactly what was stored", async () => {
    const suffix = uniqueSuffix();
    const storage = tempDir("sigterm");
    const config = isolatedConfig(suffix, storage.dir, { roles: ["ingest"], kafka: { partitions: 2 } });
    const topic = config.kafka.traces.topic;
    const group = config.kafka.groupId;
    const spansPerMessage = 100;
    try {
      const braid = spawnBraid(braidEnv(config));
      await braid.waitForLog(joinedGroup, "Braid to join its group");
      let stop = false;
      let sent = 0;
      // Each partition gets its own service name, so stored spans can be counted per partition.
      const stream = (async () => {
        while (!stop) {
          await producer.send({ topic, messages: [0, 1].map((partition) => ({ partition, value: spanMessage(`sigterm-p${partition}`, spansPerMessage).value })) });
          sent += 2;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      await eventually(() => committedOffsets(admin, group, topic).then(sumOffsets), (n) => n >= 60n, "part of the stream committed");
      await stopGracefully(braid);
      stop = true;
      await stream;

      const committed = await committedOffsets(admin, group, topic);
      const [description] = (await admin.describeGroups([group])).groups;
      expect(description?.state).toBe("Empty");
      expect(description?.members).toEqual([]);
      expect(sumOffsets(committed)).toBeLessThan(BigInt(sent));

      const stored = await withChdb(storage.dir, config.store.database, (store) =>
        store.query<{ ServiceName: string; n: string }>("SELECT ServiceName, count() AS n FROM {{db}}.otel_traces GROUP BY ServiceName ORDER BY ServiceName"),
      );
      expect(stored.map((row) => [row.ServiceName, Number(row.n)])).toEqual([0, 1].map((partition) => [`sigterm-p${partition}`, Number(committed.get(partition)) * spansPerMessage]));
    } finally {
      storage.cleanup();
    }
  });
});
