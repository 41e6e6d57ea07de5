// One trace: the waterfall across Go and Rust services with the critical path highlighted (as the
// API computed it, after clock-skew adjustment), the latency attribution per service and hop
// against the configured budgets, and each span's attributes, events, exception stack traces and
// log lines on click.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { useApi } from "../api.js";
import type { LogRecord, Span, Trace } from "../api-types.js";
import { CodeBadge, Empty, KeyValues, Language, Loaded, Panel, StatusBadge, Time } from "../components/common.js";
import { formatMs, formatNs, formatPercent, toDate } from "../format.js";
import { href, useQueryState } from "../url-state.js";
import { markViewReady } from "../view-ready.js";
import { treeOrder, visibleRows, type Row } from "../trace-rows.js";

export function TracePage({ id }: { id: string }) {
  const trace = useApi<Trace>(`/api/v1/traces/${encodeURIComponent(id)}`);
  return (
    <div class="page">
      <Loaded state={trace} what={`trace ${id}`}>
        {(data) => <TraceView trace={data} />}
      </Loaded>
    </div>
  );
}

const palette = 10;
/** A service keeps its colour from trace to trace: the palette slot comes from its name. */
export function serviceColour(service: string): number {
  let hash = 0;
  for (let i = 0; i < service.length; i++) hash = (hash * 31 + service.charCodeAt(i)) >>> 0;
  return hash % palette;
}

const rowHeight = 24;
/** Rows rendered above and below the visible ones. */
const overscan = 30;

function TraceView({ trace }: { trace: Trace }) {
  const [query, setQuery] = useQueryState();
  const rows = useMemo(() => treeOrder(trace), [trace]);
  const [collapsed, setCollapsed] = useState<Set<string>>(() => new Set());
  const extentNs = useMemo(() => Math.max(1, ...trace.Spans.map((span) => span.StartOffsetNs + Number(span.Duration))), [trace]);
  const root = trace.Spans.find((span) => span.SpanId === trace.RootSpanId) ?? trace.Spans[0]!;
  const skewed = trace.Spans.filter((span) => span.ClockSkewNs !== 0).length;
  const errors = trace.Services.reduce((sum, s) => sum + s.ErrorCount, 0);
  const startMs = toDate(trace.TraceStartNs).getTime();
  const selected = query.span;
  const criticalOnly = query.critical === "1";
  const selectedSpan = selected ? trace.Spans.find((span) => span.SpanId === selected) : undefined;

  const visible = useMemo(() => visibleRows(rows, collapsed, criticalOnly), [rows, collapsed, criticalOnly]);

  useEffect(() => markViewReady("trace"), [trace]);

  const toggle = (spanId: string) =>
    setCollapsed((previous) => {
      const next = new Set(previous);
      if (next.has(spanId)) next.delete(spanId);
      else next.add(spanId);
      return next;
    });

  return (
    <>
      <div class="page-head">
        <div>
          <p class="crumbs">
            Trace <span class="mono">{trace.TraceId}</span>
          </p>
          <h1>
            {root.ServiceName}: {root.SpanName}
          </h1>
          <p class="facts">
            <Time value={trace.TraceStartNs} withMs /> · {formatNs(trace.LatencyAttribution.TotalNs)} · {trace.SpanCount} spans · {errors} errors ·{" "}
            {trace.Services.map((s) => (
              <span class="chip svc">
                <span class={`svc-dot svc-${serviceColour(s.ServiceName)}`} /> {s.ServiceName} <Language language={s.SourceLanguage} />
              </span>
            ))}
          </p>
          <p class="facts">
            <a href={href("/logs", { traceId: trace.TraceId, from: startMs - 60_000, to: Math.round(startMs + extentNs / 1e6 + 60_000) })} class="trace-logs-link">
              Logs of this trace ({trace.Logs.length})
            </a>
            {skewed > 0 && <span class="muted"> · clock skew adjusted on {skewed} spans (server spans moved inside their client spans)</span>}
            {trace.Truncated && <span class="warning"> · only the first {trace.SpanCount} spans are shown</span>}
          </p>
        </div>
      </div>

      <Panel title="Latency on the critical path" id="attribution">
        <Attribution trace={trace} />
      </Panel>

      <Panel
        title="Waterfall"
        id="waterfall"
        actions={
          <>
            <label class="inline-check">
              <input type="checkbox" checked={criticalOnly} onChange={(event) => setQuery({ critical: (event.target as HTMLInputElement).checked ? "1" : null })} /> critical path only
            </label>
            <span class="legend">
              <span class="legend-critical" /> critical path
            </span>
          </>
        }
      >
        <Waterfall rows={visible} extentNs={extentNs} selected={selected} collapsed={collapsed} onToggle={toggle} onSelect={(spanId) => setQuery({ span: selected === spanId ? null : spanId })} />
      </Panel>
      {selectedSpan && <SpanDrawer span={selectedSpan} logs={trace.Logs.filter((log) => log.SpanId === selectedSpan.SpanId)} onClose={() => setQuery({ span: null })} />}
    </>
  );
}

