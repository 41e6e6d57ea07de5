// The shared error glossary: every code with its meaning, retryability and remedy; searchable,
// one shareable URL per code.
import { useMemo } from "preact/hooks";
import { useApi } from "../api.js";
import type { Glossary, GlossaryEntry } from "../api-types.js";
import { CodeBadge, Empty, Loaded, Panel, QueryForm } from "../components/common.js";
import { href, useQueryState } from "../url-state.js";

export function GlossaryPage({ code }: { code?: string }) {
  const [query, setQuery] = useQueryState();
  const glossary = useApi<Glossary>("/api/v1/glossary");
  const text = (query.q ?? "").toLowerCase();
  return (
    <div class="page">
      <div class="page-head">
        <h1>Error glossary</h1>
        {glossary.data && <span class="muted">version {glossary.data.version}</span>}
      </div>
      <QueryForm label="Search the glossary" onSubmit={(fields) => setQuery({ q: fields.q, class: fields.class })}>
        <label>
          Search
          <input name="q" type="search" key={`q${query.q ?? ""}`} defaultValue={query.q ?? ""} placeholder="code, title or description" />
        </label>
        <label>
          Class
          <input name="class" key={`c${query.class ?? ""}`} defaultValue={query.class ?? ""} placeholder="any" />
        </label>
        <button type="submit">Search</button>
      </QueryForm>
      <Loaded state={glossary} what="the glossary">
        {(data) => <Entries entries={data.entries} text={text} errorClass={query.class ?? ""} selected={code} />}
      </Loaded>
    </div>
  );
}

function Entries({ entries, text, errorClass, selected }: { entries: GlossaryEntry[]; text: string; errorClass: string; selected?: string }) {
  const shown = useMemo(
    () =>
      entries.filter(
        (entry) =>
          (entry.code === selected || !selected) &&
          (!errorClass || entry.class === errorClass) &&
          (!text || entry.code.toLowerCase().includes(text) || entry.title.toLowerCase().includes(text) || entry.description.toLowerCase().includes(text)),
      ),
    [entries, text, errorClass, selected],
  );
  if (selected && shown.length === 0) return <Empty>The glossary has no code {selected}.</Empty>;
  return (
    <Panel>
      {selected && (
        <p>
          <a href={href("/glossary")}>← All codes</a>
        </p>
      )}
      {shown.length === 0 ? (
        <Empty>No entry matches.</Empty>
      ) : (
        <table class="table glossary-table">
          <thead>
            <tr>
              <th>Code</th>
              <th>Meaning</th>
              <th>Retryable</th>
              <th>Class · severity</th>
              <th>Remedy</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((entry) => (
              <tr id={entry.code} class={entry.code === selected ? "selected" : ""} data-code={entry.code}>
                <td>
                  <CodeBadge code={entry.code} />
                </td>
                <td>
                  <strong>{entry.title}</strong>
                  <div class="small">{entry.description}</div>
                </td>
                <td>
                  <span class={`retryable ${entry.retryable ? "yes" : "no"}`}>{entry.retryable ? "yes" : "no"}</span>
                </td>
                <td class="small">
                  {entry.class} · {entry.severity}
                </td>
                <td class="small">{entry.remedy}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}
