// The classifier on real errors: provoked from the embedded engine (chDB), and from
// @clickhouse/client (the server's error text parsed by the client's own parser; a refused
// connection and a request timeout against loopback sockets).
import { createServer, type Server } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { parseError } from "@clickhouse/client";
import { drainPending } from "chdb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChdbStore } from "./chdb-store.js";
import { ClickHouseStore } from "./clickhouse-store.js";
import { classifyStoreError } from "./errors.js";
import { isStoreRejection, StoreError } from "./store.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "braid-store-errors-"));
let store: ChdbStore;
const texts: Record<string, string> = {};

async function failure(what: string, operation: () => Promise<unknown>): Promise<StoreError> {
  try {
    await operation();
  } catch (err) {
    expect(err).toBeInstanceOf(StoreError);
    texts[what] = (err as StoreError).message;
    return err as StoreError;
  }
  throw new Error(`${what}: expected the store to fail`);
}

beforeAll(async () => {
  store = new ChdbStore(dir, "errors_test");
  await store.exec("CREATE DATABASE IF NOT EXISTS errors_test");
  await store.exec(`CREATE TABLE {{db}}.t (N UInt8, At DateTime64(9), S String, CONSTRAINT no_poison CHECK S != 'poison')
                    ENGINE = MergeTree PARTITION BY toDate(At) ORDER BY N`);
});
afterAll(async () => {
  await store.close();
  await drainPending();
  rmSync(dir, { recursive: true, force: true });
});

const row = (over: object = {}) => ({ N: 1, At: "2026-01-01 00:00:00", S: "", ...over });

describe("store errors: rejections of the data", () => {
  it.each([
    ["a string where a number goes", [row(), row({ N: "many" })], 27, "CANNOT_PARSE_INPUT_ASSERTION_FAILED"],
    ["a time ClickHouse cannot read", [row({ At: "not a time" })], 41, "CANNOT_PARSE_DATETIME"],
    ["a row that violates a CHECK constraint", [row(), row({ S: "poison" })], 469, "VIOLATED_CONSTRAINT"],
    ["rows over more than 100 daily partitions in one block", Array.from({ length: 101 }, (_, i) => row({ At: new Date(Date.UTC(2025, 0, 1) + i * 86_400_000).toISOString() })), 252, "TOO_MANY_PARTS"],
  ])("chDB: %s is rejected (code %i)", async (_what, rows, code, name) => {
    const err = await failure(name, () => store.insert("t", rows));
    expect(err.failure).toEqual({ kind: "rejected", code, name });
    expect(isStoreRejection(err)).toBe(true);
  });

  it("@clickhouse/client: the server's text of the same errors, parsed by the client, is rejected alike", () => {
    for (const [name, text] of Object.entries(texts)) {
      const serverText = text.replace(/^store insert failed: t: /, "") + " (version 26.7.1.1)";
      const clientError = parseError(serverText);
      expect(clientError.constructor.name).toBe("ClickHouseError");
      expect(classifyStoreError(clientError)).toMatchObject({ kind: "rejected", name });
      expect(new StoreError("insert", clientError.message, { cause: clientError }).failure.kind).toBe("rejected");
    }
  });
});

describe("store errors: transient failures", () => {
  it("chDB: a detached table (UNKNOWN_TABLE), a memory limit and a timeout are transient", async () => {
    await store.exec("DETACH TABLE {{db}}.t");
    try {
      expect((await failure("detached", () => store.insert("t", [row()]))).failure).toEqual({ kind: "transient", code: 60, name: "UNKNOWN_TABLE" });
    } finally {
      await store.exec("ATTACH TABLE {{db}}.t");
    }
    const memory = await failure("memory", () => store.query("SELECT groupArray(number) FROM numbers(100000000) SETTINGS max_memory_usage = 10000000"));
    expect(memory.failure).toEqual({ kind: "transient", code: 241, name: "MEMORY_LIMIT_EXCEEDED" });
    const timeout = await failure("timeout", () => store.query("SELECT count() FROM numbers(100000000000) SETTINGS max_execution_time = 0.1"));
    expect(timeout.failure).toEqual({ kind: "transient", code: 159, name: "TIMEOUT_EXCEEDED" });
  });

  it("'Too many parts' of the merge backlog is transient, unlike too many partitions in one block", () => {
    const backlog = parseError("Code: 252. DB::Exception: Too many parts (3001 with average size of 1.21 MiB) in table 'otel.otel_traces (…)'. Merges are processing significantly slower than inserts. (TOO_MANY_PARTS) (version 26.7.1.1)");
    expect(classifyStoreError(backlog)).toEqual({ kind: "transient", code: 252, name: "TOO_MANY_PARTS" });
  });

  describe("@clickhouse/client against loopback sockets", () => {
    let silent: Server;
    beforeAll(async () => {
      silent = createServer(() => {}); // accepts and never answers
      await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    });
    afterAll(() => new Promise<void>((resolve) => (silent.closeAllConnections(), silent.close(() => resolve()))));

    it("a refused connection is transient", async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const client = new ClickHouseStore({ url: `http://127.0.0.1:${port}`, database: "otel" });
      const err = await failure("refused", () => client.insert("otel_traces", [row()]));
      expect(err.message).toMatch(/ECONNREFUSED/);
      expect(err.failure).toEqual({ kind: "transient" });
      await client.close();
    });

    it("a request timeout is transient", async () => {
      const client = new ClickHouseStore({ url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, database: "otel", requestTimeoutMs: 300 });
      const err = await failure("timeout", () => client.insert("otel_traces", [row()]));
      expect(err.message).toMatch(/Timeout error/i);
      expect(err.failure).toEqual({ kind: "transient" });
      await client.close();
    });
  });
});
