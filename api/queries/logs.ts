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

/** The first time slice a search reads (one of the table's five-minute buckets), and how each next one grows. */
const firstSliceSeconds = 300;
const sliceGrowth = 8;

/**
 * Newest first, read in time slices from the end of the range backwards (5 min, then 40, 320, …)
 * until the page is full, each slice a query of its own. Why: the table is sorted by
 * (toStartOfFiveMinutes(Timestamp), ServiceName, Timestamp), so the exact order newest first is
 * only a prefix of it, and measured at 100M log records ClickHouse then reads far past the first
 * page — 60M rows for a phrase whose first 50 matches are in the newest seconds
 * (docs/query-performance.md). A slice holds the page, or the next slice is read for the rest; a
 * phrase that matches little still reads the range once (slices do not overlap).
 * Within a slice, the order is written as the sorting key's prefix (five-minute bucket, then
 * Timestamp: the same order as Timestamp alone).
 */
export async function searchLogs(store: Store, filter: LogFilter): Promise<LogRecordOut[]> {
  const found: LogRecordOut[] = [];
  // Rows of the page's offset not yet passed: a later page counts each slice's matches first and
  // skips the slices that lie wholly before it (memory stays one page).
  let skip = filter.offset;
  for (let to = filter.toSeconds, width = firstSliceSeconds; to > filter.fromSeconds && found.length < filter.limit; to -= width, width *= sliceGrowth) {
    const slice = sliceParams(filter, Math.max(filter.fromSeconds, to - width), to);
    if (skip > 0) {
      const [row] = await store.query<{ Matches: string }>(`SELECT count() AS Matches FROM {{db}}.otel_logs WHERE ${sliceConditions}`, slice);
      const matches = Number(row?.Matches ?? 0);
      if (matches <= skip) {
        skip -= matches;
        continue;
      }
    }
    const rows = await store.query<LogRecordOut>(
      `SELECT ${logColumns} FROM {{db}}.otel_logs WHERE ${sliceConditions}
       ORDER BY toStartOfFiveMinutes(Timestamp) DESC, Timestamp DESC LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
      { ...slice, limit: filter.limit - found.length, offset: skip },
    );
    found.push(...rows);
    skip = 0;
  }
  return found;
}

const sliceConditions = `TimestampTime >= toDateTime({from:UInt32}) AND TimestampTime < toDateTime({to:UInt32})
       AND ${tenantCondition()}
       AND ({service:String} = '' OR ServiceName = {service:String})
       AND SeverityNumber >= {minSeverity:UInt8}
       AND ({code:String} = '' OR ErrorCode = {code:String})
       AND ({traceId:String} = '' OR TraceId = {traceId:String})
       AND ({text:String} = '' OR positionCaseInsensitiveUTF8(Body, {text:String}) > 0)`;

/** The query parameters of one slice, [fromSeconds, toSeconds), of a search. */
function sliceParams(filter: LogFilter, fromSeconds: number, toSeconds: number) {
  return {
    tenant: filter.tenant,
    from: fromSeconds,
    to: toSeconds,
    service: filter.service ?? "",
    minSeverity: filter.minSeverityNumber ?? 0,
    code: filter.errorCode ?? "",
    traceId: filter.traceId ?? "",
    text: filter.text ?? "",
  };
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
