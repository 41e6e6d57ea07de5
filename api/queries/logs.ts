import type { Store } from "../../store/index.js";
import { tenantCondition } from "../caller.js";

export interface LogFilter {
  /** The caller's tenant ('*': all). */
  tenant: string;
  fromSeconds: number;
  toSeconds: number;
  service?: string;
  minSeverityNumber?: number;
  errorCode?: string;
  text?: string;
  traceId?: string;
  limit: number;
  offset: number;
}

export interface LogRecordOut {
  Timestamp: string;
  ServiceName: string;
  SeverityText: string;
  SeverityNumber: number;
  Body: string;
  TraceId: string;
  SpanId: string;
  ErrorCode: string;
  SourceLanguage: string;
  LogFormat: string;
  LogAttributes: Record<string, string>;
}

const logColumns = "Timestamp, ServiceName, SeverityText, SeverityNumber, Body, TraceId, SpanId, ErrorCode, SourceLanguage, LogFormat, LogAttributes";

/**
 * Newest first. The order is written as the table's sorting-key prefix
 * (toStartOfFiveMinutes(Timestamp), then Timestamp: the same order as Timestamp alone), so that
 * ClickHouse reads the newest five-minute ranges first and stops at the page's end instead of
 * reading and sorting the whole range (docs/query-performance.md).
 */
export async function searchLogs(store: Store, filter: LogFilter): Promise<LogRecordOut[]> {
  return store.query<LogRecordOut>(
    `SELECT ${logColumns} FROM {{db}}.otel_logs
     WHERE TimestampTime >= toDateTime({from:UInt32}) AND TimestampTime < toDateTime({to:UInt32})
       AND ${tenantCondition()}
       AND ({service:String} = '' OR ServiceName = {service:String})
       AND SeverityNumber >= {minSeverity:UInt8}
       AND ({code:String} = '' OR ErrorCode = {code:String})
       AND ({traceId:String} = '' OR TraceId = {traceId:String})
       AND ({text:String} = '' OR positionCaseInsensitiveUTF8(Body, {text:String}) > 0)
     ORDER BY toStartOfFiveMinutes(Timestamp) DESC, Timestamp DESC LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
    {
      tenant: filter.tenant,
      from: filter.fromSeconds,
      to: filter.toSeconds,
      service: filter.service ?? "",
      minSeverity: filter.minSeverityNumber ?? 0,
      code: filter.errorCode ?? "",
      traceId: filter.traceId ?? "",
      text: filter.text ?? "",
      limit: filter.limit,
      offset: filter.offset,
    },
  );
}

/** The log lines of one trace of `tenant`, in time order (bounded by the trace's own time range). */
export async function logsOfTrace(store: Store, tenant: string, traceId: string, fromNs: string, toNs: string, limit = 1000): Promise<LogRecordOut[]> {
  return store.query<LogRecordOut>(
    `SELECT ${logColumns} FROM {{db}}.otel_logs
     WHERE TraceId = {traceId:String} AND ${tenantCondition()}
       AND Timestamp >= fromUnixTimestamp64Nano(toInt64({fromNs:String}) - 60000000000)
       AND Timestamp <= fromUnixTimestamp64Nano(toInt64({toNs:String}) + 60000000000)
     ORDER BY Timestamp LIMIT {limit:UInt32}`,
    { tenant, traceId, fromNs, toNs, limit },
  );
}
