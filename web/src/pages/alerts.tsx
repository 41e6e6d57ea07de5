// Alerts: firing and pending first (live), with their value, labels, services and linked
// incidents; the SLOs' error budgets and burn rates; silences; the rules in force and the problems
// of rules that did not load. Read-only: rules and silences are managed through the API.
import { useMemo } from "preact/hooks";
import { useApi } from "../api.js";
import type { Alert, AlertList, RuleList, SilenceList, SloList } from "../api-types.js";
import { Empty, Freshness, Loaded, Panel, StatusBadge, Time } from "../components/common.js";
import { formatMs, formatPercent } from "../format.js";
import { href, useQueryState } from "../url-state.js";

const liveMs = 10_000;

/** An alert's value in its rule's unit: ms for latency, a ratio for error rate, a burn rate for SLOs. */
export function alertValue(value: number | null, kind: string | undefined): string {
  if (value === null) return "–";
  if (kind === "latency") return formatMs(value);
  if (kind === "error_rate") return formatPercent(value);
  if (kind === "slo") return `burn ${Number(value.toFixed(2))}×`;
  return String(Number(value.toPrecision(3)));
}

export function AlertsPage() {
  const [query, setQuery] = useQueryState();
  const alerts = useApi<AlertList>("/api/v1/alerts", { state: query.state, service: query.service, limit: 200 }, { refreshMs: liveMs });
  const rules = useApi<RuleList>("/api/v1/rules", {}, { refreshMs: 60_000 });
  const slos = useApi<SloList>("/api/v1/slos", {}, { refreshMs: liveMs });
  const silences = useApi<SilenceList>("/api/v1/silences", { expired: query.expired === "true" ? "true" : undefined }, { refreshMs: 60_000 });
  const kinds = useMemo(() => new Map((rules.data?.Rules ?? []).map((rule) => [rule.Name, rule.Kind])), [rules.data]);
  return (
    <div class="page">
      <div class="page-head">
        <h1>Alerts</h1>
        <Freshness at={alerts.fetchedAt} live />
      </div>
      <div class="query-form">
        <label>
          State
          <select aria-label="State" value={query.state ?? ""} onChange={(e) => setQuery({ state: (e.target as HTMLSelectElement).value })}>
            <option value="">firing, pending and resolved</option>
            <option value="firing">firing</option>
            <option value="pending">pending</option>
            <option value="resolved">resolved</option>
          </select>
        </label>
      </div>
      <Panel title="Alerts" id="alerts">
        <Loaded state={alerts} what="alerts">
          {(data) => (data.Alerts.length === 0 ? <Empty>No alert{query.state ? ` is ${query.state}` : ""}. Rules are evaluated on every tick; see the rules below.</Empty> : <AlertTable alerts={data.Alerts} kinds={kinds} />)}
        </Loaded>
      </Panel>
      <Panel title="SLOs" id="slos">
        <Loaded state={slos} what="SLOs">
          {(data) =>
            data.Slos.length === 0 ? (
              <Empty>No SLO rule.</Empty>
            ) : (
              <table class="table">
                <thead>
                  <tr>
                    <th>SLO</th>
                    <th class="num">Objective</th>
                    <th class="num">SLI now</th>
                    <th class="num">SLI over the period</th>
                    <th class="num">Error budget left</th>
                    <th>Burn rates (long / short window)</th>
                  </tr>
                </thead>
                <tbody>
                  {data.Slos.map((slo) => (
                    <tr>
                      <td>
                        <strong>{slo.RuleName}</strong> <Labels labels={slo.Labels} />
                      </td>
                      <td class="num">
                        {slo.Objective}% / {slo.Period}
                      </td>
                      <td class="num">{formatPercent(slo.SliNow, 3)}</td>
                      <td class="num">{formatPercent(slo.SliPeriod, 3)}</td>
                      <td class={`num ${slo.ErrorBudgetRemaining !== null && slo.ErrorBudgetRemaining < 0 ? "bad" : ""}`}>{formatPercent(slo.ErrorBudgetRemaining)}</td>
                      <td class="small">
                        {slo.BurnRates.map((b) => (
                          <div class={b.Firing ? "bad" : ""}>
                            {b.Severity}: {b.LongWindow} {b.LongBurnRate === null ? "–" : Number(b.LongBurnRate.toFixed(2))}× / {b.ShortWindow} {b.ShortBurnRate === null ? "–" : Number(b.ShortBurnRate.toFixed(2))}× (fires above {b.Factor}×)
                          </div>
                        ))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Loaded>
      </Panel>
      <Panel
        title="Silences"
        id="silences"
        actions={
          <label class="inline-check">
            <input type="checkbox" checked={query.expired === "true"} onChange={(e) => setQuery({ expired: (e.target as HTMLInputElement).checked ? "true" : null })} /> expired too
          </label>
        }
      >
        <Loaded state={silences} what="silences">
          {(data) =>
            data.Silences.length === 0 ? (
              <Empty>No silence. Create one with POST /api/v1/silences (write scope).</Empty>
            ) : (
              <table class="table">
                <thead>
                  <tr>
                    <th>State</th>
                    <th>Matchers</th>
                    <th>From</th>
                    <th>Until</th>
                    <th>By</th>
                    <th>Comment</th>
                  </tr>
                </thead>
                <tbody>
                  {data.Silences.map((silence) => (
                    <tr data-silence={silence.id}>
                      <td>
                        <StatusBadge status={silence.status.state} />
                      </td>
                      <td class="mono small">{silence.matchers.map((m) => `${m.name}${m.isEqual ? "" : "!"}${m.isRegex ? "~" : "="}"${m.value}"`).join(", ")}</td>
                      <td>
                        <Time value={silence.startsAt} />
                      </td>
                      <td>
                        <Time value={silence.endsAt} />
                      </td>
                      <td>{silence.createdBy}</td>
                      <td class="small">{silence.comment}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Loaded>
      </Panel>
      <Panel title="Rules" id="rules">
        <Loaded state={rules} what="rules">
          {(data) => (
            <>
              {data.Problems.length > 0 && (
                <div class="error-note" role="alert">
                  {data.Problems.length} rule problem(s):
                  <ul>
                    {data.Problems.map((p) => (
                      <li>
                        {[p.File, p.Rule, p.Field].filter(Boolean).join(" › ")}: {p.Message}
                      </li>
                    ))}
                  </ul>
                </div>
              )}
              {data.Rules.length === 0 ? (
                <Empty>No alert rule is configured (rule files in alerting.rulesDir, or POST /api/v1/rules).</Empty>
              ) : (
                <table class="table">
                  <thead>
                    <tr>
                      <th>Rule</th>
                      <th>Kind</th>
                      <th>Severity</th>
                      <th class="num">Firing</th>
                      <th class="num">Pending</th>
                      <th>From</th>
                      <th>Last evaluation</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.Rules.map((rule) => (
                      <tr>
                        <td>
                          <strong>{rule.Name}</strong>
                          {rule.Tenant && <span class="muted small"> tenant {rule.Tenant}</span>}
                        </td>
                        <td>{rule.Kind.replace("_", " ")}</td>
                        <td>{rule.Severity}</td>
                        <td class="num">{rule.Firing}</td>
                        <td class="num">{rule.Pending}</td>
                        <td class="small muted">{rule.Origin === "file" ? rule.File : "API"}</td>
                        <td>{rule.LastEvaluation ? <Time value={rule.LastEvaluation} /> : <span class="muted">not yet</span>}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </>
          )}
        </Loaded>
      </Panel>
    </div>
  );
}

function Labels({ labels }: { labels: Record<string, string> }) {
  return (
    <span class="labels">
      {Object.entries(labels)
        .filter(([name]) => name !== "alertname")
        .map(([name, value]) => (
          <span class="chip label">
            {name}={value}
          </span>
        ))}
    </span>
  );
}

export function AlertTable({ alerts, kinds }: { alerts: Alert[]; kinds: Map<string, string> }) {
  return (
    <table class="table alerts-table">
      <thead>
        <tr>
          <th>State</th>
          <th>Alert</th>
          <th class="num">Value</th>
          <th>Since</th>
          <th>Services</th>
          <th>Incidents</th>
        </tr>
      </thead>
      <tbody>
        {alerts.map((alert) => (
          <tr data-alert={alert.Fingerprint} class={`alert-${alert.State}`}>
            <td>
              <StatusBadge status={alert.State} />
            </td>
            <td>
              <strong>{alert.RuleName}</strong> <Labels labels={alert.Labels} />
              {(alert.Annotations.summary || alert.Annotations.description) && <div class="small muted">{alert.Annotations.summary ?? alert.Annotations.description}</div>}
            </td>
            <td class="num">{alertValue(alert.Value, kinds.get(alert.RuleName))}</td>
            <td>{alert.Since ? <Time value={alert.Since} /> : "–"}</td>
            <td>
              {alert.Services.map((service) => (
                <a class="chip" href={href(`/services/${encodeURIComponent(service)}`)}>
                  {service}
                </a>
              ))}
            </td>
            <td>
              {alert.Links.Incidents.map((incident) => (
                <a class="mono small" href={href(`/incidents/${incident.IncidentId}`)}>
                  {incident.IncidentId}
                </a>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The alerts that fired on the incident's services while it was open (from the incident's detail). */
export function AlertsOfIncident({ alerts }: { alerts: Alert[] }) {
  const rules = useApi<RuleList>("/api/v1/rules");
  const kinds = useMemo(() => new Map((rules.data?.Rules ?? []).map((rule) => [rule.Name, rule.Kind])), [rules.data]);
  return (
    <Panel title="Alerts" id="incident-alerts" actions={<a href={href("/alerts")}>All alerts</a>}>
      {alerts.length === 0 ? <Empty>No alert fired on these services while the incident was open.</Empty> : <AlertTable alerts={alerts} kinds={kinds} />}
    </Panel>
  );
}
