// Incidents, newest first, filtered by status, service, code and time; live while open.
import { useApi } from "../api.js";
import type { Glossary, IncidentList, IncidentSummary, ServiceList } from "../api-types.js";
import { CodeBadge, Empty, ServiceOptions, Freshness, Loaded, Panel, QueryForm, StatusBadge, Time, TimeRangePicker } from "../components/common.js";
import { formatMs, toDate } from "../format.js";
import { href, useNow, useQueryState, useTimeRange } from "../url-state.js";

const liveMs = 5000;

export function IncidentsPage() {
  const [query, setQuery] = useQueryState();
  const range = useTimeRange("24h", liveMs);
  const live = range.relative !== null;
  const incidents = useApi<IncidentList>(
    "/api/v1/incidents",
    { from: Math.round(range.fromMs), to: Math.round(range.toMs), status: query.status, service: query.service, code: query.code, limit: 100 },
    // A fixed range still shows open incidents changing.
    { refreshMs: live ? 0 : liveMs },
  );
  const services = useApi<ServiceList>("/api/v1/services", { from: Math.round(range.fromMs), to: Math.round(range.toMs) });
  const glossary = useApi<Glossary>("/api/v1/glossary");
  const now = useNow(liveMs);

  return (
    <div class="page">
      <div class="page-head">
        <h1>Incidents</h1>
        <Freshness at={incidents.fetchedAt} live />
      </div>
      <QueryForm label="Filter incidents" onSubmit={(fields) => setQuery({ status: fields.status, service: fields.service, code: fields.code })}>
        <label>
          Status
          <select name="status" value={query.status ?? ""} onChange={(e) => setQuery({ status: (e.target as HTMLSelectElement).value })}>
            <option value="">open and resolved</option>
            <option value="open">open</option>
            <option value="resolved">resolved</option>
          </select>
        </label>
        <label>
          Service
          <select name="service" value={query.service ?? ""} onChange={(e) => setQuery({ service: (e.target as HTMLSelectElement).value })}>
            <ServiceOptions services={services.data} current={query.service} />
          </select>
        </label>
        <label>
          Error code
          <input name="code" key={query.code ?? ""} list="glossary-codes" defaultValue={query.code ?? ""} placeholder="any" pattern="[A-Z][A-Z_]*(\.[A-Z0-9][A-Z0-9_]*)?" />
          <datalist id="glossary-codes">
            {(glossary.data?.entries ?? []).map((entry) => (
              <option value={entry.code}>{entry.title}</option>
            ))}
          </datalist>
        </label>
        <TimeRangePicker range={range} />
        <button type="submit">Filter</button>
      </QueryForm>
      <Panel>
        <Loaded state={incidents} what="incidents">
          {(data) =>
            data.Incidents.length === 0 ? (
              <Empty>No incident in this range{query.status || query.service || query.code ? " matches the filters" : ""}. Braid opens one when anomalies appear in the services' RED series.</Empty>
            ) : (
              <>
                <table class="table incidents-table">
                  <thead>
                    <tr>
                      <th>Incident</th>
                      <th>Status</th>
                      <th>Started</th>
                      <th>Duration</th>
                      <th>Services</th>
                      <th>Top root cause</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.Incidents.map((incident) => (
                      <IncidentRow incident={incident} now={now} />
                    ))}
                  </tbody>
                </table>
                {data.Total > data.Incidents.length && <p class="muted small">Showing the newest {data.Incidents.length} of {data.Total}; narrow the range or the filters to see others.</p>}
              </>
            )
          }
        </Loaded>
      </Panel>
    </div>
  );
}

function IncidentRow({ incident, now }: { incident: IncidentSummary; now: number }) {
  const started = toDate(incident.StartedAt).getTime();
  const ended = incident.ResolvedAt ? toDate(incident.ResolvedAt).getTime() : now;
  const top = incident.TopRootCause;
  return (
    <tr class={`incident-row status-row-${incident.Status}`} data-incident={incident.IncidentId}>
      <td>
        <a href={href(`/incidents/${incident.IncidentId}`)} class="incident-title">
          {incident.Title}
        </a>
        <div class="muted small mono">{incident.IncidentId}</div>
      </td>
      <td>
        <StatusBadge status={incident.Status} />
      </td>
      <td>
        <Time value={incident.StartedAt} />
      </td>
      <td>{formatMs(Math.max(0, ended - started))}</td>
      <td>
        {incident.Services.map((service) => (
          <a class="chip" href={href(`/services/${encodeURIComponent(service)}`, { from: started - 600_000, to: ended + 300_000 })}>
            {service}
          </a>
        ))}
      </td>
      <td>
        {top ? (
          <>
            <strong>{top.Node}</strong> <span class="muted small">({top.NodeType})</span> <CodeBadge code={top.ErrorCode} />
          </>
        ) : (
          <span class="muted">–</span>
        )}
      </td>
    </tr>
  );
}
