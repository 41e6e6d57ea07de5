import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { analyzeTrace, type AnalysisSpan } from "./trace-analysis.js";

// Times in the fixtures are milliseconds from an arbitrary epoch; the analysis works in ns.
const ms = 1_000_000;
const epochNs = 1_760_000_000_000_000_000n;

interface Fixture {
  id: string;
  parent?: string;
  service?: string;
  name?: string;
  kind?: string;
  start: number;
  end: number;
  /** The callee a call span names, as the store's node SQL derives it. */
  peer?: string;
  peerType?: "database" | "queue" | "peer";
  clock?: string;
}

function spans(...fixtures: Fixture[]): AnalysisSpan[] {
  return fixtures.map((f) => ({
    spanId: f.id,
    parentSpanId: f.parent ?? "",
    serviceName: f.service ?? "frontend",
    spanName: f.name ?? f.id,
    spanKind: f.kind ?? "Internal",
    startNs: epochNs + BigInt(f.start * ms),
    durationNs: BigInt((f.end - f.start) * ms),
    peer: f.peer ?? "",
    peerType: f.peerType ?? "peer",
    clockKey: f.clock ?? f.service ?? "frontend",
  }));
}

/** The critical path as [spanId, startMs, endMs] from the trace's start. */
const pathOf = (input: AnalysisSpan[]) => analyzeTrace(input)!.criticalPath.map((s) => [s.spanId, s.startOffsetNs / ms, s.endOffsetNs / ms]);

describe("critical path", () => {
  it("runs through sequential children and gives the parent the gaps between them", () => {
    expect(pathOf(spans({ id: "root", kind: "Server", start: 0, end: 100 }, { id: "a", parent: "root", start: 10, end: 30 }, { id: "b", parent: "root", start: 40, end: 90 }))).toEqual([
      ["root", 0, 10],
      ["a", 10, 30],
      ["root", 30, 40],
      ["b", 40, 90],
      ["root", 90, 100],
    ]);
  });

  it("takes the last-finishing of parallel children, and none that was still running when the next one on the path started", () => {
    const trace = spans(
      { id: "root", kind: "Server", start: 0, end: 100 },
      { id: "fast", parent: "root", start: 10, end: 60 },
      { id: "slow", parent: "root", start: 10, end: 80 },
      { id: "inner", parent: "root", start: 20, end: 50 },
    );
    expect(pathOf(trace)).toEqual([
      ["root", 0, 10],
      ["slow", 10, 80],
      ["root", 80, 100],
    ]);
    // Staggered: `early` still runs when `late` starts, so the root's time before `late` is its own.
    expect(pathOf(spans({ id: "root", start: 0, end: 100 }, { id: "early", parent: "root", start: 10, end: 60 }, { id: "late", parent: "root", start: 50, end: 90 }))).toEqual([
      ["root", 0, 50],
      ["late", 50, 90],
      ["root", 90, 100],
    ]);
    // Two children ending together: the one that started first covers more of the wait.
    expect(pathOf(spans({ id: "root", start: 0, end: 100 }, { id: "short", parent: "root", start: 50, end: 90 }, { id: "long", parent: "root", start: 20, end: 90 }))).toEqual([
      ["root", 0, 20],
      ["long", 20, 90],
      ["root", 90, 100],
    ]);
  });

  it("leaves async children that outlive their parent off the parent's path, and counts children that start before the parent from its start", () => {
    const trace = spans(
      { id: "root", kind: "Server", start: 0, end: 100 },
      { id: "sync", parent: "root", start: 10, end: 40 },
      { id: "fire-and-forget", parent: "root", kind: "Producer", start: 50, end: 200 },
      { id: "after", parent: "root", start: 150, end: 160 },
      { id: "early", parent: "sync", start: 5, end: 20 },
    );
    expect(pathOf(trace)).toEqual([
      ["root", 0, 10],
      ["early", 10, 20],
      ["sync", 20, 40],
      ["root", 40, 100],
    ]);
  });

  it("goes down through nested children across services and ends exactly at the root's end", () => {
    const analysis = analyzeTrace(
      spans(
        { id: "root", kind: "Server", start: 0, end: 50 },
        { id: "call", parent: "root", kind: "Client", start: 5, end: 45 },
        { id: "server", parent: "call", service: "checkout", kind: "Server", start: 10, end: 40 },
        { id: "work", parent: "server", service: "checkout", start: 15, end: 35 },
      ),
    )!;
    expect(analysis.criticalPath.map((s) => s.spanId)).toEqual(["root", "call", "server", "work", "server", "call", "root"]);
    expect(analysis.attribution.totalNs).toBe(50 * ms);
    expect(analysis.clockSkewNs.size).toBe(0);
  });

  it("starts from the earliest root when parents are missing, drops duplicate span ids, and answers undefined for no spans", () => {
    const analysis = analyzeTrace(
      spans({ id: "orphan", parent: "never-received", start: 20, end: 300 }, { id: "root", start: 0, end: 100 }, { id: "root", start: 0, end: 999 }, { id: "child", parent: "root", start: 10, end: 90 }),
    )!;
    expect(analysis.rootSpanId).toBe("root");
    expect(analysis.criticalPath.map((s) => [s.spanId, s.startOffsetNs / ms, s.endOffsetNs / ms])).toEqual([
      ["root", 0, 10],
      ["child", 10, 90],
      ["root", 90, 100],
    ]);
    expect(analyzeTrace([])).toBeUndefined();
  });
});

