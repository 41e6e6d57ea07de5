// Where an error that starts on a call span belongs: the caller that recorded it, or the callee
// (the edge to it) it was calling. "The deepest failing span whose children succeeded" finds the
// span; at a service boundary that span is the caller's client span even when the fault is the
// callee's — its certificate expired, the proxy in front of it answers 503, nothing listens on its
// port — because the request never reached it and it has no span to fail. So:
//   - errors that are the caller's own doing stay with the caller (its pool is exhausted, its own
//     context was cancelled, it panicked while calling);
//   - a call that no span of the callee answers belongs to the callee: an instrumented service that
//     has no server span for it never got the request ("unanswered"); a callee that never emits
//     spans at all (a database, a cache, an external API) is a node of its own ("peer");
//   - a call the callee answered successfully but that failed anyway failed on the way there or
//     back: transport errors (TLS, refused, reset, DNS, a 5xx from a proxy) belong to the edge,
//     shown as the callee; a timeout belongs to the callee if it got slower than usual, and to the
//     caller's own deadline if it did not;
//   - anything else on a call span (a reply the caller could not decode) stays with the caller.
// Pure: raw origins and what is known of the window in, attributed origins out.
import { bundledGlossary } from "../schemas/glossary/bundled.js";
import { resolvePeer, type PeerResolution } from "./nodes.js";
import type { BoundaryKind, NodeType } from "./types.js";

/** An error span none of whose children erred, as read from the store, grouped. */
export interface RawOrigin {
  /** The service whose span recorded the error. */
  service: string;
  /** True for client and producer spans. */
  isCall: boolean;
  /** The callee the call span names (peer.service, server.address, db.system, …), '' if none. */
  peer: string;
  /** What the span's attributes say the callee is. */
  peerType: NodeType;
  /** The service whose own span answered this call (a child in another service), '' if none. */
  answeredBy: string;
  errorCode: string;
  /** For a call span: the code of the erring span of the same service it returned to ('' if none). */
  reportedAs?: string;
  count: number;
  /** Hashes of the traces these spans belong to (for separating independent causes). */
  traces: readonly number[];
  /** A few of their trace ids (exemplars). */
  examples?: readonly string[];
}

/** An error origin after attribution: the node it starts at and why. */
export interface OriginCount {
  node: string;
  nodeType: NodeType;
  errorCode: string;
  /** The service whose span recorded it (the caller, for a call span). */
  via: string;
  count: number;
  /** Defaults to "peer" for non-service nodes and "own" otherwise. */
  boundary?: BoundaryKind;
  /** For errors kept with the caller although recorded on a call: what it was calling. */
  callee?: string;
  traces?: readonly number[];
  examples?: readonly string[];
}

/**
 * Errors a call span records that happen inside the caller before (or instead of) reaching the
 * callee: for "where did this start", they are the caller's.
 */
export const callerSideErrorCodes: readonly string[] = [
  "RESOURCE_EXHAUSTED.POOL_TIMEOUT",
  "RESOURCE_EXHAUSTED.TOO_MANY_OPEN_FILES",
  "RESOURCE_EXHAUSTED.OUT_OF_MEMORY",
  "CANCELLED.CLIENT",
  "CANCELLED",
  "INTERNAL.PANIC",
  "INTERNAL.STACK_OVERFLOW",
  "INTERNAL.FATAL_ERROR",
];

const callerSide = new Set(callerSideErrorCodes);

const canonical = (code: string) => code.split(".")[0] ?? "";

/** Timeouts: whose they are depends on whether the callee got slower. */
export function isDeadlineCode(code: string): boolean {
  return canonical(code) === "DEADLINE_EXCEEDED";
}

/** Failures of the connection or of something in between, not of the caller's request. */
export function isTransportCode(code: string): boolean {
  return canonical(code) === "UNAVAILABLE" || code.startsWith("UNAUTHENTICATED.TLS_") || code === "FAILED_PRECONDITION.TLS_HANDSHAKE" || isDeadlineCode(code);
}

export interface AttributionContext extends PeerResolution {
  /** Nodes that answered slower than usual in the window (latency anomalies, grown self time). */
  slowed: ReadonlySet<string>;
}