/**
 * The span rows, virtualized: only the rows in (and near) the window are in the DOM, so a trace of
 * 10,000 spans renders as fast as one of 100. Rows have one fixed height; details open in a drawer.
 */
function Waterfall({ rows, extentNs, selected, collapsed, onToggle, onSelect }: { rows: Row[]; extentNs: number; selected?: string; collapsed: Set<string>; onToggle: (id: string) => void; onSelect: (id: string) => void }) {
  const body = useRef<HTMLDivElement>(null);
  const [window_, setWindow] = useState({ first: 0, last: Math.min(rows.length, 80) });
  useLayoutEffect(() => {
    let frame = 0;
    const update = () => {
      frame = 0;
      const element = body.current;
      if (!element) return;
      const top = element.getBoundingClientRect().top;
      const first = Math.max(0, Math.floor(-top / rowHeight) - overscan);
      const last = Math.min(rows.length, Math.ceil((innerHeight - top) / rowHeight) + overscan);
      setWindow((previous) => (previous.first === first && previous.last === last ? previous : { first, last }));
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(update);
    };
    update();
    addEventListener("scroll", schedule, { passive: true });
    addEventListener("resize", schedule);
    return () => {
      removeEventListener("scroll", schedule);
      removeEventListener("resize", schedule);
      cancelAnimationFrame(frame);
    };
  }, [rows.length]);

  // A shared link to a span scrolls to it once.
  useEffect(() => {
    if (!selected || !body.current) return;
    const index = rows.findIndex((row) => row.span.SpanId === selected);
    const top = body.current.getBoundingClientRect().top + scrollY + index * rowHeight;
    if (index >= 0 && (top < scrollY + 60 || top > scrollY + innerHeight - 40)) scrollTo({ top: top - innerHeight / 3 });
  }, [rows]);

  return (
    <div class="waterfall" role="treegrid" aria-label="Spans of the trace" aria-rowcount={rows.length} data-rows={rows.length}>
      <div class="wf-row wf-axis" aria-hidden="true">
        <div class="wf-label">Service · operation</div>
        <div class="wf-timeline">
          {[0, 0.25, 0.5, 0.75, 1].map((f) => (
            <span class="wf-tick" style={{ left: `${f * 100}%` }}>
              {formatNs(extentNs * f)}
            </span>
          ))}
        </div>
      </div>
      <div class="wf-body" ref={body} style={{ height: `${rows.length * rowHeight}px` }}>
        {rows.slice(window_.first, window_.last).map((row, i) => (
          <SpanRow
            key={row.span.SpanId}
            index={window_.first + i}
            row={row}
            extentNs={extentNs}
            colour={serviceColour(row.span.ServiceName)}
            selected={selected === row.span.SpanId}
            collapsed={collapsed.has(row.span.SpanId)}
            onToggle={onToggle}
            onSelect={onSelect}
          />
        ))}
      </div>
    </div>
  );
}

function SpanRow({ row, index, extentNs, colour, selected, collapsed, onToggle, onSelect }: { row: Row; index: number; extentNs: number; colour: number; selected: boolean; collapsed: boolean; onToggle: (id: string) => void; onSelect: (id: string) => void }) {
  const { span } = row;
  const left = (span.StartOffsetNs / extentNs) * 100;
  const width = Math.max((Number(span.Duration) / extentNs) * 100, 0.05);
  const failed = span.StatusCode === "Error";
  return (
    <div
      class={`wf-row wf-span ${selected ? "selected" : ""} ${row.critical.length > 0 ? "on-critical-path" : ""} ${failed ? "failed" : ""}`}
      style={{ top: `${index * rowHeight}px` }}
      role="row"
      aria-rowindex={index + 1}
      aria-level={row.depth + 1}
      aria-selected={selected}
      aria-expanded={row.hasChildren ? !collapsed : undefined}
      data-span={span.SpanId}
      onClick={() => onSelect(span.SpanId)}
    >
      <div class="wf-label" role="gridcell" style={{ paddingLeft: `${Math.min(row.depth, 30) * 12 + 4}px` }}>
        {row.hasChildren ? (
          <button
            type="button"
            class="wf-toggle"
            aria-label={collapsed ? "Expand" : "Collapse"}
            onClick={(event) => {
              event.stopPropagation();
              onToggle(span.SpanId);
            }}
          >
            {collapsed ? "▸" : "▾"}
          </button>
        ) : (
          <span class="wf-toggle-space" />
        )}
        <span class={`svc-dot svc-${colour}`} />
        <span class="wf-service">{span.ServiceName}</span>
        <span class="wf-name">{span.SpanName}</span>
        {failed && (
          <span class="wf-error" title={span.StatusMessage || "error"}>
            !
          </span>
        )}
        {span.ErrorCode && <span class="wf-code">{span.ErrorCode}</span>}
      </div>
      <div class="wf-timeline" role="gridcell">
        <div class={`wf-bar svc-bg-${colour}`} style={{ left: `${left}%`, width: `${width}%` }} />
        {row.critical.map((section) => (
          <div class="wf-critical" style={{ left: `${(section.start / extentNs) * 100}%`, width: `${Math.max((section.duration / extentNs) * 100, 0.05)}%` }} />
        ))}
        <DurationLabel left={left} width={width} text={formatNs(span.Duration)} />
      </div>
    </div>
  );
}

