-- Nodes from what the data says, whatever the instrumentation (correlator/nodes.ts has the same
-- expressions; a test checks they agree). The RED view now also measures every callee a client or
-- producer span names — peer.service, a queue destination, server.address / net.peer.name with
-- the port, db.system.name / db.system, rpc.service, messaging.system — as the callers see it, so
-- a database, a cache, a queue or a service that never answers with spans of its own is a node
-- with RED series; and a service whose spans are all client spans (the database "services" of
-- Jaeger's HotROD demo) is measured by them. The correlator judges a callee's client-side series
-- only when no service answers for it (instrumented callees are judged by their own spans).
DROP VIEW IF EXISTS {{db}}.braid_red_10s_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.braid_red_10s_mv TO {{db}}.braid_red_10s AS
SELECT
  Tenant,
  if(ToPeer, Peer, ServiceName) AS Node,
  if(ToPeer, PeerType, 'service') AS NodeType,
  SpanName AS Operation,
  if(ToPeer, '', SourceLanguage) AS SourceLanguage,
  toStartOfInterval(Timestamp, INTERVAL 10 SECOND) AS Bucket,
  count() AS Calls,
  countIf(StatusCode = 'Error') AS Errors,
  sum(Duration) AS DurationSum,
  quantilesTDigestState(0.5, 0.95, 0.99)(Duration) AS DurationQuantiles,
  sumMap(if(StatusCode = 'Error' AND ErrorCode != '', map(ErrorCode, toUInt64(1)), map())) AS ErrorCodes
FROM (
  SELECT *, IsCall AND Peer != '' AND Peer != ServiceName AS ToPeer
  FROM (
    SELECT *,
      SpanKind IN ('Client', 'Producer') AS IsCall,
      multiIf(
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
        '') AS Peer,
      multiIf(
        SpanAttributes['db.system'] != '' OR SpanAttributes['db.system.name'] != '', 'database',
        SpanAttributes['messaging.system'] != '', 'queue',
        'peer') AS PeerType
    FROM {{db}}.otel_traces
  )
)
WHERE IsCall OR SpanKind IN ('Server', 'Consumer') OR ParentSpanId = ''
GROUP BY Tenant, Node, NodeType, Operation, SourceLanguage, Bucket;

-- The name the caller's call spans give a service that answered them (server.address:port,
-- peer.service), so a failed call that never reached the service can be named by it.
ALTER TABLE {{db}}.braid_service_edges ADD COLUMN IF NOT EXISTS PeerName String DEFAULT '';

-- Independent causes of an incident (JSON), each ranked on its own evidence.
ALTER TABLE {{db}}.braid_incidents ADD COLUMN IF NOT EXISTS Causes String DEFAULT '';
