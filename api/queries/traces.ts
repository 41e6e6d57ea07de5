// SQL behind the trace routes. The trace-id lookup table bounds the scan to the trace's own time
// range, as the Collector's layout intends (otel_traces is ordered by service and time, not id).
import { calleeTypeSql, peerNameSql } from "../../correlator/index.js";
import type { Store } from "../../store/index.js";
import { tenantCondition } from "../caller.js";

export interface SpanRecord {
  Timestamp: string;
  TimestampNs: string;
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  TraceState: string;
  SpanName: string;
  SpanKind: string;
  ServiceName: string;
  ResourceAttributes: Record<string, string>;
  ScopeName: string;
  ScopeVersion: string;
  SpanAttributes: Record<string, string>;
  Duration: string;
  StatusCode: string;
  StatusMessage: string;
  "Events.Timestamp": string[];
  "Events.Name": string[];
  "Events.Attributes": Record<string, string>[];
  "Links.TraceId": string[];
  "Links.SpanId": string[];
  ErrorCode: string;
  ErrorRetryable: boolean;
  ErrorMessage: string;
  SourceLanguage: string;
  Tenant: string;
  /** For a client or producer span: the callee it names and its kind, as the correlator names nodes. */
  Peer: string;
  PeerType: "database" | "queue" | "peer";
}

/** The spans of one trace that belong to `tenant` (trace ids are chosen by producers, so two tenants may share one). */
export async function spansOfTrace(store: Store, tenant: string, traceId: string, limit: number): Promise<SpanRecord[]> {
  return store.query<SpanRecord>(
    `WITH (SELECT (min(Start), max(End)) FROM {{db}}.otel_traces_trace_id_ts WHERE TraceId = {traceId:String}) AS bounds
     SELECT Timestamp, toString(toUnixTimestamp64Nano(Timestamp)) AS TimestampNs, TraceId, SpanId, ParentSpanId, TraceState,
            SpanName, SpanKind, ServiceName, ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes,
            toString(Duration) AS Duration, StatusCode, StatusMessage,
            Events.Timestamp, Events.Name, Events.Attributes, Links.TraceId, Links.SpanId,
            ErrorCode, ErrorRetryable, ErrorMessage, SourceLanguage, Tenant, ${peerNameSql} AS Peer, ${calleeTypeSql} AS PeerType
     FROM {{db}}.otel_traces
     WHERE TraceId = {traceId:String} AND ${tenantCondition()}
       AND Timestamp >= toDateTime64(bounds.1, 9) AND Timestamp < toDateTime64(bounds.2, 9) + INTERVAL 1 SECOND
     ORDER BY Timestamp, SpanId
     LIMIT {limit:UInt32}`,
    { tenant, traceId, limit },
  );
}
