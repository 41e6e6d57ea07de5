// What a span says about the nodes of the system, whatever instrumentation wrote it. A node is a
// service that emits spans (server, consumer, or only client spans, like the database "services"
// of Jaeger's HotROD demo), or a callee named by a client/producer span's attributes that never
// answers with spans of its own (a database, a cache, a queue, an external API). The SQL here is
// shared by every correlator query; schemas/clickhouse/migrations/0050_correlator_nodes.sql
// repeats it for the RED view (a test checks they agree).
import type { NodeType } from "./types.js";

/** A span that calls something: a client or producer span. */
export const isCallSql = `SpanKind IN ('Client', 'Producer')`;

/**
 * The callee a call span names, most explicit first: peer.service; a queue's destination
 * (system:destination); server.address or the older net.peer.name (with the port, which tells
 * services on one host apart); the database system; the RPC service; the messaging system.
 */
export const peerNameSql = `multiIf(
    SpanAttributes['peer.service'] != '', SpanAttributes['peer.service'],
    SpanAttributes['messaging.destination.name'] != '',
      concat(if(SpanAttributes['messaging.system'] != '', SpanAttributes['messaging.system'], 'queue'), ':', SpanAttributes['messaging.destination.name']),
    SpanAttributes['server.address'] != '',
      if(SpanAttributes['server.port'] != '', concat(SpanAttributes['server.address'], ':', SpanAttributes['server.port']), SpanAttributes['server.address']),
    SpanAttributes['net.peer.name'] != '',
      if(SpanAttributes['net.peer.port'] != '', concat(SpanAttributes['net.peer.name'], ':', SpanAttributes['net.peer.port']), SpanAttributes['net.peer.name']),
    SpanAttributes['db.system.name'] != '', SpanAttributes['db.system.name'],
    SpanAttributes['db.system'] != '', SpanAttributes['db.system'],
    SpanAttributes['rpc.service'] != '', SpanAttributes['rpc.service'],
    SpanAttributes['messaging.system'] != '', SpanAttributes['messaging.system'],
    '')`;

/** What kind of callee a call span's attributes describe (a service answering with spans is decided later). */
export const calleeTypeSql = `multiIf(
    SpanAttributes['db.system'] != '' OR SpanAttributes['db.system.name'] != '', 'database',
    SpanAttributes['messaging.system'] != '', 'queue',
    'peer')`;

/** Node types: "service" emits spans; the others are callees seen only from their callers' call spans. */
export const calleeNodeTypes: readonly NodeType[] = ["database", "queue", "peer"];

export interface PeerResolution {
  /** Peer names whose calls were answered by a service's own span: name → that service. */
  aliases: ReadonlyMap<string, string>;
  /** Services that emit spans of their own in the window. */
  services: ReadonlySet<string>;
}

/**
 * The node a peer name stands for: the service that answered calls to that name (learned from
 * calls that did get a server span), else a service whose name is the name's first DNS label
 * ("payments.shop.svc.cluster.local:8443" → payments), else the peer itself.
 */
export function resolvePeer(name: string, resolution: PeerResolution): string {
  if (name === "" || resolution.services.has(name)) return name;
  const alias = resolution.aliases.get(name);
  if (alias) return alias;
  const host = name.replace(/:\d+$/, "");
  if (resolution.services.has(host)) return host;
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(host) && !host.includes("[")) {
    const label = host.split(".")[0]!;
    if (label !== host && resolution.services.has(label)) return label;
  }
  return name;
}