function SpanDrawer({ span, logs, onClose }: { span: Span; logs: LogRecord[]; onClose: () => void }) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => event.key === "Escape" && onClose();
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, [onClose]);
  return (
    <aside class="span-drawer" aria-label={`Span ${span.SpanName}`}>
      <header class="drawer-head">
        <h2>
          <span class={`svc-dot svc-${serviceColour(span.ServiceName)}`} /> {span.ServiceName}: {span.SpanName}
        </h2>
        <button type="button" class="secondary" onClick={onClose} aria-label="Close the span's details">
          ×
        </button>
      </header>
      <SpanDetail span={span} logs={logs} />
    </aside>
  );
}

/** The duration beside its bar: right of it when there is room, else left of it, else inside its end. */
function DurationLabel({ left, width, text }: { left: number; width: number; text: string }) {
  if (left + width < 88) return <span class="wf-duration" style={{ left: `${left + width + 0.5}%` }}>{text}</span>;
  if (left > 12) return <span class="wf-duration" style={{ right: `${100 - left + 0.5}%` }}>{text}</span>;
  return (
    <span class="wf-duration inside" style={{ right: `${Math.max(0, 100 - left - width)}%` }}>
      {text}
    </span>
  );
}

function SpanDetail({ span, logs }: { span: Span; logs: LogRecord[] }) {
  const attributes = Object.entries(span.SpanAttributes).sort(([a], [b]) => a.localeCompare(b));
  const resource = Object.entries(span.ResourceAttributes).sort(([a], [b]) => a.localeCompare(b));
  const spanStartMs = toDate(span.TimestampNs).getTime();
  return (
    <div class="span-detail" data-span-detail={span.SpanId}>
      <dl class="facts-grid">
        <div>
          <dt>Service</dt>
          <dd>
            {span.ServiceName} <Language language={span.SourceLanguage} />
          </dd>
        </div>
        <div>
          <dt>Operation</dt>
          <dd class="mono">{span.SpanName}</dd>
        </div>
        <div>
          <dt>Kind</dt>
          <dd>{span.SpanKind}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>
            <StatusBadge status={span.StatusCode} /> {span.StatusMessage}
          </dd>
        </div>
        {span.ErrorCode && (
          <div>
            <dt>Glossary code</dt>
            <dd>
              <CodeBadge code={span.ErrorCode} /> {span.ErrorRetryable ? "retryable" : "not retryable"}
            </dd>
          </div>
        )}
        <div>
          <dt>Duration</dt>
          <dd>{formatNs(span.Duration)}</dd>
        </div>
        <div>
          <dt>Start</dt>
          <dd>
            +{formatNs(span.StartOffsetNs)} (<Time value={span.TimestampNs} withMs />)
          </dd>
        </div>
        <div>
          <dt>On the critical path</dt>
          <dd>{span.CriticalPathNs > 0 ? formatNs(span.CriticalPathNs) : "no"}</dd>
        </div>
        {span.ClockSkewNs !== 0 && (
          <div>
            <dt>Clock skew adjustment</dt>
            <dd>{formatNs(span.ClockSkewNs)}</dd>
          </div>
        )}
        <div>
          <dt>Span id</dt>
          <dd class="mono">{span.SpanId}</dd>
        </div>
      </dl>
      {span.ErrorMessage && span.ErrorMessage !== span.StatusMessage && <p class="error-message mono">{span.ErrorMessage}</p>}

      <h3>Attributes</h3>
      {attributes.length === 0 ? <Empty>None.</Empty> : <KeyValues entries={attributes} />}

      {span.Events.length > 0 && (
        <>
          <h3>Events</h3>
          <ul class="events">
            {span.Events.map((event) => {
              const { "exception.stacktrace": stack, ...rest } = event.Attributes;
              return (
                <li class={event.Name === "exception" ? "event-exception" : ""}>
                  <span class="mono small">+{formatNs((toDate(event.Timestamp).getTime() - spanStartMs) * 1e6)}</span> <strong>{event.Name}</strong>
                  {Object.keys(rest).length > 0 && <KeyValues entries={Object.entries(rest)} />}
                  {stack && (
                    <details class="stacktrace">
                      <summary>Stack trace</summary>
                      <pre>{stack}</pre>
                    </details>
                  )}
                </li>
              );
            })}
          </ul>
        </>
      )}

      {span.Links.length > 0 && (
        <>
          <h3>Links</h3>
          <ul class="plain-list">
            {span.Links.map((link) => (
              <li>
                <a class="mono" href={href(`/traces/${link.TraceId}`, { span: link.SpanId })}>
                  {link.TraceId} / {link.SpanId}
                </a>
              </li>
            ))}
          </ul>
        </>
      )}

      <h3>Log lines of this span</h3>
      {logs.length === 0 ? (
        <Empty>None carry this span's id.</Empty>
      ) : (
        <ul class="plain-list">
          {logs.map((log) => (
            <li class="log-line">
              <Time value={log.Timestamp} withMs /> <span class={`severity sev-${log.SeverityText.toLowerCase()}`}>{log.SeverityText}</span> <CodeBadge code={log.ErrorCode} /> <span class="log-body">{log.Body}</span>
            </li>
          ))}
        </ul>
      )}

      <details>
        <summary>Resource attributes ({resource.length})</summary>
        <KeyValues entries={resource} />
      </details>
    </div>
  );
}