describe("clock skew between services, and attribution", () => {
  // frontend (Go) → checkout (Go, its clock 5 s ahead) → postgres and payments (Rust, a longer server
  // span than the client span that called it).
  const trace = spans(
    { id: "root", name: "GET /checkout", kind: "Server", start: 0, end: 120 },
    { id: "fc", parent: "root", name: "POST checkout", kind: "Client", start: 10, end: 110, peer: "checkout:8081" },
    { id: "cs", parent: "fc", service: "checkout", name: "POST /checkout", kind: "Server", start: 5010, end: 5090 },
    { id: "cdb", parent: "cs", service: "checkout", name: "SELECT orders", kind: "Client", start: 5020, end: 5060, peer: "postgres", peerType: "database" },
    { id: "cp", parent: "cs", service: "checkout", name: "POST charge", kind: "Client", start: 5062, end: 5085, peer: "payments:8082" },
    { id: "ps", parent: "cp", service: "payments", name: "POST /charge", kind: "Server", start: 70, end: 96 },
  );

  it("centres a server span that does not fit in its client span, moves the spans of its clock with it, and aligns a longer server span with the call's start", () => {
    const analysis = analyzeTrace(trace)!;
    expect(Object.fromEntries(analysis.clockSkewNs)).toEqual({ cs: -4990 * ms, cdb: -4990 * ms, cp: -4990 * ms, ps: 2 * ms });
    expect(analysis.traceStartNs).toBe(epochNs);
  });

  it("walks the adjusted trace: the capped payments span, the database call and the gaps of each span", () => {
    expect(pathOf(trace)).toEqual([
      ["root", 0, 10],
      ["fc", 10, 20],
      ["cs", 20, 30],
      ["cdb", 30, 70],
      ["cs", 70, 72],
      ["ps", 72, 95],
      ["cs", 95, 100],
      ["fc", 100, 110],
      ["root", 110, 120],
    ]);
  });

  it("attributes the path to services, the database and the hops, adding up to the root's duration", () => {
    const { attribution } = analyzeTrace(trace)!;
    const inMs = <T extends { criticalPathNs: number }>(rows: T[]) => rows.map((row) => ({ ...row, criticalPathNs: row.criticalPathNs / ms }));
    expect(attribution.totalNs).toBe(120 * ms);
    expect(inMs(attribution.services)).toEqual([
      { node: "postgres", nodeType: "database", criticalPathNs: 40, share: 0.3333 },
      { node: "payments", nodeType: "service", criticalPathNs: 23, share: 0.1917 },
      { node: "frontend", nodeType: "service", criticalPathNs: 20, share: 0.1667 },
      { node: "checkout", nodeType: "service", criticalPathNs: 17, share: 0.1417 },
    ]);
    // checkout → payments spent no time of its own on the path (the payments span covers the call).
    expect(inMs(attribution.hops)).toEqual([{ caller: "frontend", callee: "checkout", criticalPathNs: 20, share: 0.1667 }]);
  });

  it("checks the configured budgets against the longest entry span of the service in the trace", () => {
    const { attribution } = analyzeTrace(trace, [
      { service: "checkout", operation: "POST /checkout", quantile: "p99", thresholdMs: 60 },
      { service: "payments", quantile: "p95", thresholdMs: 30 },
      { service: "checkout", operation: "GET /orders", quantile: "p99", thresholdMs: 10 },
      { service: "inventory", quantile: "p99", thresholdMs: 10 },
    ])!;
    expect(attribution.budgets).toEqual([
      { service: "checkout", operation: "POST /checkout", quantile: "p99", thresholdMs: 60, entrySpanId: "cs", entryMs: 80, criticalPathMs: 17, exceeded: true },
      { service: "payments", operation: null, quantile: "p95", thresholdMs: 30, entrySpanId: "ps", entryMs: 26, criticalPathMs: 23, exceeded: false },
    ]);
  });

  it("gives a call nobody answered with spans to its callee: a queue, an external peer, or the hop to a service of the trace", () => {
    const { attribution } = analyzeTrace(
      spans(
        { id: "root", kind: "Server", start: 0, end: 100 },
        { id: "send", parent: "root", kind: "Producer", start: 0, end: 10, peer: "kafka:orders", peerType: "queue" },
        { id: "stripe", parent: "root", kind: "Client", start: 10, end: 40, peer: "api.stripe.com:443" },
        { id: "call", parent: "root", kind: "Client", start: 40, end: 60, peer: "checkout:8081" },
        { id: "answered", parent: "call", service: "checkout", kind: "Server", start: 42, end: 58 },
        // The same peer name again, refused before checkout saw it: the hop's time.
        { id: "refused", parent: "root", kind: "Client", start: 60, end: 65, peer: "checkout:8081" },
        { id: "lost", parent: "root", kind: "Client", start: 65, end: 70, peer: "inventory.shop.svc:80" },
        { id: "inventory", parent: "lost-parent", service: "inventory", kind: "Server", start: 200, end: 210 },
      ),
    )!;
    const rows = (r: { criticalPathNs: number }[]) => r.map((row) => ({ ...row, criticalPathNs: row.criticalPathNs / ms }));
    expect(rows(attribution.services)).toEqual([
      { node: "api.stripe.com:443", nodeType: "peer", criticalPathNs: 30, share: 0.3 },
      { node: "frontend", nodeType: "service", criticalPathNs: 30, share: 0.3 },
      { node: "checkout", nodeType: "service", criticalPathNs: 16, share: 0.16 },
      { node: "kafka:orders", nodeType: "queue", criticalPathNs: 10, share: 0.1 },
    ]);
    expect(rows(attribution.hops)).toEqual([
      { caller: "frontend", callee: "checkout", criticalPathNs: 9, share: 0.09 },
      { caller: "frontend", callee: "inventory", criticalPathNs: 5, share: 0.05 },
    ]);
  });

  it("leaves a consumer on another clock where it is: a message may be handled long after it was sent", () => {
    const analysis = analyzeTrace(
      spans(
        { id: "root", kind: "Server", start: 0, end: 100 },
        { id: "send", parent: "root", kind: "Producer", start: 10, end: 20 },
        { id: "handle", parent: "send", service: "worker", kind: "Consumer", start: 500, end: 600 },
      ),
    )!;
    expect(analysis.clockSkewNs.size).toBe(0);
    expect(analysis.criticalPath.map((s) => s.spanId)).toEqual(["root", "send", "root"]);
  });
});

