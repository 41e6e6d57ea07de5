// Small pieces every view uses: states of a request, badges, the time-range picker, panels.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import type { ApiState } from "../api.js";
import type { Red, ServiceList } from "../api-types.js";
import { formatDateTime, formatMs, formatPercent, formatRate, formatTime, toLocalInput } from "../format.js";
import { href, relativeRanges, useQueryState, type TimeRange } from "../url-state.js";

export function Panel({ title, actions, children, id, class: className }: { title?: ComponentChildren; actions?: ComponentChildren; children: ComponentChildren; id?: string; class?: string }) {
  return (
    <section class={`panel ${className ?? ""}`} id={id}>
      {(title || actions) && (
        <header class="panel-head">
          {title && <h2>{title}</h2>}
          {actions && <div class="panel-actions">{actions}</div>}
        </header>
      )}
      <div class="panel-body">{children}</div>
    </section>
  );
}

/** Renders a request's error or loading state, else the children with its data. */
export function Loaded<T>({ state, children, what }: { state: ApiState<T>; what: string; children: (data: T) => ComponentChildren }) {
  if (state.data !== undefined) {
    return (
      <div class={state.loading ? "loaded refreshing" : "loaded"} aria-busy={state.loading}>
        {state.error && <ErrorNote error={state.error} what={`refreshing ${what}`} />}
        {children(state.data)}
      </div>
    );
  }
  if (state.error) return <ErrorNote error={state.error} what={what} />;
  return <p class="muted loading">Loading {what}…</p>;
}

export function ErrorNote({ error, what }: { error: Error; what: string }) {
  return (
    <p class="error-note" role="alert">
      Could not load {what}: {error.message}
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="muted empty">{children}</p>;
}

export function CodeBadge({ code }: { code: string }) {
  if (!code) return null;
  const kind = code === "UNKNOWN" ? "unknown" : code.split(".")[0]!.toLowerCase();
  return (
    <a class={`code-badge code-${kind}`} href={href(`/glossary/${encodeURIComponent(code)}`)} title="Open the glossary entry">
      {code}
    </a>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`status status-${status.toLowerCase()}`}>{status}</span>;
}

export function Time({ value, withMs }: { value: string | number; withMs?: boolean }) {
  return <time title={formatDateTime(value)}>{formatTime(value, withMs)}</time>;
}

export function Language({ language }: { language: string }) {
  if (!language || language === "unknown") return null;
  return <span class={`lang lang-${language}`}>{language}</span>;
}

/** Relative ranges and a fixed from/to, written to the URL (range= or from=&to=). */
export function TimeRangePicker({ range }: { range: TimeRange }) {
  const [, setQuery] = useQueryState();
  const [custom, setCustom] = useState(range.relative === null);
  return (
    <div class="time-range">
      <label>
        <span class="sr-only">Time range</span>
        <select
          aria-label="Time range"
          value={range.relative ?? "custom"}
          onChange={(event) => {
            const value = (event.target as HTMLSelectElement).value;
            if (value === "custom") {
              setCustom(true);
              setQuery({ range: null, from: Math.round(range.fromMs), to: Math.round(range.toMs) });
            } else {
              setCustom(false);
              setQuery({ range: value, from: null, to: null });
            }
          }}
        >
          {Object.keys(relativeRanges).map((key) => (
            <option value={key}>Last {key}</option>
          ))}
          <option value="custom">Fixed range</option>
        </select>
      </label>
      {(custom || range.relative === null) && (
        <>
          <input type="datetime-local" aria-label="From" value={toLocalInput(range.fromMs)} onChange={(event) => setQuery({ range: null, from: new Date((event.target as HTMLInputElement).value).getTime(), to: Math.round(range.toMs) })} />
          <span class="muted">to</span>
          <input type="datetime-local" aria-label="To" value={toLocalInput(range.toMs)} onChange={(event) => setQuery({ range: null, from: Math.round(range.fromMs), to: new Date((event.target as HTMLInputElement).value).getTime() })} />
        </>
      )}
    </div>
  );
}

/** "Updated 12:00:05" for live views, so a stale page is visible as such. */
export function Freshness({ at, live }: { at?: number; live?: boolean }) {
  if (!at) return null;
  return (
    <span class="muted freshness" aria-live="polite">
      {live ? "live · " : ""}updated {formatTime(at)}
    </span>
  );
}

/** A form that writes its fields into the URL query on submit (one history step per search). */
export function QueryForm({ children, onSubmit, label }: { children: ComponentChildren; onSubmit: (fields: Record<string, string>) => void; label: string }) {
  return (
    <form
      class="query-form"
      aria-label={label}
      onSubmit={(event) => {
        event.preventDefault();
        const data = new FormData(event.currentTarget as HTMLFormElement);
        const fields: Record<string, string> = {};
        for (const [name, value] of data.entries()) fields[name] = String(value).trim();
        onSubmit(fields);
      }}
    >
      {children}
    </form>
  );
}

/** The options of a service filter: "any", the services of the range, and the URL's value if it is not among them. */
export function ServiceOptions({ services, current }: { services?: ServiceList; current?: string }) {
  const names = (services?.Services ?? []).map((s) => s.ServiceName);
  return (
    <>
      <option value="">any</option>
      {names.map((name) => (
        <option value={name}>{name}</option>
      ))}
      {current && !names.includes(current) && <option value={current}>{current}</option>}
    </>
  );
}

/** The headers of RedCells. */
export function RedHeaders() {
  return (
    <>
      <th class="num">Rate</th>
      <th class="num">Error rate</th>
      <th class="num">p50</th>
      <th class="num">p95</th>
      <th class="num">p99</th>
    </>
  );
}

/** Rate, error rate and p50/p95/p99 as table cells. */
export function RedCells({ red }: { red: Red }) {
  return (
    <>
      <td class="num">{formatRate(red.RequestsPerSecond)}</td>
      <td class="num">{formatPercent(red.ErrorRate)}</td>
      <td class="num">{formatMs(red.P50Ms)}</td>
      <td class="num">{formatMs(red.P95Ms)}</td>
      <td class="num">{formatMs(red.P99Ms)}</td>
    </>
  );
}

/** Attributes as a two-column table. */
export function KeyValues({ entries }: { entries: [string, string][] }) {
  return (
    <table class="kv">
      <tbody>
        {entries.map(([key, value]) => (
          <tr>
            <th class="mono">{key}</th>
            <td class="mono">{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
