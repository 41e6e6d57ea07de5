import { describe, expect, it } from "vitest";
import { announcedChange, attributeChanges, changesNear, mergeChanges, type AttributeSighting } from "./changes.js";
import { anomaly, shopGraph } from "./fixtures.test-support.js";
import { rankRootCauses } from "./rank.js";

const t0 = 1_700_000_000;
const seen_ = (service: string, value: string, firstSeen: number, lastSeen: number, spans = 100, attribute = "service.version"): AttributeSighting => ({ service, attribute, value, firstSeen, lastSeen, spans });

describe("changes as evidence", () => {
  it("finds a new version that appeared after the look-back began, and what it replaced", () => {
    const changes = attributeChanges([seen_("payments", "1.4.2", t0 - 900, t0 - 100, 5000), seen_("payments", "1.4.3", t0 - 120, t0 + 60), seen_("checkout", "2.0.0", t0 - 900, t0 + 60)], t0 - 840);
    expect(changes).toEqual([
      { changeId: expect.stringMatching(/^chg_[0-9a-f]{20}$/), node: "payments", at: t0 - 120, kind: "version", what: "went from 1.4.2 to 1.4.3", detail: { attribute: "service.version", from: "1.4.2", to: "1.4.3" } },
    ]);
  });

  it("ignores a service's first value (it just started) and values already there when the look-back began", () => {
    expect(attributeChanges([seen_("new-service", "1.0.0", t0 - 60, t0)], t0 - 840)).toEqual([]);
    expect(attributeChanges([seen_("payments", "1.4.2", t0 - 900, t0), seen_("payments", "1.4.3", t0 - 899, t0)], t0 - 840)).toEqual([]);
  });

  it("reads any configured attribute (a deployment id) and keeps only changes near the onset", () => {
    const changes = attributeChanges([seen_("payments", "d-41", t0 - 900, t0 - 300, 100, "deployment.id"), seen_("payments", "d-42", t0 - 300, t0, 100, "deployment.id")], t0 - 840);
    expect(changes[0]!.what).toBe("deployment.id went from d-41 to d-42");
    expect(changesNear(changes, t0, 600)).toHaveLength(1);
    expect(changesNear(changes, t0, 200)).toEqual([]);
  });

  it("counts a change in the ranking and says when it happened relative to the onset", () => {
    const change = { changeId: "chg_1", node: "payments", at: t0 - 125, kind: "version" as const, what: "went from 1.4.2 to 1.4.3", detail: {} };
    const evidence = {
      anomalies: [anomaly("payments", "error_rate" as const, t0), anomaly("checkout", "error_rate" as const, t0)],
      origins: [{ node: "payments", nodeType: "service" as const, errorCode: "INTERNAL.PANIC", via: "payments", count: 50 }, { node: "checkout", nodeType: "service" as const, errorCode: "UNKNOWN", via: "checkout", count: 50 }],
      errorTraceCounts: new Map([["payments", 50], ["checkout", 100]]),
      totalErrorTraces: 100,
      selfTimes: [],
      graph: shopGraph,
    };
    const without = rankRootCauses(evidence);
    const withChange = rankRootCauses({ ...evidence, changes: [change] });
    const score = (list: typeof without, node: string) => list.find((c) => c.node === node)!.score;
    expect(score(withChange, "payments") - score(without, "payments")).toBeCloseTo(0.1, 5);
    expect(score(withChange, "checkout")).toBe(score(without, "checkout"));
    expect(withChange.find((c) => c.node === "payments")!.reason).toContain("payments went from 1.4.2 to 1.4.3 2 minutes before the errors began");
  });

  it("says what an announced change was, and counts a deploy once when the spans show its new version too", () => {
    const deploy = announcedChange({ changeId: "run-77", at: t0 - 130, service: "payments", kind: "deploy", version: "1.4.3", previousVersion: "1.4.2", description: "raise the pool size", author: "ci", source: "github-actions", url: "" });
    expect(deploy).toMatchObject({ node: "payments", kind: "deploy", what: "had a deploy 1.4.3 (was 1.4.2) by ci via github-actions: raise the pool size", detail: { version: "1.4.3", source: "github-actions" } });
    const flag = announcedChange({ changeId: "ff-1", at: t0 - 60, service: "checkout", kind: "feature_flag", version: "", previousVersion: "", description: "new-pricing on for 50%", author: "", source: "launchdarkly", url: "" });
    expect(flag.what).toBe("had a feature-flag change via launchdarkly: new-pricing on for 50%");
    const seen = attributeChanges([seen_("payments", "1.4.2", t0 - 900, t0 - 100, 5000), seen_("payments", "1.4.3", t0 - 120, t0)], t0 - 840);
    expect(mergeChanges([deploy, flag], seen).map((c) => c.changeId)).toEqual(["run-77", "ff-1"]);
    expect(mergeChanges([flag], seen).map((c) => c.kind)).toEqual(["version", "feature_flag"]);
  });
});
