// The critical path of a trace and where its latency went, per service and per hop, against the
// configured latency budgets. Pure: spans in, analysis out (the trace route, the web page and
// `braid trace` all show this one result). The exact rules, with the reasons, are in
// docs/trace-analysis.md; in short:
//
// 1. Clock skew. Only a client span and its server child, recorded on different clocks (another
//    service or host), have a known relation in time: the server's work happens inside the
//    client's call. When the server span does not fit inside its (already adjusted) client span,
//    the server's clock is shifted so that it sits in the middle of the call (network time split
//    evenly between request and response), or starts with the call when it is the longer of the
//    two; every span below it on the same clock moves with it (Jaeger's clock-skew adjuster).
// 2. Critical path. Walking back from the end of the root span: the last child to finish before
//    the current point in time is what the span was waiting for; the path goes through that child
//    (recursively), continues in the parent from the child's start, and the parent's own time in
//    between is its own (Jaeger's critical-path algorithm, CRISP's definition). A child that
//    finishes after its parent (async work the parent did not wait for) is never on the parent's
//    path; a child that starts before its parent is counted from the parent's start.
// 3. Attribution. Each section of the path belongs to a service (its span's own work), to a hop
//    caller → callee (the time a call span waited beyond the callee's own span: network, queues,
//    serialization), or to a callee that sends no spans (a database, a queue, another peer: the
//    call's whole time), named as the correlator names nodes. The parts add up to the root
//    span's duration exactly.
import { resolvePeer } from "../correlator/index.js";

/** What the analysis needs of a span (the trace route maps stored rows to this). */
export interface AnalysisSpan {
  spanId: string;
  parentSpanId: string;
  serviceName: string;
  spanName: string;
  /** The SpanKind column: Server, Client, Internal, Producer, Consumer, Unspecified. */
  spanKind: string;
  startNs: bigint;
  durationNs: bigint;
  /** For a client or producer span: the callee it names (peer.service, server.address, db.system, …) and its kind, as the correlator's node SQL derives them. */
  peer: string;
  peerType: "database" | "queue" | "peer";
  /** Identifies the clock that recorded the span: spans of one clock key are never skewed against each other. */
  clockKey: string;
}

export interface BudgetRule {
  service: string;
  operation?: string;
  quantile: "p50" | "p95" | "p99";
  thresholdMs: number;
}

export interface CriticalSection {
  spanId: string;
  /** Nanoseconds from the trace's start (after clock-skew adjustment). */
  startOffsetNs: number;
  endOffsetNs: number;
}

export interface ServiceShare {
  node: string;
  nodeType: "service" | "database" | "queue" | "peer";
  criticalPathNs: number;
  /** criticalPathNs / totalNs, 0..1. */
  share: number;
}

export interface HopShare {
  caller: string;
  callee: string;
  criticalPathNs: number;
  share: number;
}

export interface BudgetCheck {
  service: string;
  operation: string | null;
  quantile: BudgetRule["quantile"];
  thresholdMs: number;
  /** The longest entry span of the service (and operation) in this trace: one sample of what the budget measures. */
  entrySpanId: string;
  entryMs: number;
  /** The service's own time on this trace's critical path. */
  criticalPathMs: number;
  exceeded: boolean;
}

export interface TraceAnalysis {
  rootSpanId: string;
  /** Start of the earliest span after adjustment, nanoseconds since the epoch. */
  traceStartNs: bigint;
  /** Adjustment added to each span's start (ns); 0 for spans on the root's clock and for spans that fit. */
  clockSkewNs: Map<string, number>;
  /** Time order. Covers the root span's duration without gaps or overlaps. */
  criticalPath: CriticalSection[];
  /** Each span's time on the critical path (ns); spans off the path are absent. */
  criticalNsBySpan: Map<string, number>;
  attribution: { totalNs: number; services: ServiceShare[]; hops: HopShare[]; budgets: BudgetCheck[] };
}

interface Node {
  span: AnalysisSpan;
  index: number;
  /** Adjusted start and end, ns from the earliest raw start (numbers: a trace spans far less than 2^53 ns). */
  start: number;
  end: number;
  children: Node[];
  parent?: Node;
}

const isEntry = (node: Node) => node.span.spanKind === "Server" || node.span.spanKind === "Consumer" || !node.parent;
const isCall = (span: AnalysisSpan) => span.spanKind === "Client" || span.spanKind === "Producer";
/** The child of a call span that is the callee's own span (another service answered with spans). */
const answer = (node: Node) => node.children.find((child) => child.span.serviceName !== node.span.serviceName);

