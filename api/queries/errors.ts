// Error counts per glossary code, service and language over a time range, from spans and log
// records together. Known codes are one group each; UNKNOWN errors are grouped by fingerprint,
// so new kinds of error show up as separate rows that can be promoted into the glossary.
import type { Store } from "../../store/index.js";
import { tenantCondition } from "../caller.js";

export interface ErrorCountFilter {
  /** The caller's tenant ('*': all). */
  tenant: string;
  fromMs: number;
  toMs: number;
  service?: string;
  language?: string;
  code?: string;
  fingerprint?: string;
  limit: number;
}

export interface ErrorCount {
  ErrorCode: string;
  ServiceName: string;
  SourceLanguage: string;
  /** The fingerprint for UNKNOWN groups; '' for known codes (one group per code). */
  ErrorFingerprint: string;
  Count: number;
  SpanCount: number;
  LogCount: number;
  Retryable: boolean;
  /** Nanoseconds since the epoch, as decimal strings. */
  FirstSeen: string;
  LastSeen: string;
  /** Up to SAMPLE_MESSAGES distinct error messages of the group. */
  SampleMessages: string[];
}

export const SAMPLE_MESSAGES = 3;

// Both tables filtered on their time keys first (logs: TimestampTime, the primary key column).
/** The same filters on spans and on logs: error rows only, then the optional request filters. */
const errorFilters = `ErrorCode != ''
    AND ${tenantCondition()}
    AND ({service:String} = '' OR ServiceName = {service:String})
    AND ({language:String} = '' OR SourceLanguage = {language:String})
    AND ({code:String} = '' OR ErrorCode = {code:String})
    AND ({fingerprint:String} = '' OR ErrorFingerprint = {fingerprint:String})`;

const errorsSql = `
SELECT
  ErrorCode,
  ServiceName,
  SourceLanguage,
  if(ErrorCode = 'UNKNOWN', ErrorFingerprint, '') AS GroupFingerprint,
  toUInt64(count()) AS Count,
  toUInt64(countIf(Signal = 'span')) AS SpanCount,
  toUInt64(countIf(Signal = 'log')) AS LogCount,
  max(ErrorRetryable) AS Retryable,
  toString(toUnixTimestamp64Nano(min(Timestamp))) AS FirstSeen,
  toString(toUnixTimestamp64Nano(max(Timestamp))) AS LastSeen,
  arraySlice(arraySort(groupUniqArray(64)(ErrorMessage)), 1, ${SAMPLE_MESSAGES}) AS SampleMessages
FROM (
  SELECT Timestamp, ErrorCode, ErrorRetryable, ErrorFingerprint, ErrorMessage, ServiceName, SourceLanguage, 'span' AS Signal
  FROM {{db}}.otel_traces
  WHERE Timestamp >= fromUnixTimestamp64Milli({fromMs:Int64}) AND Timestamp < fromUnixTimestamp64Milli({toMs:Int64})
    AND ${errorFilters}
  UNION ALL
  SELECT Timestamp, ErrorCode, ErrorRetryable, ErrorFingerprint, ErrorMessage, ServiceName, SourceLanguage, 'log' AS Signal
  FROM {{db}}.otel_logs
  WHERE TimestampTime >= toDateTime(intDiv({fromMs:Int64}, 1000)) AND TimestampTime <= toDateTime(intDiv({toMs:Int64}, 1000))
    AND Timestamp >= fromUnixTimestamp64Milli({fromMs:Int64}) AND Timestamp < fromUnixTimestamp64Milli({toMs:Int64})
    AND ${errorFilters}
)
GROUP BY ErrorCode, ServiceName, SourceLanguage, GroupFingerprint
ORDER BY Count DESC, ErrorCode, ServiceName, SourceLanguage, GroupFingerprint
LIMIT {limit:UInt32}`;

interface RawErrorCount extends Omit<ErrorCount, "Count" | "SpanCount" | "LogCount" | "Retryable" | "ErrorFingerprint"> {
  GroupFingerprint: string;
  Count: string | number;
  SpanCount: string | number;
  LogCount: string | number;
  Retryable: boolean | number;
}

export async function countErrors(store: Store, filter: ErrorCountFilter): Promise<ErrorCount[]> {
  const rows = await store.query<RawErrorCount>(errorsSql, {
    tenant: filter.tenant,
    fromMs: filter.fromMs,
    toMs: filter.toMs,
    service: filter.service ?? "",
    language: filter.language ?? "",
    code: filter.code ?? "",
    fingerprint: filter.fingerprint ?? "",
    limit: filter.limit,
  });
  return rows.map((row) => ({
    ErrorCode: row.ErrorCode,
    ServiceName: row.ServiceName,
    SourceLanguage: row.SourceLanguage,
    ErrorFingerprint: row.GroupFingerprint,
    Count: Number(row.Count),
    SpanCount: Number(row.SpanCount),
    LogCount: Number(row.LogCount),
    Retryable: Boolean(row.Retryable),
    FirstSeen: row.FirstSeen,
    LastSeen: row.LastSeen,
    SampleMessages: row.SampleMessages,
  }));
}
