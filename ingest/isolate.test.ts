import { describe, expect, it } from "vitest";
import type { RowOwner } from "./batch.js";
import { insertIsolatingRejections, type IsolatingInsert } from "./isolate.js";
import type { IngestMessage } from "./message.js";

class Rejected extends Error {}

/** A store that rejects any insert containing a poison row and drops a token it has seen (as ClickHouse's deduplication does). */
function fakeStore() {
  const tokens = new Set<string>();
  const stored: string[] = [];
  const attempts: string[] = [];
  return {
    stored,
    attempts,
    async insert(rows: object[], token: string) {
      attempts.push(token);
      if ((rows as { id: string }[]).some((row) => row.id.startsWith("poison"))) throw new Rejected("VIOLATED_CONSTRAINT");
      if (tokens.has(token)) return;
      tokens.add(token);
      stored.push(...(rows as { id: string }[]).map((row) => row.id));
    },
  };
}

/** n messages of 3 rows each; the messages in `poison` have one poison row. */
function range(n: number, poison: number[]): { rows: object[]; owners: RowOwner[] } {
  const rows: object[] = [];
  const owners: RowOwner[] = [];
  for (let m = 0; m < n; m++) {
    for (let r = 0; r < 3; r++) rows.push({ id: `${poison.includes(m) && r === 1 ? "poison" : "ok"}-${m}-${r}` });
    owners.push({ message: { topic: "t", partition: 0, offset: String(100 + m), key: null, value: null, headers: {}, timestamp: "0" } as IngestMessage, end: rows.length });
  }
  return { rows, owners };
}

const job = (store: ReturnType<typeof fakeStore>, n: number, poison: number[], extra: Partial<IsolatingInsert> = {}): IsolatingInsert => ({
  table: "otel_traces",
  ...range(n, poison),
  token: "braid:g:t:0:100-" + (99 + n),
  insert: (rows, token) => store.insert(rows, token),
  isRejection: (err) => err instanceof Rejected,
  ...extra,
});

describe("insertIsolatingRejections", () => {
  it("stores a range whose insert is accepted in one insert with the range's token", async () => {
    const store = fakeStore();
    expect(await insertIsolatingRejections(job(store, 8, []))).toEqual([]);
    expect(store.attempts).toEqual(["braid:g:t:0:100-107"]);
    expect(store.stored).toHaveLength(24);
  });

  it("isolates the poison messages by bisection and stores every row of the others", async () => {
    const store = fakeStore();
    const rejected = await insertIsolatingRejections(job(store, 16, [3, 11]));
    expect(rejected.map((r) => [r.message.offset, r.rows])).toEqual([["103", 3], ["111", 3]]);
    expect(store.stored.sort()).toEqual(range(16, [3, 11]).rows.map((row) => (row as { id: string }).id).filter((id) => !/-(3|11)-/.test(id)).sort());
    // 1 + 2 per level on the way down to each poison message: far fewer than one insert per message.
    expect(store.attempts.length).toBeLessThanOrEqual(1 + 2 * 2 * Math.log2(16));
    expect(store.attempts[1]).toBe("braid:g:t:0:100-115/100-107");
  });

  it("a single-message range that is rejected goes straight to the rejected list", async () => {
    const store = fakeStore();
    expect((await insertIsolatingRejections(job(store, 1, [0]))).map((r) => r.message.offset)).toEqual(["100"]);
  });

  it("a failure that is not a rejection is thrown, not split (the caller retries it)", async () => {
    const err = new Error("Code: 241. MEMORY_LIMIT_EXCEEDED");
    await expect(insertIsolatingRejections({ ...job(fakeStore(), 4, []), insert: async () => Promise.reject(err) })).rejects.toBe(err);
  });

  it("crashing after any part of a split and starting over stores every row exactly once (same parts, same tokens)", async () => {
    const first = fakeStore();
    let parts = 0;
    const expected = await insertIsolatingRejections(job(first, 12, [5], { afterPartStored: () => void parts++ }));
    expect(parts).toBeGreaterThan(2);
    for (let crashAfter = 1; crashAfter <= parts; crashAfter++) {
      const store = fakeStore();
      let storedParts = 0;
      const crash = new Error("SIGKILL");
      await expect(insertIsolatingRejections(job(store, 12, [5], { afterPartStored: () => { if (++storedParts === crashAfter) throw crash; } }))).rejects.toBe(crash);
      const replayed = await insertIsolatingRejections(job(store, 12, [5]));
      expect(replayed.map((r) => r.message.offset)).toEqual(expected.map((r) => r.message.offset));
      expect(store.stored.length).toBe(new Set(store.stored).size);
      expect(store.stored.sort()).toEqual([...first.stored].sort());
    }
  });
});