/** The tree of spans; duplicates of a span id are dropped, a span whose parent is missing (or itself) is a root. */
function buildTree(spans: readonly AnalysisSpan[]): { roots: Node[]; nodes: Node[]; originNs: bigint } {
  const byId = new Map<string, Node>();
  const originNs = spans.reduce((min, span) => (span.startNs < min ? span.startNs : min), spans[0]?.startNs ?? 0n);
  for (const [index, span] of spans.entries()) {
    if (byId.has(span.spanId)) continue;
    const start = Number(span.startNs - originNs);
    byId.set(span.spanId, { span, index, start, end: start + Number(span.durationNs), children: [] });
  }
  const nodes = [...byId.values()];
  const roots: Node[] = [];
  for (const node of nodes) {
    const parent = node.span.parentSpanId !== node.span.spanId ? byId.get(node.span.parentSpanId) : undefined;
    if (parent) {
      node.parent = parent;
      parent.children.push(node);
    } else {
      roots.push(node);
    }
  }
  return { roots, nodes, originNs };
}

/** Step 1: shift the spans of skewed clocks, top-down, so every server span fits inside its client span. */
function adjustClockSkew(roots: readonly Node[]): Map<string, number> {
  const skew = new Map<string, number>();
  const stack: { node: Node; offset: number }[] = roots.map((node) => ({ node, offset: 0 }));
  while (stack.length > 0) {
    const { node, offset } = stack.pop()!;
    let own = offset;
    const parent = node.parent;
    if (parent && parent.span.clockKey !== node.span.clockKey) {
      // Another clock: no evidence of skew unless this is the server side of a client's call.
      own = 0;
      if (parent.span.spanKind === "Client" && node.span.spanKind === "Server") {
        const duration = node.end - node.start;
        const fits = node.start >= parent.start && node.end <= parent.end;
        if (!fits) own = duration <= parent.end - parent.start ? parent.start + Math.floor((parent.end - parent.start - duration) / 2) - node.start : parent.start - node.start;
      }
    }
    if (own !== 0) {
      node.start += own;
      node.end += own;
      skew.set(node.span.spanId, own);
    }
    for (const child of node.children) stack.push({ node: child, offset: own });
  }
  return skew;
}

/** The span the trace's critical path starts from: the earliest root, the longest of equals. */
function primaryRoot(roots: readonly Node[]): Node | undefined {
  return [...roots].sort((a, b) => a.start - b.start || b.end - a.end || a.span.spanId.localeCompare(b.span.spanId))[0];
}

/** End of a child as its parent waits for it: a server's end is capped at its client's (a longer server span is skew the shift could not remove). */
function endSeenByParent(child: Node, parent: Node): number {
  const synchronous = parent.span.spanKind === "Client" && child.span.spanKind === "Server" && parent.span.clockKey !== child.span.clockKey;
  return synchronous ? Math.min(child.end, parent.end) : child.end;
}

/** Step 2: the critical path below `root`, walking back from its end (iteratively: traces can be deep). */
function criticalPathOf(root: Node): CriticalSection[] {
  const sections: { node: Node; from: number; to: number }[] = [];
  interface Frame {
    node: Node;
    /** The span's start as its parent sees it (clamped to the parent's start). */
    floor: number;
    /** The point in time the walk has come back to inside this span. */
    cursor: number;
    /** Children that finish within the span, last-finishing first. */
    waitedFor: { child: Node; end: number }[];
    next: number;
  }
  const frame = (node: Node, floor: number, end: number): Frame => ({
    node,
    floor,
    cursor: end,
    waitedFor: node.children
      .map((child) => ({ child, end: endSeenByParent(child, node) }))
      .filter(({ end: childEnd }) => childEnd <= end && childEnd > floor)
      .sort((a, b) => b.end - a.end || a.child.start - b.child.start || a.child.index - b.child.index),
    next: 0,
  });
  const stack: Frame[] = [frame(root, root.start, root.end)];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    let descended = false;
    while (top.next < top.waitedFor.length && top.cursor > top.floor) {
      const { child, end } = top.waitedFor[top.next++]!;
      // A child still running at the cursor was not what the span waited for at that point.
      if (end > top.cursor) continue;
      if (top.cursor > end) sections.push({ node: top.node, from: end, to: top.cursor });
      const childFloor = Math.max(child.start, top.floor);
      top.cursor = childFloor;
      stack.push(frame(child, childFloor, end));
      descended = true;
      break;
    }
    if (descended) continue;
    if (top.cursor > top.floor) sections.push({ node: top.node, from: top.floor, to: top.cursor });
    stack.pop();
  }
  return sections.reverse().map(({ node, from, to }) => ({ spanId: node.span.spanId, startOffsetNs: from, endOffsetNs: to }));
}