function Attribution({ trace }: { trace: Trace }) {
  const a = trace.LatencyAttribution;
  const parts = [
    ...a.Services.map((s) => ({ key: `${s.NodeType}:${s.Node}`, label: s.Node, kind: s.NodeType, ns: s.CriticalPathNs, share: s.Share, colour: s.NodeType === "service" ? `svc-bg-${serviceColour(s.Node)}` : "db-bg" })),
    ...a.Hops.map((h) => ({ key: `hop:${h.Caller}>${h.Callee}`, label: `${h.Caller} → ${h.Callee}`, kind: "hop" as const, ns: h.CriticalPathNs, share: h.Share, colour: "hop-bg" })),
  ].sort((x, y) => y.ns - x.ns);
  const budgets = new Map<string, Trace["LatencyAttribution"]["Budgets"]>();
  for (const budget of a.Budgets) budgets.set(budget.ServiceName, [...(budgets.get(budget.ServiceName) ?? []), budget]);
  if (a.TotalNs === 0) return <Empty>The root span has no duration.</Empty>;
  return (
    <>
      <div class="attribution-bar" role="img" aria-label="Share of the critical path per service, database and hop">
        {parts.map((part) => (
          <span class={`attribution-part ${part.colour}`} style={{ width: `${part.share * 100}%` }} title={`${part.label}: ${formatNs(part.ns)} (${formatPercent(part.share)})`} />
        ))}
      </div>
      <table class="table attribution-table">
        <thead>
          <tr>
            <th>Where</th>
            <th>Kind</th>
            <th class="num">On the critical path</th>
            <th class="num">Share</th>
            <th>Budget</th>
          </tr>
        </thead>
        <tbody>
          {parts.map((part) => (
            <tr data-attribution={part.key}>
              <td>
                <span class={`swatch ${part.colour}`} /> {part.label}
              </td>
              <td class="muted">{part.kind === "hop" ? "hop (network, queues, untraced peer)" : part.kind}</td>
              <td class="num">{formatNs(part.ns)}</td>
              <td class="num">{formatPercent(part.share)}</td>
              <td>
                {part.kind === "service" &&
                  (budgets.get(part.label) ?? []).map((budget) => (
                    <div class={budget.Exceeded ? "budget exceeded" : "budget ok"}>
                      {budget.Operation ?? "all operations"}: {budget.Quantile} &lt; {formatMs(budget.ThresholdMs)}; this request {formatMs(budget.EntryMs)} {budget.Exceeded ? "— over budget" : "— within"}
                    </div>
                  ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted small">
        The critical path is what the request waited for: walking back from the root span's end, the last child to finish before each point. Sums to the root's {formatNs(a.TotalNs)}; see docs/trace-analysis.md.
      </p>
    </>
  );
}
