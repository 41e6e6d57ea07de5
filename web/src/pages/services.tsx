// The service map (services and databases, caller → callee edges with rate, error rate and p95,
// nodes coloured by their current anomaly) and the page of one service (RED over time, its
// operations, its errors by code, its incidents).
import { useEffect, useMemo } from "preact/hooks";
import { useApi } from "../api.js";
import type { AnomalyList, ErrorCounts, IncidentList, NodeSeries, ServiceDetail, ServiceMap } from "../api-types.js";
import { TimeChart } from "../components/chart.js";
import { CodeBadge, Empty, Language, Loaded, Panel, RedCells, RedHeaders, StatusBadge, Time, TimeRangePicker } from "../components/common.js";
import { ServiceGraph, type GraphEdge, type GraphNode, type NodeState } from "../components/service-graph.js";
import { formatCount, formatMs, formatPercent, formatRate } from "../format.js";
import { href, nodeTypeParam, useQueryState, useTimeRange } from "../url-state.js";
import { markViewReady } from "../view-ready.js";

const liveMs = 15_000;

function nodeStates(anomalies: AnomalyList | undefined, sinceMs: number): Map<string, NodeState> {
  const states = new Map<string, NodeState>();
  for (const anomaly of anomalies?.Anomalies ?? []) {
    if (Date.parse(anomaly.LastSeenAt) < sinceMs) continue;
    if (anomaly.Kind === "error_rate") states.set(anomaly.Node, "errors");
    else if (states.get(anomaly.Node) !== "errors") states.set(anomaly.Node, "latency");
  }
  return states;
}

export function ServiceMapPage() {
  const range = useTimeRange("15m", liveMs);
  const params = { from: Math.round(range.fromMs), to: Math.round(range.toMs) };
  const map = useApi<ServiceMap>("/api/v1/service-map", params);
  // "Current" anomalies: active in the last five minutes of the range.
  const anomalies = useApi<AnomalyList>("/api/v1/anomalies", { from: Math.round(range.toMs - 5 * 60_000), to: Math.round(range.toMs) });
  const graph = useMemo(() => {
    if (!map.data) return undefined;
    const states = nodeStates(anomalies.data, range.toMs - 5 * 60_000);
    const nodes: GraphNode[] = map.data.Nodes.map((node) => ({
      id: node.Node,
      type: node.NodeType,
      label: node.Node,
      detail: `${formatRate(node.RequestsPerSecond)} · ${formatPercent(node.ErrorRate)} err · p95 ${formatMs(node.P95Ms)}`,
      state: node.Calls === 0 ? "idle" : (states.get(node.Node) ?? "ok"),
      href: href(`/services/${encodeURIComponent(node.Node)}`, { nodeType: nodeTypeParam(node.NodeType), ...(range.relative ? { range: range.relative } : params) }),
    }));
    const edges: GraphEdge[] = map.data.Edges.map((edge) => ({
      from: edge.Caller,
      to: edge.Callee,
      label: `${formatRate(edge.RequestsPerSecond)} · ${formatPercent(edge.ErrorRate)} · p95 ${formatMs(edge.P95Ms)}`,
      failing: edge.ErrorRate > 0.05,
    }));
    return { nodes, edges };
  }, [map.data, anomalies.data]);
  useEffect(() => {
    if (graph) markViewReady("service-map");
  }, [graph]);
  return (
    <div class="page">
      <div class="page-head">
        <h1>Service map</h1>
        <TimeRangePicker range={range} />
      </div>
      <Panel
        actions={
          <span class="legend">
            <span class="legend-node state-ok" /> healthy <span class="legend-node state-errors" /> error-rate anomaly <span class="legend-node state-latency" /> latency anomaly <span class="legend-node state-idle" /> no calls
          </span>
        }
      >
        <Loaded state={map} what="the service map">
          {() => (graph && graph.nodes.length > 0 ? <ServiceGraph nodes={graph.nodes} edges={graph.edges} label="Service map: callers on the left, callees on the right" /> : <Empty>No spans in this range.</Empty>)}
        </Loaded>
      </Panel>
      <Loaded state={map} what="the services">
        {(data) => (
          <Panel title="Services and databases">
            <table class="table">
              <thead>
                <tr>
                  <th>Node</th>
                  <th>Kind</th>
                  <RedHeaders />
                </tr>
              </thead>
              <tbody>
                {data.Nodes.map((node) => (
                  <tr>
                    <td>
                      <a href={href(`/services/${encodeURIComponent(node.Node)}`, { nodeType: nodeTypeParam(node.NodeType) })}>{node.Node}</a> <Language language={node.SourceLanguage} />
                    </td>
                    <td class="muted">{node.NodeType}</td>
                    <RedCells red={node} />
                  </tr>
                ))}
              </tbody>
            </table>
          </Panel>
        )}
      </Loaded>
    </div>
  );
}

