// RED summaries and the service map, from the correlator's braid_red_10s view and edge table.
import { peerAliases, readEdges, resolvePeer, type EdgeRow } from "../../correlator/index.js";
import type { Store } from "../../store/index.js";
import { tenantCondition } from "../caller.js";

export interface NodeSummary {
  Node: string;
  NodeType: string;
  SourceLanguage: string;
  Calls: number;
  Errors: number;
  P50Ms: number;
  P95Ms: number;
  P99Ms: number;
  Operations: string[];
}

/** RED per node of `tenant` ('*': all tenants, the same node name summed across them). */
export async function nodeSummaries(store: Store, tenant: string, fromSeconds: number, toSeconds: number, nodeType?: "service" | "database"): Promise<NodeSummary[]> {
  const rows = await store.query<{ Node: string; NodeType: string; SourceLanguage: string; Calls: string; Errors: string; Q: number[]; Operations: string[] }>(
    `SELECT Node, NodeType, anyIf(SourceLanguage, SourceLanguage != '') AS SourceLanguage, sum(Calls) AS Calls, sum(Errors) AS Errors,
            quantilesTDigestMerge(0.5, 0.95, 0.99)(DurationQuantiles) AS Q, arraySort(groupUniqArray(100)(Operation)) AS Operations
     FROM {{db}}.braid_red_10s
     WHERE ${tenantCondition()} AND Bucket >= toDateTime({from:UInt32}) AND Bucket < toDateTime({to:UInt32}) AND ({nodeType:String} = '' OR NodeType = {nodeType:String})
     GROUP BY Node, NodeType ORDER BY Node`,
    { tenant, from: fromSeconds, to: toSeconds, nodeType: nodeType ?? "" },
  );
  const ms = (ns: number | undefined) => Math.round(Number(ns ?? 0) / 1e3) / 1e3;
  return rows.map((row) => ({
    Node: row.Node,
    NodeType: row.NodeType,
    SourceLanguage: row.SourceLanguage || "unknown",
    Calls: Number(row.Calls),
    Errors: Number(row.Errors),
    P50Ms: ms(row.Q[0]),
    P95Ms: ms(row.Q[1]),
    P99Ms: ms(row.Q[2]),
    Operations: row.Operations,
  }));
}

export async function serviceMapEdges(store: Store, tenant: string, fromSeconds: number, toSeconds: number) {
  return readEdges(store, fromSeconds, toSeconds, tenant);
}

/**
 * The map's nodes: every service, and every callee seen only from its callers' call spans (a
 * database, a queue, a peer that never answers with spans). A callee that is a service, under its
 * own name or an address callers use for it, is shown once, by its own spans.
 */
export function mapNodes(nodes: readonly NodeSummary[], edges: readonly EdgeRow[]): NodeSummary[] {
  const services = new Set(nodes.filter((n) => n.NodeType === "service").map((n) => n.Node));
  const resolution = { services, aliases: peerAliases(edges) };
  return nodes.filter((n) => n.NodeType === "service" || !services.has(resolvePeer(n.Node, resolution)));
}
