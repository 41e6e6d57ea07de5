import { describe, expect, it } from "vitest";
import type { Span, Trace } from "./api-types.js";
import { treeOrder, visibleRows } from "./trace-rows.js";

const span = (SpanId: string, ParentSpanId: string, StartOffsetNs: number): Span =>
  ({ SpanId, ParentSpanId, StartOffsetNs, ServiceName: "svc", SpanName: SpanId, Duration: "10" }) as Span;

const trace = (spans: Span[], critical: string[]): Trace =>
  ({ Spans: spans, CriticalPath: critical.map((SpanId, i) => ({ SpanId, ServiceName: "svc", SpanName: SpanId, StartOffsetNs: i, DurationNs: 1 })) }) as unknown as Trace;

describe("waterfall rows", () => {
  const input = trace([span("b", "root", 20), span("root", "", 0), span("a", "root", 10), span("a1", "a", 11), span("orphan", "missing", 5)], ["root", "a", "a1", "a", "root"]);

  it("orders spans depth-first with children by start time; a span whose parent is missing starts its own tree", () => {
    expect(treeOrder(input).map((row) => [row.span.SpanId, row.depth, row.hasChildren, row.critical.length])).toEqual([
      ["root", 0, true, 2],
      ["a", 1, true, 2],
      ["a1", 2, false, 1],
      ["b", 1, false, 0],
      ["orphan", 0, false, 0],
    ]);
  });

  it("hides what is below a collapsed span, and everything off the critical path on request", () => {
    const rows = treeOrder(input);
    expect(visibleRows(rows, new Set(["a"]), false).map((row) => row.span.SpanId)).toEqual(["root", "a", "b", "orphan"]);
    expect(visibleRows(rows, new Set(), true).map((row) => row.span.SpanId)).toEqual(["root", "a", "a1"]);
  });
});
