import { describe, expect, it } from "vitest";
import { BatchAbandoned, backoffDelay, retryUntilDone, type RetryControl } from "./retry.js";

const control = (overrides: Partial<RetryControl> = {}): RetryControl & { retries: number[] } => {
  const retries: number[] = [];
  return { shouldContinue: () => true, heartbeat: async () => {}, onRetry: (_err, attempt) => void retries.push(attempt), baseMs: 1, capMs: 4, retries, ...overrides };
};

describe("backoffDelay", () => {
  it("doubles from the base, never exceeds the cap, and never drops below half of it (jitter)", () => {
    expect(backoffDelay(0, 100, 30_000, () => 0)).toBe(50);
    expect(backoffDelay(0, 100, 30_000, () => 1)).toBe(100);
    expect(backoffDelay(3, 100, 30_000, () => 1)).toBe(800);
    expect(backoffDelay(20, 100, 30_000, () => 1)).toBe(30_000);
    expect(backoffDelay(20, 100, 30_000, () => 0)).toBe(15_000);
  });
});

describe("retryUntilDone", () => {
  it("retries a failing write until it succeeds, reporting each attempt", async () => {
    let calls = 0;
    const c = control();
    const value = await retryUntilDone(async () => {
      if (++calls < 4) throw new Error("store down");
      return "stored";
    }, c);
    expect(value).toBe("stored");
    expect(c.retries).toEqual([1, 2, 3]);
  });

  it("abandons the batch once it must stop (shutdown or rebalance), without another attempt", async () => {
    let calls = 0;
    let running = true;
    const attempt = retryUntilDone(async () => {
      calls++;
      running = false;
      throw new Error("store down");
    }, control({ shouldContinue: () => running }));
    await expect(attempt).rejects.toThrow(BatchAbandoned);
    await expect(attempt).rejects.toThrow("batch abandoned: store down");
    expect(calls).toBe(1);
  });

  it("rethrows at once an error that retrying cannot fix", async () => {
    const fatal = Object.assign(new Error("not a member of the group any more"), { type: "UNKNOWN_MEMBER_ID" });
    const c = control({ giveUp: (err) => (err as { type?: string }).type === "UNKNOWN_MEMBER_ID" });
    await expect(retryUntilDone(async () => Promise.reject(fatal), c)).rejects.toBe(fatal);
    expect(c.retries).toEqual([]);
  });
});
