// The waterfall's rows: a trace's spans in tree order, each with its depth and its sections of the
// critical path. Pure, so it is tested without a browser.
import type { Span, Trace } from "./api-types.js";

export interface Row {
  span: Span;
  depth: number;
  hasChildren: boolean;
  /** Critical sections of this span, ns from the trace start. */
  critical: { start: number; duration: number }[];
}

/** Spans in tree order (children by start time); a span whose parent is missing starts a tree of its own. */
export function treeOrder(trace: Trace): Row[] {
  const children = new Map<string, Span[]>();
  const ids = new Set(trace.Spans.map((span) => span.SpanId));
  const roots: Span[] = [];
  for (const span of trace.Spans) {
    if (span.ParentSpanId && ids.has(span.ParentSpanId) && span.ParentSpanId !== span.SpanId) {
      const list = children.get(span.ParentSpanId) ?? [];
      list.push(span);
      children.set(span.ParentSpanId, list);
    } else roots.push(span);
  }
  const critical = new Map<string, { start: number; duration: number }[]>();
  for (const section of trace.CriticalPath) {
    const list = critical.get(section.SpanId) ?? [];
    list.push({ start: section.StartOffsetNs, duration: section.DurationNs });
    critical.set(section.SpanId, list);
  }
  const byStart = (a: Span, b: Span) => a.StartOffsetNs - b.StartOffsetNs || a.SpanId.localeCompare(b.SpanId);
  const rows: Row[] = [];
  const seen = new Set<string>();
  const stack: { span: Span; depth: number }[] = roots.sort(byStart).reverse().map((span) => ({ span, depth: 0 }));
  while (stack.length > 0) {
    const { span, depth } = stack.pop()!;
    if (seen.has(span.SpanId)) continue;
    seen.add(span.SpanId);
    const kids = (children.get(span.SpanId) ?? []).sort(byStart);
    rows.push({ span, depth, hasChildren: kids.length > 0, critical: critical.get(span.SpanId) ?? [] });
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ span: kids[i]!, depth: depth + 1 });
  }
  return rows;
}


/** The rows shown: none below a collapsed span; with criticalOnly, only the spans on the critical path. */
export function visibleRows(rows: readonly Row[], collapsed: ReadonlySet<string>, criticalOnly: boolean): Row[] {
  const out: Row[] = [];
  let hideBelow = Infinity;
  for (const row of rows) {
    if (row.depth > hideBelow) continue;
    hideBelow = collapsed.has(row.span.SpanId) ? row.depth : Infinity;
    if (criticalOnly && row.critical.length === 0) continue;
    out.push(row);
  }
  return out;
}
