import { describe, expect, it } from "vitest";
import { formatJournal, parseJournal, planSegments, type Segment } from "./replay-journal.js";

const s = (first: number, last: number): Segment => ({ first: BigInt(first), last: BigInt(last) });
const plain = (segments: Segment[]) => segments.map((x) => `${x.first}-${x.last}`);

describe("replay journal", () => {
  it("cuts a fresh range at multiples of the chunk size", () => {
    expect(plain(planSegments(0n, 2499n, [], 1000n).segments)).toEqual(["0-999", "1000-1999", "2000-2499"]);
    expect(plain(planSegments(1500n, 2100n, [], 1000n).segments)).toEqual(["1500-1999", "2000-2100"]);
  });

  it("skips what an earlier replay stored and inserts only the gaps: --to latest run twice as the topic grows", () => {
    const first = planSegments(0n, 1234n, [], 1000n).segments;
    expect(plain(first)).toEqual(["0-999", "1000-1234"]);
    const second = planSegments(0n, 1300n, first, 1000n);
    expect(plain(second.segments)).toEqual(["1235-1300"]);
    expect(second.alreadyStored).toBe(1235n);
    const third = planSegments(1200n, 1300n, [...first, ...second.segments], 1000n);
    expect(third).toEqual({ segments: [], alreadyStored: 101n });
    expect(plain(planSegments(0n, 1500n, [s(100, 199)], 1000n).segments)).toEqual(["0-99", "200-999", "1000-1500"]);
  });

  it("with reinsert, plans the recorded segments again with their own bounds (their tokens), and the gaps as new ones", () => {
    const journal = [s(0, 999), s(1000, 1234)];
    expect(plain(planSegments(1100n, 1300n, journal, 1000n, { reinsert: true }).segments)).toEqual(["1000-1234", "1235-1300"]);
    expect(planSegments(1100n, 1300n, journal, 1000n, { reinsert: true }).alreadyStored).toBe(0n);
  });

  it("round-trips through commit metadata and drops the oldest segments beyond Kafka's limit", () => {
    const segments = [s(0, 999), s(1000, 1234)];
    expect(parseJournal(formatJournal(segments))).toEqual(segments);
    expect(parseJournal("braid.plan.v1:1-2")).toEqual([]);
    const many = Array.from({ length: 500 }, (_, i) => s(i * 1000, i * 1000 + 999));
    const text = formatJournal(many);
    expect(text.length).toBeLessThanOrEqual(4000);
    expect(parseJournal(text).at(-1)).toEqual(many.at(-1));
  });
});
