// One trace in the terminal, from GET /api/v1/traces/{id}: the span tree (children under their
// parent, in start order), each span's service, name, glossary code and duration, a bar placing
// it on the trace's time line, and the critical path (the API computes it: CriticalPathNs per
// span; spans on it are marked ●).
import { bar, cut, formatNanos, type Colors } from "../output.js";

export interface TraceSpan {
  SpanId: string;
  ParentSpanId: string;
  ServiceName: string;
  SpanName: string;
  SpanKind: string;
  TimestampNs: string;
  Duration: string;
  StatusCode: string;
  ErrorCode: string;
  ErrorMessage: string;
  /** Start relative to the trace's start, after clock-skew correction (API with trace analysis). */
  StartOffsetNs?: number;
  /** This span's own time on the critical path (API with trace analysis). */
  CriticalPathNs?: number;
}

export interface TraceDetail {
  TraceId: string;
  SpanCount: number;
  Truncated: boolean;
  Spans: TraceSpan[];
  Services: { ServiceName: string; SourceLanguage: string; SpanCount: number; ErrorCount: number }[];
  Logs: { Timestamp: string; ServiceName: string; SeverityText: string; Body: string; SpanId: string; ErrorCode: string }[];
  CriticalPath?: unknown[];
  LatencyAttribution?: { Services?: { Node: string; NodeType: string; CriticalPathNs: number; Share: number }[] };
}

interface Node {
  span: TraceSpan;
  children: Node[];
}

/** Spans as a forest: a span whose parent is not in the trace is a root. */
export function spanTree(spans: readonly TraceSpan[]): Node[] {
  const nodes = new Map(spans.map((span) => [span.SpanId, { span, children: [] as Node[] }]));
  const roots: Node[] = [];
  for (const node of nodes.values()) {
    const parent = node.span.ParentSpanId ? nodes.get(node.span.ParentSpanId) : undefined;
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  const byStart = (a: Node, b: Node) => (BigInt(a.span.TimestampNs) < BigInt(b.span.TimestampNs) ? -1 : BigInt(a.span.TimestampNs) > BigInt(b.span.TimestampNs) ? 1 : 0);
  const sort = (list: Node[]) => {
    list.sort(byStart);
    for (const node of list) sort(node.children);
  };
  sort(roots);
  return roots;
}

export function traceLines(trace: TraceDetail, options: { c: Colors; width: number }): string[] {
  const { c } = options;
  const spans = trace.Spans;
  if (spans.length === 0) return [`Trace ${trace.TraceId}: no spans`];
  const hasAnalysis = spans.some((span) => span.StartOffsetNs !== undefined);
  const startOf = (span: TraceSpan) => (hasAnalysis ? BigInt(span.StartOffsetNs ?? 0) : BigInt(span.TimestampNs));
  const traceStart = spans.reduce((min, span) => (startOf(span) < min ? startOf(span) : min), startOf(spans[0]!));
  const traceEnd = spans.reduce((max, span) => {
    const end = startOf(span) + BigInt(span.Duration);
    return end > max ? end : max;
  }, traceStart);
  const total = Number(traceEnd - traceStart) || 1;
  const errors = spans.filter((span) => span.StatusCode === "Error" || span.ErrorCode).length;

  const out: string[] = [];
  const services = trace.Services.map((s) => `${s.ServiceName} (${s.SourceLanguage}${s.ErrorCount ? `, ${s.ErrorCount} errors` : ""})`).join(", ");
  out.push(`${c.bold(`Trace ${trace.TraceId}`)}  ${formatNanos(total)}, ${trace.SpanCount} spans${errors ? `, ${c.red(`${errors} with errors`)}` : ""}${trace.Truncated ? c.yellow(" (truncated)") : ""}`);
  out.push(`  services: ${services}`);
  if (hasAnalysis) out.push(`  ${c.yellow("●")} on the critical path`);
  out.push("");

  const barWidth = Math.max(10, Math.min(40, Math.floor(options.width * 0.3)));
  const durationWidth = 9;
  const labelWidth = Math.max(30, options.width - barWidth - durationWidth - 6);
  const rows: string[] = [];
  const walk = (node: Node, prefix: string, last: boolean, root: boolean) => {
    const span = node.span;
    const onPath = (span.CriticalPathNs ?? 0) > 0;
    const failed = span.StatusCode === "Error" || span.ErrorCode !== "";
    const branch = root ? "" : last ? "└─ " : "├─ ";
    const marker = hasAnalysis ? (onPath ? `${c.yellow("●")} ` : "  ") : "";
    const code = span.ErrorCode ? ` [${span.ErrorCode}]` : "";
    const plainLabel = `${prefix}${branch}${span.ServiceName} ${span.SpanName}${code}`;
    const label = cut(plainLabel, labelWidth - (hasAnalysis ? 2 : 0));
    const visible = label.length;
    const colored = failed ? label.replace(code, c.red(code)) : label;
    const offset = Number(startOf(span) - traceStart) / total;
    const length = Number(span.Duration) / total;
    const drawn = bar(offset, length, barWidth);
    const barText = failed ? c.red(drawn) : onPath ? c.yellow(drawn) : c.cyan(drawn);
    rows.push(`${marker}${colored}${" ".repeat(Math.max(1, labelWidth - (hasAnalysis ? 2 : 0) - visible + 1))}${barText} ${formatNanos(span.Duration).padStart(durationWidth)}`);
    node.children.forEach((child, i) => walk(child, root ? "" : `${prefix}${last ? "   " : "│  "}`, i === node.children.length - 1, false));
  };
  for (const root of spanTree(spans)) walk(root, "", true, true);
  out.push(...rows);

  const failedSpans = spans.filter((span) => span.ErrorMessage);
  if (failedSpans.length) {
    out.push("", c.bold("Errors"));
    for (const span of failedSpans.slice(0, 8)) out.push(`  ${span.ServiceName} ${span.SpanName}: ${c.magenta(span.ErrorCode || "-")} ${cut(span.ErrorMessage.replace(/\s+/g, " "), options.width - 40)}`);
  }
  const attribution = trace.LatencyAttribution?.Services;
  if (attribution?.length) {
    out.push("", c.bold("Critical path by service"));
    for (const s of attribution.slice(0, 8)) out.push(`  ${s.Node.padEnd(20)} ${formatNanos(s.CriticalPathNs).padStart(9)}  ${(s.Share * 100).toFixed(1)}%`);
  }
  if (trace.Logs.length) {
    out.push("", c.bold(`Logs (${trace.Logs.length})`));
    for (const log of trace.Logs.slice(0, 10)) {
      const code = log.ErrorCode ? ` ${c.magenta(log.ErrorCode)}` : "";
      out.push(`  ${log.Timestamp.replace("T", " ").replace(/Z$/, "")}  ${log.ServiceName} ${log.SeverityText}${code}  ${cut(log.Body.replace(/\s+/g, " "), options.width - 60)}`);
    }
  }
  return out;
}
