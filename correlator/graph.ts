// The service dependency graph: caller → callee edges between services (a parent span in one
// service with a child span in another) and from services to the databases their client spans
// call. Pure: edge rows in, graph and distances out.
import type { DependencyGraph, Edge } from "./types.js";

export function buildDependencyGraph(edges: readonly Edge[]): DependencyGraph {
  const merged = new Map<string, Edge>();
  for (const edge of edges) {
    if (edge.caller === edge.callee) continue;
    const key = `${edge.caller}\u0000${edge.callee}`;
    const existing = merged.get(key);
    if (existing) {
      existing.calls += edge.calls;
      existing.errors += edge.errors;
    } else merged.set(key, { ...edge });
  }
  const graph: DependencyGraph = { nodes: new Set(), edges: [...merged.values()], downstream: new Map(), upstream: new Map() };
  for (const edge of graph.edges) {
    graph.nodes.add(edge.caller).add(edge.callee);
    if (!graph.downstream.has(edge.caller)) graph.downstream.set(edge.caller, new Set());
    if (!graph.upstream.has(edge.callee)) graph.upstream.set(edge.callee, new Set());
    graph.downstream.get(edge.caller)!.add(edge.callee);
    graph.upstream.get(edge.callee)!.add(edge.caller);
  }
  return graph;
}

/** Hops between two nodes ignoring direction, or Infinity when unconnected (or unknown). */
export function undirectedDistance(graph: DependencyGraph, from: string, to: string, maxHops: number): number {
  if (from === to) return 0;
  let frontier = new Set([from]);
  const seen = new Set([from]);
  for (let hops = 1; hops <= maxHops; hops++) {
    const next = new Set<string>();
    for (const node of frontier) {
      for (const neighbour of [...(graph.downstream.get(node) ?? []), ...(graph.upstream.get(node) ?? [])]) {
        if (neighbour === to) return hops;
        if (!seen.has(neighbour)) {
          seen.add(neighbour);
          next.add(neighbour);
        }
      }
    }
    frontier = next;
  }
  return Number.POSITIVE_INFINITY;
}

/** Every node reachable downstream of `node` (its callees, their callees, ...). */
export function downstreamOf(graph: DependencyGraph, node: string): Set<string> {
  const out = new Set<string>();
  const stack = [...(graph.downstream.get(node) ?? [])];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (out.has(next) || next === node) continue;
    out.add(next);
    stack.push(...(graph.downstream.get(next) ?? []));
  }
  return out;
}
