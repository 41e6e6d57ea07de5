import { describe, expect, it } from "vitest";
import { defaultGlossary, explainMatch, nearestEntries } from "./index.js";

describe("explainMatch", () => {
  it("names the rule that decided: the pattern as written and its language list", () => {
    expect(explainMatch({ message: "dial tcp 10.0.0.7:5432: connect: connection refused", language: "go" })).toMatchObject({
      code: "UNAVAILABLE.CONNECTION_REFUSED",
      matchedBy: "message",
      rule: { matchedBy: "message", pattern: "connect: connection refused", language: "go" },
    });
    expect(explainMatch({ message: "", httpStatus: 503, spanKind: "Client" }).rule).toEqual({ matchedBy: "http_status", pattern: "HTTP 503 (Client spans)", language: "any" });
    expect(explainMatch({ message: "whatever", declaredCode: "INTERNAL.PANIC" }).rule).toEqual({ matchedBy: "declared_code", pattern: "braid.error.code=INTERNAL.PANIC", language: "any" });
    expect(explainMatch({ message: "ledger says no" })).not.toHaveProperty("rule");
  });

  it("decides exactly as matchError does", () => {
    const { rule, ...match } = explainMatch({ message: "Connection refused (os error 111)", language: "rust" });
    expect(rule?.pattern).toBe("connection refused (os error 111)");
    expect(match.code).toBe("UNAVAILABLE.CONNECTION_REFUSED");
  });
});

describe("nearestEntries", () => {
  it("suggests the entry whose patterns share the message's telling words", () => {
    expect(nearestEntries("request handler panicked", defaultGlossary(), 1)[0]).toMatchObject({ code: "INTERNAL.PANIC", sharedWords: ["panicked"] });
    expect(nearestEntries("grpc: the client connection is closing", defaultGlossary(), 1)[0]?.code).toBe("UNAVAILABLE.CONNECTION_CLOSED");
  });

  it("suggests nothing for a message without a word any entry uses", () => {
    expect(nearestEntries("zzz qqq 42", defaultGlossary())).toEqual([]);
  });
});
