import { describe, expect, it } from "vitest";
import { attributeOrigin, attributeOrigins, refinedCode, type AttributionContext, type RawOrigin } from "./boundary.js";
import { anomaly, shopGraph } from "./fixtures.test-support.js";
import { resolvePeer } from "./nodes.js";
import { rankRootCauses } from "./rank.js";

const t0 = 1_700_000_000;
const services = new Set(["frontend", "checkout", "payments", "inventory"]);
const context = (fields: Partial<AttributionContext> = {}): AttributionContext => ({ services, aliases: new Map(), slowed: new Set(), ...fields });

/** One group of error spans none of whose children erred. */
const origin = (fields: Partial<RawOrigin> & { service: string; errorCode: string }): RawOrigin => ({
  isCall: false, peer: "", peerType: "peer", answeredBy: "", count: 100, traces: [], ...fields,
});
const call = (service: string, peer: string, errorCode: string, fields: Partial<RawOrigin> = {}) => origin({ service, isCall: true, peer, errorCode, ...fields });

describe("the boundary rule: whose is an error recorded on a call span", () => {
  it("blames the callee when its callers' calls fail and it has no server span for them", () => {
    for (const code of ["UNAUTHENTICATED.TLS_CERT_EXPIRED", "UNAVAILABLE.UPSTREAM", "UNAVAILABLE.CONNECTION_REFUSED", "UNAVAILABLE.CONNECTION_RESET", "UNAVAILABLE.DNS"]) {
      expect(attributeOrigin(call("checkout", "payments", code), context())).toMatchObject({ node: "payments", nodeType: "service", via: "checkout", boundary: "unanswered", errorCode: code });
    }
  });

  it("blames the edge (shown as the callee) when the callee's server span succeeded but the call failed with a transport error", () => {
    expect(attributeOrigin(call("checkout", "payments", "UNAVAILABLE.CONNECTION_RESET", { answeredBy: "payments" }), context())).toMatchObject({
      node: "payments", boundary: "answered_transport", via: "checkout",
    });
  });

  it("keeps the caller first when the error is its own: exhausted pool, its own cancel, a panic while calling", () => {
    for (const code of ["RESOURCE_EXHAUSTED.POOL_TIMEOUT", "CANCELLED.CLIENT", "INTERNAL.PANIC"]) {
      expect(attributeOrigin(call("payments", "postgres", code, { peerType: "database" }), context())).toMatchObject({ node: "payments", boundary: "caller", callee: "postgres" });
      expect(attributeOrigin(call("checkout", "payments", code), context())).toMatchObject({ node: "checkout", boundary: "caller" });
    }
  });

  it("refines a call span's code by what its caller reported: a cancel reported as a deadline, a more precise code of the same family", () => {
    // Go: otelhttp's client span says "net/http: request canceled", http.Client returned "… (Client.Timeout exceeded …)".
    expect(refinedCode("CANCELLED.CLIENT", "DEADLINE_EXCEEDED.HTTP_CLIENT_TIMEOUT")).toBe("DEADLINE_EXCEEDED.HTTP_CLIENT_TIMEOUT");
    // Rust: the future dropped by tokio::time::timeout, its caller's "deadline has elapsed".
    expect(refinedCode("CANCELLED", "DEADLINE_EXCEEDED.CLIENT_TIMEOUT")).toBe("DEADLINE_EXCEEDED.CLIENT_TIMEOUT");
    expect(refinedCode("DEADLINE_EXCEEDED.CLIENT_TIMEOUT", "DEADLINE_EXCEEDED.HTTP_CLIENT_TIMEOUT")).toBe("DEADLINE_EXCEEDED.HTTP_CLIENT_TIMEOUT");
    // Never to a less precise code, never across families, never from nothing.
    expect(refinedCode("DEADLINE_EXCEEDED.HTTP_CLIENT_TIMEOUT", "DEADLINE_EXCEEDED.CLIENT_TIMEOUT")).toBe("DEADLINE_EXCEEDED.HTTP_CLIENT_TIMEOUT");
    expect(refinedCode("UNAVAILABLE.CONNECTION_REFUSED", "INTERNAL.HANDLER_ERROR")).toBe("UNAVAILABLE.CONNECTION_REFUSED");
    expect(refinedCode("DEADLINE_EXCEEDED.CLIENT_TIMEOUT", "CANCELLED.CLIENT")).toBe("DEADLINE_EXCEEDED.CLIENT_TIMEOUT");
    expect(refinedCode("CANCELLED.CLIENT", "")).toBe("CANCELLED.CLIENT");
    // Attributed with the refined code: the slow callee's, shown with the caller's precise timeout.
    const cancelled = call("checkout", "payments", "CANCELLED.CLIENT", { answeredBy: "payments", reportedAs: "DEADLINE_EXCEEDED.HTTP_CLIENT_TIMEOUT" });
    expect(attributeOrigin(cancelled, context({ slowed: new Set(["payments"]) }))).toMatchObject({ node: "payments", boundary: "answered_slow", errorCode: "DEADLINE_EXCEEDED.HTTP_CLIENT_TIMEOUT" });
    // A server span's code is its own: nothing above it refines it.
    expect(attributeOrigin(origin({ service: "payments", errorCode: "CANCELLED.CLIENT", reportedAs: "DEADLINE_EXCEEDED.CLIENT_TIMEOUT" }), context())).toMatchObject({ node: "payments", errorCode: "CANCELLED.CLIENT" });
  });

  it("gives a timeout to the callee when it answered slower than usual, and to the caller's own deadline when it did not", () => {
    const timedOut = call("checkout", "payments", "DEADLINE_EXCEEDED.HTTP_CLIENT_TIMEOUT", { answeredBy: "payments" });
    expect(attributeOrigin(timedOut, context({ slowed: new Set(["payments"]) }))).toMatchObject({ node: "payments", boundary: "answered_slow" });
    expect(attributeOrigin(timedOut, context())).toMatchObject({ node: "checkout", boundary: "caller_deadline", callee: "payments" });
    // No span answered at all (a callee that accepts and never replies): the callee's.
    expect(attributeOrigin(call("checkout", "payments", "DEADLINE_EXCEEDED.HTTP_CLIENT_TIMEOUT"), context())).toMatchObject({ node: "payments", boundary: "unanswered" });
  });

  it("judges a cancel on an answered call like a timeout (Go's client span says 'request canceled' when the caller's own client timeout fires)", () => {
    const cancelled = call("checkout", "payments", "CANCELLED.CLIENT", { answeredBy: "payments" });
    expect(attributeOrigin(cancelled, context({ slowed: new Set(["payments"]) }))).toMatchObject({ node: "payments", boundary: "answered_slow" });
    expect(attributeOrigin(cancelled, context())).toMatchObject({ node: "checkout", boundary: "caller_deadline" });
  });

  it("keeps other errors on an answered call with the caller (it could not use a good reply)", () => {
    expect(attributeOrigin(call("checkout", "payments", "INVALID_ARGUMENT.DESERIALIZE", { answeredBy: "payments" }), context())).toMatchObject({ node: "checkout", boundary: "caller" });
  });

  it("makes a callee that never answers with spans a node of its own (a database, an external API)", () => {
    expect(attributeOrigin(call("payments", "postgres", "UNAVAILABLE.CONNECTION_REFUSED", { peerType: "database" }), context())).toMatchObject({ node: "postgres", nodeType: "database", boundary: "peer" });
    expect(attributeOrigin(call("checkout", "api.stripe.com:443", "UNAVAILABLE.UPSTREAM"), context())).toMatchObject({ node: "api.stripe.com:443", nodeType: "peer", boundary: "peer" });
  });

  it("leaves errors on a service's own spans, and on client spans a client-only service records about itself (HotROD's mysql), with it", () => {
    expect(attributeOrigin(origin({ service: "payments", errorCode: "INTERNAL.PANIC" }), context())).toMatchObject({ node: "payments", boundary: "own" });
    expect(attributeOrigin(call("redis", "redis", "DEADLINE_EXCEEDED"), context())).toMatchObject({ node: "redis", nodeType: "service", boundary: "own" });
  });

  it("names a callee by the service that answered calls to the same address, or by its DNS name's first label", () => {
    const aliases = new Map([["10.0.0.7:8082", "payments"]]);
    expect(attributeOrigin(call("checkout", "10.0.0.7:8082", "UNAUTHENTICATED.TLS_CERT_EXPIRED"), context({ aliases }))).toMatchObject({ node: "payments", boundary: "unanswered" });
    expect(resolvePeer("payments.shop.svc.cluster.local:8443", { services, aliases })).toBe("payments");
    expect(resolvePeer("10.0.0.9:8082", { services, aliases })).toBe("10.0.0.9:8082");
    expect(resolvePeer("", { services, aliases })).toBe("");
  });

  it("merges origins that land on the same node, code, caller and boundary", () => {
    const merged = attributeOrigins(
      [
        call("checkout", "payments", "UNAUTHENTICATED.TLS_CERT_EXPIRED", { count: 60, traces: [1, 2, 3], examples: ["a"] }),
        call("checkout", "10.0.0.7:8082", "UNAUTHENTICATED.TLS_CERT_EXPIRED", { count: 40, traces: [3, 4], examples: ["b"] }),
      ],
      context({ aliases: new Map([["10.0.0.7:8082", "payments"]]) }),
    );
    expect(merged).toEqual([
      { node: "payments", nodeType: "service", errorCode: "UNAUTHENTICATED.TLS_CERT_EXPIRED", via: "checkout", count: 100, boundary: "unanswered", traces: [1, 2, 3, 4], examples: ["a", "b"] },
    ]);
  });
});

