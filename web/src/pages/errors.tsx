// Errors by glossary code, service and language (GET /api/v1/errors), and the UNKNOWN
// fingerprints a glossary maintainer should look at: new kinds of error, with sample messages.
import { useMemo } from "preact/hooks";
import { useApi } from "../api.js";
import type { ErrorCounts, ErrorGroup } from "../api-types.js";
import { CodeBadge, Empty, Language, Loaded, Panel, QueryForm, Time, TimeRangePicker } from "../components/common.js";
import { formatCount } from "../format.js";
import { href, useQueryState, useTimeRange } from "../url-state.js";

export function ErrorsPage() {
  const [query, setQuery] = useQueryState();
  const range = useTimeRange("24h");
  const params = { from: Math.round(range.fromMs), to: Math.round(range.toMs) };
  const errors = useApi<ErrorCounts>("/api/v1/errors", { ...params, service: query.service, language: query.language, code: query.code, limit: 1000 });
  return (
    <div class="page">
      <div class="page-head">
        <h1>Errors</h1>
      </div>
      <QueryForm label="Filter errors" onSubmit={(fields) => setQuery({ service: fields.service, language: fields.language, code: fields.code })}>
        <label>
          Service
          <input name="service" key={`s${query.service ?? ""}`} defaultValue={query.service ?? ""} placeholder="any" />
        </label>
        <label>
          Language
          <select name="language" key={`l${query.language ?? ""}`} defaultValue={query.language ?? ""}>
            <option value="">any</option>
            <option value="go">go</option>
            <option value="rust">rust</option>
          </select>
        </label>
        <label>
          Error code
          <input name="code" key={`c${query.code ?? ""}`} defaultValue={query.code ?? ""} placeholder="any" />
        </label>
        <TimeRangePicker range={range} />
        <button type="submit">Filter</button>
      </QueryForm>
      <Loaded state={errors} what="error counts">
        {(data) => <ErrorTables data={data} range={params} />}
      </Loaded>
    </div>
  );
}

function ErrorTables({ data, range }: { data: ErrorCounts; range: { from: number; to: number } }) {
  const known = data.Errors.filter((group) => group.ErrorCode !== "UNKNOWN");
  const unknown = data.Errors.filter((group) => group.ErrorCode === "UNKNOWN");
  const byCode = useMemo(() => {
    const totals = new Map<string, { code: string; title: string; count: number; services: Set<string>; languages: Set<string> }>();
    for (const group of data.Errors) {
      const entry = totals.get(group.ErrorCode) ?? { code: group.ErrorCode, title: group.Title, count: 0, services: new Set(), languages: new Set() };
      entry.count += group.Count;
      entry.services.add(group.ServiceName);
      if (group.SourceLanguage) entry.languages.add(group.SourceLanguage);
      totals.set(group.ErrorCode, entry);
    }
    return [...totals.values()].sort((a, b) => b.count - a.count);
  }, [data]);
  return (
    <>
      <Panel title={`By code (glossary ${data.GlossaryVersion})`}>
        {byCode.length === 0 ? (
          <Empty>No error in this range.</Empty>
        ) : (
          <table class="table">
            <thead>
              <tr>
                <th>Code</th>
                <th>Title</th>
                <th class="num">Count</th>
                <th>Services</th>
                <th>Languages</th>
              </tr>
            </thead>
            <tbody>
              {byCode.map((row) => (
                <tr>
                  <td>
                    <CodeBadge code={row.code} />
                  </td>
                  <td>{row.title || <span class="muted">not in the glossary</span>}</td>
                  <td class="num">{formatCount(row.count)}</td>
                  <td>{[...row.services].join(", ")}</td>
                  <td>
                    {[...row.languages].map((language) => (
                      <Language language={language} />
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
      <Panel title="By code, service and language">
        {known.length === 0 ? <Empty>No known error code in this range.</Empty> : <GroupTable groups={known} range={range} />}
      </Panel>
      <Panel title="UNKNOWN fingerprints" id="unknown">
        <p class="muted small">Errors no glossary entry matched, one row per normalized message. Each is a candidate for a new glossary entry (schemas/glossary/).</p>
        {unknown.length === 0 ? <Empty>Every error in this range has a glossary code.</Empty> : <GroupTable groups={unknown} range={range} />}
      </Panel>
    </>
  );
}

function GroupTable({ groups, range }: { groups: ErrorGroup[]; range: { from: number; to: number } }) {
  return (
    <table class="table error-groups">
      <thead>
        <tr>
          <th>Code</th>
          <th>Service</th>
          <th class="num">Spans</th>
          <th class="num">Logs</th>
          <th>First / last seen</th>
          <th>Sample messages</th>
        </tr>
      </thead>
      <tbody>
        {groups.map((group) => (
          <tr data-fingerprint={group.ErrorFingerprint || undefined}>
            <td>
              <CodeBadge code={group.ErrorCode} />
              {group.ErrorFingerprint && <div class="mono small">{group.ErrorFingerprint}</div>}
              <div class="small muted">{group.Retryable ? "retryable" : "not retryable"}</div>
            </td>
            <td>
              <a href={href(`/services/${encodeURIComponent(group.ServiceName)}`, range)}>{group.ServiceName}</a> <Language language={group.SourceLanguage} />
            </td>
            <td class="num">{formatCount(group.SpanCount)}</td>
            <td class="num">
              {group.LogCount > 0 ? <a href={href("/logs", { service: group.ServiceName, code: group.ErrorCode, ...range })}>{formatCount(group.LogCount)}</a> : 0}
            </td>
            <td class="nowrap small">
              <Time value={group.FirstSeen} />
              <br />
              <Time value={group.LastSeen} />
            </td>
            <td>
              <ul class="samples">
                {group.SampleMessages.map((message) => (
                  <li class="mono small">{message}</li>
                ))}
              </ul>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
