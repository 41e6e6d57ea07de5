import { describe, expect, it } from "vitest";
import { assignBySubscription } from "./assigner.js";

const partitions = (counts: Record<string, number>) => (topic: string) => Array.from({ length: counts[topic] ?? 0 }, (_, i) => i);

describe("assignBySubscription", () => {
  it("gives each topic's partitions only to the members subscribed to it", () => {
    const members = [
      { memberId: "a-traces", topics: ["otlp_spans"] },
      { memberId: "a-logs", topics: ["otlp_logs"] },
      { memberId: "b-traces", topics: ["otlp_spans"] },
      { memberId: "b-logs", topics: ["otlp_logs"] },
    ];
    const assignment = assignBySubscription(members, partitions({ otlp_spans: 4, otlp_logs: 3 }));
    expect(Object.fromEntries(assignment)).toEqual({
      "a-logs": { otlp_logs: [0, 2] },
      "b-logs": { otlp_logs: [1] },
      "a-traces": { otlp_spans: [1, 3] },
      "b-traces": { otlp_spans: [0, 2] },
    });
  });

  it("assigns every partition exactly once, lists members without partitions, and is the same whoever leads", () => {
    const members = [
      { memberId: "m3", topics: ["x", "y"] },
      { memberId: "m1", topics: ["x"] },
      { memberId: "m2", topics: [] },
    ];
    const one = assignBySubscription(members, partitions({ x: 5, y: 2 }));
    const other = assignBySubscription([...members].reverse(), partitions({ x: 5, y: 2 }));
    expect(Object.fromEntries(one)).toEqual(Object.fromEntries(other));
    expect(one.get("m2")).toEqual({});
    const all = [...one.values()].flatMap((topics) => Object.entries(topics).flatMap(([topic, ps]) => ps.map((p) => `${topic}/${p}`)));
    expect(all.sort()).toEqual(["x/0", "x/1", "x/2", "x/3", "x/4", "y/0", "y/1"]);
  });
});
