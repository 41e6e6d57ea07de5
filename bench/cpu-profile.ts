// Reads the V8 CPU profiles `node --cpu-prof` writes (one per thread) and says where the time went:
// self time by function and by package. Chrome DevTools shows the same, but a benchmark's note
// needs the figures as text, next to the run they belong to.
import { readFileSync } from "node:fs";

/** The parts of a `.cpuprofile` (V8's Profiler.Profile) this reads. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  selfMs: number;
  /** Of the thread's busy time (the samples that were not idle). */
  share: number;
}

export interface ProfileSummary {
  wallMs: number;
  busyMs: number;
  functions: ProfileEntry[];
  packages: ProfileEntry[];
}

/** V8's pseudo-frames: "(idle)" is a waiting thread; the others are work and stay in. */
const idle = "(idle)";

/** Where a frame's code comes from: an npm package, Node itself, V8, or the project's own file. */
export function packageOf(url: string, functionName: string): string {
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules) return inModules[1]!;
  if (url.startsWith("node:")) return "node";
  const own = /\/((?:ingest|normalizer|store|schemas|correlator|api|bin|runtime)\/[^/]+)$/.exec(url);
  return own ? own[1]! : url.replace(/^file:\/\//, "");
}

function frameName(frame: CpuProfile["nodes"][number]["callFrame"]): string {
  // A package's path from its name on; the project's own files by their folder and name.
  const path = frame.url.replace(/^file:\/\//, "");
  const file = path.includes("node_modules/") ? path.replace(/^.*node_modules\//, "") : path.replace(/^.*\/(?=[^/]+\/[^/]+$)/, "");
  return file ? `${frame.functionName || "(anonymous)"} ${file}:${frame.lineNumber + 1}` : frame.functionName;
}

/**
 * Self time per function and per package. A sample's time is the delta that follows it (V8
 * records the delta before each sample, so sample i lasted until sample i + 1).
 */
export function summarizeCpuProfile(profile: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let busyUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!);
    const us = profile.timeDeltas[i + 1] ?? 0;
    if (!node || node.callFrame.functionName === idle || us <= 0) continue;
    busyUs += us;
    const name = frameName(node.callFrame);
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    const pkg = packageOf(node.callFrame.url, node.callFrame.functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const entries = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: Math.round(us / 1000), share: busyUs > 0 ? Number((us / busyUs).toFixed(3)) : 0 }));
  return { wallMs: Math.round((profile.endTime - profile.startTime) / 1000), busyMs: Math.round(busyUs / 1000), functions: entries(byFunction), packages: entries(byPackage) };
}

export function readCpuProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
}