describe("invariants on random traces", () => {
  const randomTrace = fc
    .array(fc.record({ parent: fc.nat(), start: fc.integer({ min: -50, max: 400 }), length: fc.integer({ min: 0, max: 300 }), kind: fc.constantFrom("Server", "Client", "Internal", "Producer"), service: fc.constantFrom("a", "b", "c") }), {
      minLength: 1,
      maxLength: 40,
    })
    .map((rows) =>
      spans(
        { id: "s0", kind: "Server", start: 0, end: 500, service: "a" },
        ...rows.map((row, i) => ({ id: `s${i + 1}`, parent: `s${row.parent % (i + 1)}`, kind: row.kind, service: row.service, start: row.start, end: row.start + row.length })),
      ),
    );

  it("covers the root span exactly, in order, without overlaps, and attributes every nanosecond once", () => {
    fc.assert(
      fc.property(randomTrace, (trace) => {
        const analysis = analyzeTrace(trace)!;
        const root = trace[0]!;
        let cursor = analysis.criticalPath[0]!.startOffsetNs;
        for (const section of analysis.criticalPath) {
          expect(section.startOffsetNs).toBe(cursor);
          expect(section.endOffsetNs).toBeGreaterThan(section.startOffsetNs);
          cursor = section.endOffsetNs;
        }
        expect(cursor - analysis.criticalPath[0]!.startOffsetNs).toBe(Number(root.durationNs));
        const { totalNs, services, hops } = analysis.attribution;
        expect(totalNs).toBe(Number(root.durationNs));
        expect([...services, ...hops].reduce((sum, row) => sum + row.criticalPathNs, 0)).toBe(totalNs);
      }),
      { numRuns: 300 },
    );
  });
});