describe("ranking with the boundary rule", () => {
  it("ranks payments first when checkout's calls to it fail before reaching it, and says so", () => {
    const origins = attributeOrigins([call("checkout", "payments", "UNAUTHENTICATED.TLS_CERT_EXPIRED", { count: 200 })], context());
    const ranked = rankRootCauses({
      // payments has no anomaly at all: it never saw the failing calls.
      anomalies: [anomaly("checkout", "error_rate", t0), anomaly("frontend", "error_rate", t0 + 10)],
      origins,
      errorTraceCounts: new Map([["checkout", 200], ["frontend", 200], ["payments", 200]]),
      totalErrorTraces: 200,
      selfTimes: [],
      graph: shopGraph,
    });
    expect(ranked.map((c) => c.node)).toEqual(["payments", "checkout", "frontend"]);
    expect(ranked[0]).toMatchObject({ nodeType: "service", errorCode: "UNAUTHENTICATED.TLS_CERT_EXPIRED", boundary: "unanswered", callers: ["checkout"] });
    expect(ranked[0]!.reason).toBe(
      "Calls from checkout to payments fail before reaching payments (no server span): UNAUTHENTICATED.TLS_CERT_EXPIRED (200 spans, 100% of the errors that start anywhere); every error trace passes through it",
    );
  });

  it("keeps payments first for its exhausted pool although postgres is what the failing call spans name", () => {
    const origins = attributeOrigins([call("payments", "postgres", "RESOURCE_EXHAUSTED.POOL_TIMEOUT", { peerType: "database", count: 150 })], context());
    const ranked = rankRootCauses({
      anomalies: [anomaly("postgres", "error_rate", t0), anomaly("payments", "error_rate", t0), anomaly("checkout", "error_rate", t0 + 10)],
      origins,
      errorTraceCounts: new Map([["payments", 150], ["checkout", 150]]),
      totalErrorTraces: 150,
      selfTimes: [],
      graph: shopGraph,
    });
    expect(ranked[0]).toMatchObject({ node: "payments", boundary: "caller", errorCode: "RESOURCE_EXHAUSTED.POOL_TIMEOUT" });
    expect(ranked[0]!.reason).toContain("its own errors are RESOURCE_EXHAUSTED.POOL_TIMEOUT, recorded on its calls to postgres");
  });

  it("says when a caller's own deadline is too short for a callee that answers as usual", () => {
    const origins = attributeOrigins([call("checkout", "payments", "DEADLINE_EXCEEDED.HTTP_CLIENT_TIMEOUT", { answeredBy: "payments" })], context());
    const [top] = rankRootCauses({ anomalies: [anomaly("checkout", "error_rate", t0)], origins, errorTraceCounts: new Map([["checkout", 100]]), totalErrorTraces: 100, selfTimes: [], graph: shopGraph });
    expect(top).toMatchObject({ node: "checkout", boundary: "caller_deadline" });
    expect(top!.reason).toContain("its calls to payments time out (DEADLINE_EXCEEDED.HTTP_CLIENT_TIMEOUT) though payments answers in its usual time: its own deadline");
  });
});