export function ServicePage({ name }: { name: string }) {
  const [query] = useQueryState();
  const nodeType = query.nodeType === "database" || query.nodeType === "queue" || query.nodeType === "peer" ? query.nodeType : "service";
  const range = useTimeRange("1h", liveMs);
  const params = { from: Math.round(range.fromMs), to: Math.round(range.toMs) };
  const path = `/api/v1/services/${encodeURIComponent(name)}`;
  const detail = useApi<ServiceDetail>(path, { ...params, nodeType });
  const series = useApi<NodeSeries>(`${path}/series`, { ...params, nodeType, operation: query.operation });
  const errors = useApi<ErrorCounts>("/api/v1/errors", { ...params, service: nodeType === "service" ? name : undefined });
  const incidents = useApi<IncidentList>("/api/v1/incidents", { ...params, service: nodeType === "service" ? name : undefined, limit: 20 });
  const charts = useMemo(() => {
    const data = series.data;
    if (!data) return undefined;
    const times = data.Points.map((p) => Date.parse(p.Time) / 1000);
    return {
      times,
      rate: [{ label: "requests/s", values: data.Points.map((p) => p.Calls / data.StepSeconds), color: "--series-1", fill: true }],
      errors: [{ label: "error rate", values: data.Points.map((p) => p.ErrorRate), color: "--series-bad", fill: true }],
      latency: [
        { label: "p50", values: data.Points.map((p) => p.P50Ms), color: "--series-1" },
        { label: "p95", values: data.Points.map((p) => p.P95Ms), color: "--series-2" },
        { label: "p99", values: data.Points.map((p) => p.P99Ms), color: "--series-3" },
      ],
    };
  }, [series.data]);
  return (
    <div class="page">
      <div class="page-head">
        <div>
          <p class="crumbs">
            <a href={href("/services")}>Service map</a> / {nodeType}
          </p>
          <h1>
            {name} {detail.data && <Language language={detail.data.SourceLanguage} />}
          </h1>
          {detail.data && (
            <p class="facts">
              {formatRate(detail.data.RequestsPerSecond)} · {formatPercent(detail.data.ErrorRate)} errors · p50 {formatMs(detail.data.P50Ms)} · p95 {formatMs(detail.data.P95Ms)} · p99 {formatMs(detail.data.P99Ms)}
              {query.operation && (
                <>
                  {" "}
                  · operation <span class="mono">{query.operation}</span> (<a href={href(`/services/${encodeURIComponent(name)}`, { ...query, operation: null })}>all operations</a>)
                </>
              )}
            </p>
          )}
          <p class="facts">
            <a href={href("/logs", { service: nodeType === "service" ? name : undefined, ...params })}>Logs</a>
          </p>
        </div>
        <TimeRangePicker range={range} />
      </div>
      <div class="grid-3">
        <Panel title="Rate">
          <Loaded state={series} what="the series">
            {() => charts && <TimeChart times={charts.times} series={charts.rate} formatValue={(v) => formatRate(v)} label={`${name} requests per second`} />}
          </Loaded>
        </Panel>
        <Panel title="Error rate">
          <Loaded state={series} what="the series">
            {() => charts && <TimeChart times={charts.times} series={charts.errors} formatValue={(v) => formatPercent(v, 0)} label={`${name} error rate`} />}
          </Loaded>
        </Panel>
        <Panel title="Duration">
          <Loaded state={series} what="the series">
            {() => charts && <TimeChart times={charts.times} series={charts.latency} formatValue={(v) => formatMs(v)} label={`${name} latency percentiles`} />}
          </Loaded>
        </Panel>
      </div>
      <Panel title="Operations">
        <Loaded state={detail} what={`${name}'s operations`}>
          {(data) => (
            <table class="table operations-table">
              <thead>
                <tr>
                  <th>Operation</th>
                  <th class="num">Calls</th>
                  <RedHeaders />
                </tr>
              </thead>
              <tbody>
                {data.Operations.map((op) => (
                  <tr class={query.operation === op.Operation ? "selected" : ""}>
                    <td>
                      <a class="mono" href={href(`/services/${encodeURIComponent(name)}`, { ...query, operation: op.Operation })}>
                        {op.Operation}
                      </a>
                    </td>
                    <td class="num">{formatCount(op.Calls)}</td>
                    <RedCells red={op} />
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Loaded>
      </Panel>
      <div class="grid-2">
        <Panel title="Errors by code" actions={<a href={href("/errors", { service: nodeType === "service" ? name : undefined, ...params })}>All errors</a>}>
          {nodeType !== "service" ? (
            <Empty>Errors of a {nodeType} are recorded by its callers: see their pages.</Empty>
          ) : (
            <Loaded state={errors} what="errors">
              {(data) =>
                data.Errors.length === 0 ? (
                  <Empty>No error in this range.</Empty>
                ) : (
                  <table class="table compact">
                    <tbody>
                      {data.Errors.map((group) => (
                        <tr>
                          <td>
                            <CodeBadge code={group.ErrorCode} /> {group.ErrorFingerprint && <span class="mono small">{group.ErrorFingerprint}</span>}
                          </td>
                          <td class="num">{formatCount(group.Count)}</td>
                          <td class="muted small">{group.SampleMessages[0]}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )
              }
            </Loaded>
          )}
        </Panel>
        <Panel title="Incidents">
          <Loaded state={incidents} what="incidents">
            {(data) =>
              data.Incidents.length === 0 ? (
                <Empty>No incident involved {name} in this range.</Empty>
              ) : (
                <ul class="plain-list">
                  {data.Incidents.map((incident) => (
                    <li>
                      <StatusBadge status={incident.Status} /> <a href={href(`/incidents/${incident.IncidentId}`)}>{incident.Title}</a> <Time value={incident.StartedAt} />
                    </li>
                  ))}
                </ul>
              )
            }
          </Loaded>
        </Panel>
      </div>
    </div>
  );
}
