/** One Kafka message as ingest sees it, independent of the client library. */
export interface IngestMessage {
  topic: string;
  partition: number;
  /** Kafka offset as a decimal string (int64). */
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Header values decoded as UTF-8; repeated headers keep the last value. */
  headers: Record<string, string>;
  /** Producer or log-append time, milliseconds since the epoch, as a string. */
  timestamp: string;
}

export function headersToStrings(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const [name, value] of Object.entries(headers)) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last === undefined || last === null) continue;
    out[name] = Buffer.isBuffer(last) ? last.toString("utf8") : String(last);
  }
  return out;
}
