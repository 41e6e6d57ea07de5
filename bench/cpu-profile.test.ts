import { describe, expect, it } from "vitest";
import { packageOf, summarizeCpuProfile, type CpuProfile } from "./cpu-profile.js";

const frame = (functionName: string, url = "", lineNumber = 0) => ({ functionName, url, lineNumber });

// root → decode (protobufjs) → normalize (own file); idle and GC beside them.
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame("(root)"), children: [2, 4, 5] },
    { id: 2, callFrame: frame("decode", "file:///repo/node_modules/protobufjs/src/reader.js", 9), children: [3] },
    { id: 3, callFrame: frame("normalizeSpan", "file:///repo/normalizer/traces.ts", 41) },
    { id: 4, callFrame: frame("(idle)") },
    { id: 5, callFrame: frame("(garbage collector)") },
  ],
  startTime: 0,
  endTime: 10_000,
  // Each sample lasts until the next one: the delta at i + 1.
  samples: [2, 2, 3, 4, 5, 3],
  timeDeltas: [0, 1000, 1000, 2000, 4000, 1000],
};

describe("summarizeCpuProfile", () => {
  it("gives each sample the time until the next one, leaves idle time out, and ranks by self time", () => {
    const summary = summarizeCpuProfile(profile);
    expect(summary.wallMs).toBe(10);
    // decode 1+1 ms, normalizeSpan 2 ms, GC 1 ms; idle 4 ms out; the last sample has no delta after it.
    expect(summary.busyMs).toBe(5);
    expect(summary.functions).toEqual([
      { name: "decode protobufjs/src/reader.js:10", selfMs: 2, share: 0.4 },
      { name: "normalizeSpan normalizer/traces.ts:42", selfMs: 2, share: 0.4 },
      { name: "(garbage collector)", selfMs: 1, share: 0.2 },
    ]);
    expect(summary.packages.map((p) => p.name)).toEqual(["normalizer/traces.ts", "protobufjs", "(garbage collector)"]);
  });

  it("keeps the top N", () => {
    expect(summarizeCpuProfile(profile, 1).functions).toHaveLength(1);
  });
});

describe("packageOf", () => {
  it("names scoped and plain npm packages, Node's own modules and the project's files", () => {
    expect(packageOf("file:///r/node_modules/@clickhouse/client/dist/x.js", "f")).toBe("@clickhouse/client");
    expect(packageOf("file:///r/node_modules/kafkajs/src/x.js", "f")).toBe("kafkajs");
    expect(packageOf("node:internal/streams/readable", "f")).toBe("node");
    expect(packageOf("file:///r/store/native-format.ts", "f")).toBe("store/native-format.ts");
    expect(packageOf("", "(program)")).toBe("(program)");
    expect(packageOf("", "push")).toBe("(native)");
  });
});
