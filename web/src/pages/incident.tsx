// One incident: what happened when, where it started (ranked causes with their reasons and
// evidence, each code's glossary entry), the anomalous series against their baselines, the
// involved part of the service map, and the traces and logs that show it — each one click away.
import { useMemo } from "preact/hooks";
import { useApi } from "../api.js";
import type { Anomaly, Glossary, GlossaryEntry, IncidentDetail, IncidentSeries, RedPoint, RootCause, ServiceMap } from "../api-types.js";
import { TimeChart } from "../components/chart.js";
import { CodeBadge, Empty, Freshness, Loaded, Panel, StatusBadge, Time } from "../components/common.js";
import { ServiceGraph, type GraphEdge, type GraphNode, type NodeState } from "../components/service-graph.js";
import { formatMs, formatPercent, formatRate, toDate } from "../format.js";
import { href, nodeTypeParam, useNow } from "../url-state.js";
import { AlertsOfIncident } from "./alerts.js";

const liveMs = 10_000;

export function IncidentPage({ id }: { id: string }) {
  const incident = useApi<IncidentDetail>(`/api/v1/incidents/${encodeURIComponent(id)}`, {}, { refreshMs: liveMs });
  const glossary = useApi<Glossary>("/api/v1/glossary");
  const entries = useMemo(() => new Map((glossary.data?.entries ?? []).map((entry) => [entry.code, entry])), [glossary.data]);
  return (
    <div class="page">
      <Loaded state={incident} what={`incident ${id}`}>
        {(data) => <IncidentView incident={data} entries={entries} fetchedAt={incident.fetchedAt} />}
      </Loaded>
    </div>
  );
}

