// Log search: service, minimum severity, glossary code, text, trace id and time range, all in the
// URL; trace ids link to the trace.
import { useState } from "preact/hooks";
import { useApi } from "../api.js";
import type { LogSearch, ServiceList } from "../api-types.js";
import { CodeBadge, Empty, KeyValues, ServiceOptions, Language, Loaded, Panel, QueryForm, Time, TimeRangePicker } from "../components/common.js";
import { href, useQueryState, useTimeRange } from "../url-state.js";

const pageSize = 100;

export function LogsPage() {
  const [query, setQuery] = useQueryState();
  const range = useTimeRange("1h");
  const page = Math.max(0, Number(query.page ?? 0) || 0);
  const params = { from: Math.round(range.fromMs), to: Math.round(range.toMs) };
  const logs = useApi<LogSearch>("/api/v1/logs", { ...params, service: query.service, severity: query.severity, code: query.code, q: query.q, traceId: query.traceId, limit: pageSize, offset: page * pageSize });
  const services = useApi<ServiceList>("/api/v1/services", params);
  const [expanded, setExpanded] = useState<number | null>(null);
  return (
    <div class="page">
      <div class="page-head">
        <h1>Logs</h1>
      </div>
      <QueryForm
        label="Search logs"
        onSubmit={(fields) => setQuery({ service: fields.service, severity: fields.severity, code: fields.code, q: fields.q, traceId: fields.traceId?.toLowerCase(), page: null }, true)}
      >
        <label>
          Text
          <input name="q" type="search" key={`q${query.q ?? ""}`} defaultValue={query.q ?? ""} placeholder="contains…" maxLength={512} />
        </label>
        <label>
          Service
          <select name="service" key={`s${query.service ?? ""}`} defaultValue={query.service ?? ""}>
            <ServiceOptions services={services.data} current={query.service} />
          </select>
        </label>
        <label>
          Severity at least
          <select name="severity" key={`v${query.severity ?? ""}`} defaultValue={query.severity ?? ""}>
            <option value="">any</option>
            {["debug", "info", "warn", "error", "fatal"].map((severity) => (
              <option value={severity}>{severity}</option>
            ))}
          </select>
        </label>
        <label>
          Error code
          <input name="code" key={`c${query.code ?? ""}`} defaultValue={query.code ?? ""} placeholder="any" pattern="[A-Z_]+(\.[A-Z0-9_]+)*" />
        </label>
        <label>
          Trace id
          <input name="traceId" key={`t${query.traceId ?? ""}`} defaultValue={query.traceId ?? ""} placeholder="32 hex characters" pattern="[0-9a-fA-F]{32}" class="mono" />
        </label>
        <TimeRangePicker range={range} />
        <button type="submit">Search</button>
      </QueryForm>
      <Panel>
        <Loaded state={logs} what="log lines">
          {(data) =>
            data.Logs.length === 0 ? (
              <Empty>No log line matches in this range.</Empty>
            ) : (
              <>
                <table class="table logs-table">
                  <thead>
                    <tr>
                      <th>Time</th>
                      <th>Service</th>
                      <th>Severity</th>
                      <th>Code</th>
                      <th>Message</th>
                      <th>Trace</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.Logs.map((log, index) => (
                      <>
                        <tr class="log-row" onClick={() => setExpanded(expanded === index ? null : index)}>
                          <td class="nowrap">
                            <Time value={log.Timestamp} withMs />
                          </td>
                          <td class="nowrap">
                            {log.ServiceName} <Language language={log.SourceLanguage} />
                          </td>
                          <td>
                            <span class={`severity sev-${log.SeverityText.toLowerCase()}`}>{log.SeverityText || log.SeverityNumber}</span>
                          </td>
                          <td>
                            <CodeBadge code={log.ErrorCode} />
                          </td>
                          <td class="log-body">{log.Body}</td>
                          <td>
                            {log.TraceId && (
                              <a class="mono trace-link" href={href(`/traces/${log.TraceId}`, { span: log.SpanId || undefined })} onClick={(event) => event.stopPropagation()}>
                                {log.TraceId.slice(0, 12)}…
                              </a>
                            )}
                          </td>
                        </tr>
                        {expanded === index && (
                          <tr class="log-detail">
                            <td colSpan={6}>
                              <pre class="mono">{log.Body}</pre>
                              <KeyValues entries={Object.entries({ format: log.LogFormat, trace_id: log.TraceId, span_id: log.SpanId, ...log.LogAttributes }).filter(([, value]) => value)} />
                            </td>
                          </tr>
                        )}
                      </>
                    ))}
                  </tbody>
                </table>
                <div class="pager">
                  {page > 0 && <a href={href("/logs", { ...query, page: page - 1 })}>← Newer</a>}
                  <span class="muted">
                    {page * pageSize + 1}–{page * pageSize + data.Logs.length}
                  </span>
                  {data.Logs.length === pageSize && <a href={href("/logs", { ...query, page: page + 1 })}>Older →</a>}
                </div>
              </>
            )
          }
        </Loaded>
      </Panel>
    </div>
  );
}