/**
 * A cancel on a call the callee did answer: Go's otelhttp client span records the transport's
 * "net/http: request canceled" when the caller's own http.Client.Timeout fires, so a cancel there
 * is judged like a timeout — the callee's if it got slower, the caller's if it did not.
 */
const isCancelCode = (code: string) => canonical(code) === "CANCELLED";

const priorities = new Map(bundledGlossary().entries.map((entry) => [entry.code, entry.priority]));

/**
 * The code of a call span's error, refined by what the code that made the call reported: a client
 * library's instrumentation sees the transport's error, the caller sees the library's, which is
 * often more precise about the same failure. Go's otelhttp client span records "net/http: request
 * canceled" or "context deadline exceeded" where http.Client returns "… (Client.Timeout exceeded
 * while awaiting headers)"; a Rust future dropped by tokio::time::timeout records a cancel where
 * its caller reports "deadline has elapsed". So: a cancel its caller reports as a deadline is that
 * deadline, and a code of the same family the glossary ranks higher replaces the span's.
 */
export function refinedCode(code: string, reportedAs: string | undefined): string {
  if (!reportedAs || reportedAs === code) return code;
  if (isCancelCode(code) && isDeadlineCode(reportedAs)) return reportedAs;
  const sameFamily = canonical(code) === canonical(reportedAs);
  return sameFamily && (priorities.get(reportedAs) ?? 0) > (priorities.get(code) ?? 0) ? reportedAs : code;
}

export function attributeOrigin(raw: RawOrigin, context: AttributionContext): OriginCount {
  const origin = raw.isCall ? { ...raw, errorCode: refinedCode(raw.errorCode, raw.reportedAs) } : raw;
  const callee = origin.answeredBy || resolvePeer(origin.peer, context);
  const own = (boundary: BoundaryKind): OriginCount => ({
    node: origin.service, nodeType: "service", errorCode: origin.errorCode, via: origin.service, count: origin.count, boundary, traces: origin.traces, examples: origin.examples,
    ...(boundary === "own" ? {} : { callee }),
  });
  const blame = (boundary: BoundaryKind, nodeType: NodeType): OriginCount => ({
    node: callee, nodeType, errorCode: origin.errorCode, via: origin.service, count: origin.count, boundary, traces: origin.traces, examples: origin.examples,
  });
  if (!origin.isCall || callee === "" || callee === origin.service) return own("own");
  if (origin.answeredBy && isCancelCode(origin.errorCode)) return context.slowed.has(callee) ? blame("answered_slow", "service") : own("caller_deadline");
  if (callerSide.has(origin.errorCode)) return own("caller");
  if (!origin.answeredBy) return context.services.has(callee) ? blame("unanswered", "service") : blame("peer", origin.peerType);
  if (isDeadlineCode(origin.errorCode)) return context.slowed.has(callee) ? blame("answered_slow", "service") : own("caller_deadline");
  if (isTransportCode(origin.errorCode)) return blame("answered_transport", "service");
  return own("caller");
}

/** Attributes every raw origin and merges those that land on the same node, code, caller and boundary. */
export function attributeOrigins(origins: readonly RawOrigin[], context: AttributionContext): OriginCount[] {
  const merged = new Map<string, OriginCount & { traceSet: Set<number>; exampleSet: Set<string> }>();
  for (const origin of origins) {
    const attributed = attributeOrigin(origin, context);
    const key = [attributed.node, attributed.nodeType, attributed.errorCode, attributed.via, attributed.boundary, attributed.callee ?? ""].join("\u0000");
    const existing = merged.get(key);
    if (existing) {
      existing.count += attributed.count;
      for (const t of origin.traces) existing.traceSet.add(t);
      for (const e of origin.examples ?? []) existing.exampleSet.add(e);
    } else merged.set(key, { ...attributed, traceSet: new Set(origin.traces), exampleSet: new Set(origin.examples ?? []) });
  }
  return [...merged.values()]
    .map(({ traceSet, exampleSet, ...rest }) => ({ ...rest, traces: [...traceSet], examples: [...exampleSet].sort().slice(0, 5) }))
    .sort((a, b) => b.count - a.count || a.node.localeCompare(b.node) || a.errorCode.localeCompare(b.errorCode));
}