/** Step 3: each section's time to a service, a database or a hop. */
function attribute(path: readonly CriticalSection[], byId: ReadonlyMap<string, Node>, budgets: readonly BudgetRule[], nodes: readonly Node[]): TraceAnalysis["attribution"] {
  const totalNs = path.reduce((sum, section) => sum + section.endOffsetNs - section.startOffsetNs, 0);
  const services = new Map<string, ServiceShare>();
  const hops = new Map<string, HopShare>();
  const share = (ns: number) => (totalNs > 0 ? Math.round((ns / totalNs) * 1e4) / 1e4 : 0);
  // Peer names resolve to the services that answered calls to them in this trace (or share their name).
  const aliases = new Map<string, string>();
  for (const node of nodes) {
    const answeredBy = isCall(node.span) && node.span.peer ? answer(node) : undefined;
    if (answeredBy) aliases.set(node.span.peer, answeredBy.span.serviceName);
  }
  const resolution = { aliases, services: new Set(nodes.map((node) => node.span.serviceName)) };
  const addHop = (caller: string, callee: string, ns: number) => {
    const key = `${caller}\u0000${callee}`;
    const hop = hops.get(key) ?? { caller, callee, criticalPathNs: 0, share: 0 };
    hop.criticalPathNs += ns;
    hops.set(key, hop);
  };
  for (const section of path) {
    const node = byId.get(section.spanId)!;
    const span = node.span;
    const ns = section.endOffsetNs - section.startOffsetNs;
    if (!isCall(span)) {
      addService(services, span.serviceName, "service", ns);
      continue;
    }
    const answeredBy = answer(node);
    if (answeredBy) {
      addHop(span.serviceName, answeredBy.span.serviceName, ns);
      continue;
    }
    // No span answered: the callee's whole time, unless it is a service of this trace (a call that never reached it).
    const callee = resolvePeer(span.peer, resolution);
    if (callee && resolution.services.has(callee)) addHop(span.serviceName, callee, ns);
    else addService(services, callee || "unnamed peer", span.peerType, ns);
  }
  const sortedServices = [...services.values()].map((s) => ({ ...s, share: share(s.criticalPathNs) })).sort((a, b) => b.criticalPathNs - a.criticalPathNs || a.node.localeCompare(b.node));
  const sortedHops = [...hops.values()].map((h) => ({ ...h, share: share(h.criticalPathNs) })).sort((a, b) => b.criticalPathNs - a.criticalPathNs || a.caller.localeCompare(b.caller) || a.callee.localeCompare(b.callee));

  const checks: BudgetCheck[] = [];
  for (const budget of budgets) {
    const entries = nodes.filter((node) => node.span.serviceName === budget.service && isEntry(node) && (budget.operation === undefined || node.span.spanName === budget.operation));
    const longest = entries.sort((a, b) => b.end - b.start - (a.end - a.start) || a.index - b.index)[0];
    if (!longest) continue;
    const entryMs = nsToMs(longest.end - longest.start);
    checks.push({
      service: budget.service,
      operation: budget.operation ?? null,
      quantile: budget.quantile,
      thresholdMs: budget.thresholdMs,
      entrySpanId: longest.span.spanId,
      entryMs,
      criticalPathMs: nsToMs(services.get(`service\u0000${budget.service}`)?.criticalPathNs ?? 0),
      exceeded: entryMs > budget.thresholdMs,
    });
  }
  return { totalNs, services: sortedServices, hops: sortedHops, budgets: checks };
}

function addService(services: Map<string, ServiceShare>, node: string, nodeType: ServiceShare["nodeType"], ns: number): void {
  const key = `${nodeType}\u0000${node}`;
  const entry = services.get(key) ?? { node, nodeType, criticalPathNs: 0, share: 0 };
  entry.criticalPathNs += ns;
  services.set(key, entry);
}

const nsToMs = (ns: number) => Math.round(ns / 1e3) / 1e3;

/** Clock-skew adjustment, critical path and latency attribution of one trace; undefined for no spans. */
export function analyzeTrace(spans: readonly AnalysisSpan[], budgets: readonly BudgetRule[] = []): TraceAnalysis | undefined {
  const { roots, nodes, originNs } = buildTree(spans);
  const root = primaryRoot(roots);
  if (!root) return undefined;
  const clockSkewNs = adjustClockSkew(roots);
  const earliest = nodes.reduce((min, node) => Math.min(min, node.start), Infinity);
  const byId = new Map(nodes.map((node) => [node.span.spanId, node]));
  const path = criticalPathOf(root).map((section) => ({ ...section, startOffsetNs: section.startOffsetNs - earliest, endOffsetNs: section.endOffsetNs - earliest }));
  const criticalNsBySpan = new Map<string, number>();
  for (const section of path) criticalNsBySpan.set(section.spanId, (criticalNsBySpan.get(section.spanId) ?? 0) + section.endOffsetNs - section.startOffsetNs);
  return {
    rootSpanId: root.span.spanId,
    traceStartNs: originNs + BigInt(earliest),
    clockSkewNs,
    criticalPath: path,
    criticalNsBySpan,
    attribution: attribute(path, byId, budgets, nodes),
  };
}
