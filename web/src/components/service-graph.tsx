// The service map as an SVG laid out by dagre (callers left, callees right): services and
// databases as nodes, coloured by their current anomaly, caller → callee edges labelled with
// rate, error rate and p95. Nodes are links to the service's page.
import dagre from "@dagrejs/dagre";
import { useLocation } from "preact-iso";
import { useMemo } from "preact/hooks";
import type { NodeType } from "../api-types.js";

export type NodeState = "ok" | "errors" | "latency" | "idle";

export interface GraphNode {
  id: string;
  type: NodeType;
  label: string;
  detail?: string;
  state: NodeState;
  /** Marked as the root cause (the incident view). */
  marked?: boolean;
  href?: string;
}

export interface GraphEdge {
  from: string;
  to: string;
  label?: string;
  failing?: boolean;
}

const nodeWidth = 170;
/** Callees without spans of their own, told apart at a glance. */
const calleeIcon: Record<NodeType, string> = { service: "", database: "⛁ ", queue: "☰ ", peer: "↗ " };
const nodeHeight = 50;

interface Layout {
  width: number;
  height: number;
  nodes: (GraphNode & { x: number; y: number })[];
  edges: (GraphEdge & { points: { x: number; y: number }[]; labelX: number; labelY: number })[];
}

function layout(nodes: GraphNode[], edges: GraphEdge[]): Layout {
  const graph = new dagre.graphlib.Graph({ multigraph: false });
  graph.setGraph({ rankdir: "LR", nodesep: 28, ranksep: 110, edgesep: 16, marginx: 12, marginy: 12 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes) graph.setNode(node.id, { width: nodeWidth, height: nodeHeight });
  const known = new Set(nodes.map((n) => n.id));
  const drawn = edges.filter((edge) => known.has(edge.from) && known.has(edge.to) && edge.from !== edge.to);
  for (const edge of drawn) graph.setEdge(edge.from, edge.to, { width: edge.label ? 120 : 0, height: edge.label ? 16 : 0, labelpos: "c" });
  dagre.layout(graph);
  const info = graph.graph();
  return {
    width: Math.ceil(info.width ?? 0),
    height: Math.ceil(info.height ?? 0),
    nodes: nodes.map((node) => {
      const placed = graph.node(node.id);
      return { ...node, x: placed.x, y: placed.y };
    }),
    edges: drawn.map((edge) => {
      const placed = graph.edge(edge.from, edge.to);
      const points = placed.points ?? [];
      const middle = points[Math.floor(points.length / 2)] ?? { x: 0, y: 0 };
      return { ...edge, points, labelX: placed.x ?? middle.x, labelY: placed.y ?? middle.y };
    }),
  };
}

const path = (points: { x: number; y: number }[]) => points.map((p, i) => `${i === 0 ? "M" : "L"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ");

export function ServiceGraph({ nodes, edges, label }: { nodes: GraphNode[]; edges: GraphEdge[]; label: string }) {
  const placed = useMemo(() => layout(nodes, edges), [nodes, edges]);
  const location = useLocation();
  return (
    <div class="graph-scroll">
      <svg class="service-graph" viewBox={`0 0 ${placed.width} ${placed.height}`} width={placed.width} height={placed.height} role="img" aria-label={label}>
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" class="arrow-head" />
          </marker>
        </defs>
        {placed.edges.map((edge) => (
          <g class={`edge ${edge.failing ? "edge-failing" : ""}`} data-edge={`${edge.from}->${edge.to}`}>
            <path d={path(edge.points)} marker-end="url(#arrow)" />
            {edge.label && (
              <text x={edge.labelX} y={edge.labelY - 5} text-anchor="middle" class="edge-label">
                {edge.label}
              </text>
            )}
          </g>
        ))}
        {placed.nodes.map((node) => {
          const body = (
            <g class={`node node-${node.type} state-${node.state} ${node.marked ? "node-marked" : ""}`} transform={`translate(${node.x - nodeWidth / 2},${node.y - nodeHeight / 2})`} data-node={node.id}>
              <rect width={nodeWidth} height={nodeHeight} rx={node.type === "service" ? 5 : 18} />
              <text x={nodeWidth / 2} y={node.detail ? 21 : 30} text-anchor="middle" class="node-label">
                {calleeIcon[node.type]}
                {node.label.length > 22 ? `${node.label.slice(0, 21)}…` : node.label}
              </text>
              {node.detail && (
                <text x={nodeWidth / 2} y="38" text-anchor="middle" class="node-detail">
                  {node.detail}
                </text>
              )}
              {node.marked && (
                <text x={nodeWidth - 6} y="-5" text-anchor="end" class="node-mark">
                  root cause
                </text>
              )}
              <title>{`${node.label} (${node.type}, ${node.state === "ok" ? "healthy" : node.state === "idle" ? "no calls" : node.state})`}</title>
            </g>
          );
          return node.href ? (
            <a
              href={node.href}
              aria-label={`${node.label}: open its page`}
              onClick={(event) => {
                // The router follows HTML links only; an SVG link is routed here without a reload.
                if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
                event.preventDefault();
                location.route(node.href!);
              }}
            >
              {body}
            </a>
          ) : (
            body
          );
        })}
      </svg>
    </div>
  );
}