function IncidentView({ incident, entries, fetchedAt }: { incident: IncidentDetail; entries: Map<string, GlossaryEntry>; fetchedAt?: number }) {
  const now = useNow(liveMs);
  const startedMs = toDate(incident.StartedAt).getTime();
  const endedMs = incident.ResolvedAt ? toDate(incident.ResolvedAt).getTime() : now;
  // Evidence windows: a little before the start (the fault usually began there), to the end.
  const fromMs = startedMs - 5 * 60_000;
  const toMs = Math.min(now, endedMs + 2 * 60_000);
  const codes = Object.entries(incident.ErrorCodes).sort((a, b) => b[1] - a[1]);
  const involvedCodes = [...new Set([...incident.RootCauses.map((c) => c.ErrorCode), ...codes.map(([code]) => code)].filter(Boolean))];

  return (
    <>
      <div class="page-head">
        <div>
          <p class="crumbs">
            <a href={href("/incidents")}>Incidents</a> / <span class="mono">{incident.IncidentId}</span>
          </p>
          <h1>{incident.Title}</h1>
          <p class="facts">
            <StatusBadge status={incident.Status} /> started <Time value={incident.StartedAt} /> · {incident.Status === "open" ? "open for" : "lasted"} {formatMs(endedMs - startedMs)} · updated <Time value={incident.UpdatedAt} />
            {incident.Tenant && incident.Tenant !== "default" && <> · tenant {incident.Tenant}</>}
          </p>
          <p class="facts">
            {incident.Services.map((service) => (
              <a class="chip" href={href(`/services/${encodeURIComponent(service)}`, { from: fromMs, to: toMs })}>
                {service}
              </a>
            ))}
            {codes.map(([code, count]) => (
              <span class="code-count">
                <CodeBadge code={code} /> ×{count}
              </span>
            ))}
          </p>
        </div>
        <Freshness at={fetchedAt} live={incident.Status === "open"} />
      </div>

      <div class="grid-causes">
        <Panel title="Ranked root causes" id="root-causes">
          {incident.RootCauses.length === 0 ? <Empty>No candidate yet: the correlator ranks causes on its next tick.</Empty> : <RootCauseList causes={incident.RootCauses} entries={entries} />}
        </Panel>
        <Panel title="Glossary" id="glossary-entries">
          {involvedCodes.length === 0 ? (
            <Empty>No error code involved: a latency incident.</Empty>
          ) : (
            involvedCodes.map((code) => <GlossaryCard code={code} entry={entries.get(code)} />)
          )}
        </Panel>
      </div>

      {incident.Causes && incident.Causes.length > 1 && (
        <Panel title={`${incident.Causes.length} independent causes`} id="causes">
          <table class="table">
            <thead>
              <tr>
                <th>Cause</th>
                <th>Code</th>
                <th class="num">Error traces</th>
                <th>Its top candidates</th>
                <th>Exemplar traces</th>
              </tr>
            </thead>
            <tbody>
              {incident.Causes.map((cause) => (
                <tr data-cause={cause.Node}>
                  <td>
                    <strong>{cause.Node}</strong> <span class="muted small">{cause.NodeType}</span>
                  </td>
                  <td>
                    <CodeBadge code={cause.ErrorCode} />
                  </td>
                  <td class="num">
                    {cause.ErrorTraces} ({formatPercent(cause.Share)})
                  </td>
                  <td>{cause.RootCauses.slice(0, 3).map((c) => c.Node).join(", ")}</td>
                  <td>
                    {cause.ExemplarTraceIds.slice(0, 3).map((traceId) => (
                      <a class="mono small" href={href(`/traces/${traceId}`)}>
                        {traceId.slice(0, 12)}…{" "}
                      </a>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Panel>
      )}

      <Panel title="Involved services" id="involved-map" actions={<a href={href("/services", { from: fromMs, to: toMs })}>Full map</a>}>
        <InvolvedMap incident={incident} fromMs={fromMs} toMs={toMs} />
      </Panel>

      <Panel title="Anomalies" id="anomalies">
        {incident.Anomalies.length === 0 ? <Empty>No anomaly recorded.</Empty> : <AnomalyCharts incident={incident} />}
      </Panel>

      <div class="grid-evidence">
        <Panel title="Exemplar traces" id="exemplar-traces">
          {incident.ExemplarTraceIds.length === 0 ? (
            <Empty>No exemplar trace.</Empty>
          ) : (
            <ul class="plain-list">
              {incident.ExemplarTraceIds.map((traceId) => (
                <li>
                  <a class="mono exemplar-trace" href={href(`/traces/${traceId}`)}>
                    {traceId}
                  </a>
                </li>
              ))}
            </ul>
          )}
        </Panel>
        <Panel
          title="Sample logs"
          id="sample-logs"
          actions={<a href={href("/logs", { service: incident.Services.length === 1 ? incident.Services[0] : undefined, severity: "warn", from: fromMs, to: toMs })}>Search logs of this incident</a>}
        >
          {incident.SampleLogs.length === 0 ? (
            <Empty>No error log line in the incident's services.</Empty>
          ) : (
            <table class="table logs-table compact">
              <tbody>
                {incident.SampleLogs.map((log) => (
                  <tr>
                    <td class="nowrap">
                      <Time value={log.Timestamp} withMs />
                    </td>
                    <td>{log.ServiceName}</td>
                    <td>
                      <CodeBadge code={log.ErrorCode} />
                    </td>
                    <td class="log-body">{log.Body}</td>
                    <td>{log.TraceId && <a href={href(`/traces/${log.TraceId}`)}>trace</a>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Panel>
      </div>

      <Panel title="Timeline" id="timeline">
        <ol class="timeline">
          {incident.Timeline.map((event) => (
            <li class={`timeline-${event.Kind}`}>
              <Time value={event.At} /> <span class="timeline-kind">{event.Kind.replaceAll("_", " ")}</span> {event.Message}
            </li>
          ))}
        </ol>
      </Panel>

      {incident.Alerts && <AlertsOfIncident alerts={incident.Alerts} />}
    </>
  );
}

function RootCauseList({ causes, entries }: { causes: RootCause[]; entries: Map<string, GlossaryEntry> }) {
  return (
    <ol class="root-causes">
      {causes.map((cause, index) => {
        const e = cause.Evidence;
        const entry = entries.get(cause.ErrorCode);
        return (
          <li class="root-cause" data-node={cause.Node}>
            <div class="root-cause-head">
              <span class="rank">{index + 1}</span>
              <a href={href(`/services/${encodeURIComponent(cause.Node)}`, { nodeType: nodeTypeParam(cause.NodeType) })}>
                <strong>{cause.Node}</strong>
              </a>
              <span class="muted small">{cause.NodeType}</span>
              <CodeBadge code={cause.ErrorCode} />
              <span class="score" title="Ranking score">
                score {cause.Score}
              </span>
            </div>
            <p class="reason">{cause.Reason}</p>
            <dl class="evidence">
              <div>
                <dt>Errors starting here</dt>
                <dd>
                  {e.OriginErrors} ({formatPercent(e.OriginShare)})
                </dd>
              </div>
              <div>
                <dt>Error traces through it</dt>
                <dd>{formatPercent(e.ErrorTraceShare)}</dd>
              </div>
              <div>
                <dt>Self time per call</dt>
                <dd>
                  {formatMs(e.SelfTimeMs)} <span class="muted">(baseline {formatMs(e.BaselineSelfTimeMs)})</span>
                </dd>
              </div>
              <div>
                <dt>Earliest onset</dt>
                <dd>{e.EarliestOnset ? "yes" : "no"}</dd>
              </div>
              {e.AnomalyKinds.length > 0 && (
                <div>
                  <dt>Anomalies</dt>
                  <dd>{e.AnomalyKinds.map((kind) => kind.replaceAll("_", " ")).join(", ")}</dd>
                </div>
              )}
            </dl>
            {entry && index === 0 && (
              <p class="remedy">
                <strong>Remedy:</strong> {entry.remedy}
              </p>
            )}
          </li>
        );
      })}
    </ol>
  );
}

function GlossaryCard({ code, entry }: { code: string; entry?: GlossaryEntry }) {
  return (
    <div class="glossary-card" data-code={code}>
      <div>
        <CodeBadge code={code} /> {entry && <strong>{entry.title}</strong>}
        {entry && <span class={`retryable ${entry.retryable ? "yes" : "no"}`}>{entry.retryable ? "retryable" : "not retryable"}</span>}
      </div>
      {entry ? (
        <>
          <p>{entry.description}</p>
          <p>
            <strong>Remedy:</strong> {entry.remedy}
          </p>
        </>
      ) : (
        <p class="muted">Not in this glossary version.</p>
      )}
    </div>
  );
}

const anomalyLabel: Record<Anomaly["Kind"], string> = { error_rate: "error rate", latency: "latency", latency_budget: "latency budget" };

/** Every anomaly's series on one time axis (one request), so onsets compare at a glance. */
function AnomalyCharts({ incident }: { incident: IncidentDetail }) {
  // Refetched when the incident changes (a new anomaly joins, or a live refresh).
  const series = useApi<IncidentSeries>(`/api/v1/incidents/${incident.IncidentId}/series`, { v: incident.UpdatedAt });
  return (
    <Loaded state={series} what="the anomalies' series">
      {(data) => (
        <div class="anomaly-grid">
          {data.Series.map((one) => (
            <AnomalyChart anomaly={one.Anomaly} figure={one.Figure} baseline={one.Baseline} points={one.Points} />
          ))}
        </div>
      )}
    </Loaded>
  );
}

function AnomalyChart({ anomaly, figure, baseline, points }: { anomaly: Anomaly; figure: IncidentSeries["Series"][number]["Figure"]; baseline: number; points: RedPoint[] }) {
  const isRate = anomaly.Kind === "error_rate";
  const format = isRate ? (v: number) => formatPercent(v, 0) : (v: number) => formatMs(v);
  const chart = useMemo(() => {
    const times = points.map((p) => Date.parse(p.Time) / 1000);
    const figureName = figure === "ErrorRate" ? "error rate" : figure.replace("Ms", "");
    return {
      times,
      series: [
        { label: figureName, values: points.map((p) => p[figure]), color: "--series-bad", width: 2, fill: true },
        { label: anomaly.Kind === "latency_budget" ? "budget" : "baseline", values: times.map(() => baseline), color: "--series-baseline", dash: [6, 4] },
      ],
      markers: [
        { at: toDate(anomaly.OnsetAt).getTime() / 1000, label: "onset", color: "--bad" },
        { at: toDate(anomaly.DetectedAt).getTime() / 1000, label: "detected", color: "--muted" },
      ],
    };
  }, [points, anomaly, figure, baseline]);
  return (
    <figure class="anomaly" data-anomaly={anomaly.AnomalyId}>
      <figcaption>
        <a href={href(`/services/${encodeURIComponent(anomaly.Node)}`, { nodeType: nodeTypeParam(anomaly.NodeType) })}>
          <strong>{anomaly.Node}</strong>
        </a>{" "}
        <span class="mono small">{anomaly.Operation}</span> · {anomalyLabel[anomaly.Kind]} {format(anomaly.Observed)} vs {format(anomaly.Baseline)} · onset <Time value={anomaly.OnsetAt} />
        {Object.keys(anomaly.ErrorCodes).length > 0 && (
          <span>
            {" "}
            {Object.keys(anomaly.ErrorCodes).map((code) => (
              <CodeBadge code={code} />
            ))}
          </span>
        )}
      </figcaption>
      <TimeChart {...chart} height={130} formatValue={format} label={`${anomaly.Node} ${anomalyLabel[anomaly.Kind]} against its baseline`} />
    </figure>
  );
}

function InvolvedMap({ incident, fromMs, toMs }: { incident: IncidentDetail; fromMs: number; toMs: number }) {
  const map = useApi<ServiceMap>("/api/v1/service-map", { from: Math.round(fromMs), to: Math.round(toMs) });
  const graph = useMemo(() => {
    if (!map.data) return undefined;
    const involved = new Set([...incident.Services, ...incident.RootCauses.slice(0, 3).map((c) => c.Node), ...incident.Anomalies.map((a) => a.Node)]);
    const state = new Map<string, NodeState>();
    for (const anomaly of incident.Anomalies) {
      const next: NodeState = anomaly.Kind === "error_rate" ? "errors" : "latency";
      if (state.get(anomaly.Node) !== "errors") state.set(anomaly.Node, next);
    }
    const top = incident.RootCauses[0]?.Node;
    const nodes: GraphNode[] = map.data.Nodes.filter((node) => involved.has(node.Node)).map((node) => ({
      id: node.Node,
      type: node.NodeType,
      label: node.Node,
      detail: `${formatRate(node.RequestsPerSecond)} · ${formatPercent(node.ErrorRate)} err`,
      state: state.get(node.Node) ?? "ok",
      marked: node.Node === top,
      href: href(`/services/${encodeURIComponent(node.Node)}`, { nodeType: nodeTypeParam(node.NodeType), from: Math.round(fromMs), to: Math.round(toMs) }),
    }));
    const edges: GraphEdge[] = map.data.Edges.filter((edge) => involved.has(edge.Caller) && involved.has(edge.Callee)).map((edge) => ({
      from: edge.Caller,
      to: edge.Callee,
      label: `${formatPercent(edge.ErrorRate)} err · p95 ${formatMs(edge.P95Ms)}`,
      failing: edge.ErrorRate > 0.05,
    }));
    return { nodes, edges };
  }, [map.data, incident]);
  return (
    <Loaded state={map} what="the service map">
      {() => (graph && graph.nodes.length > 0 ? <ServiceGraph nodes={graph.nodes} edges={graph.edges} label="Services involved in the incident, the root cause marked" /> : <Empty>No calls recorded between the involved services.</Empty>)}
    </Loaded>
  );
}
