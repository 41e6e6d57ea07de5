// Which store failures are the data's fault and which are the store's. Ingest retries a transient
// failure with backoff (the same insert succeeds once the store is back) and isolates the messages
// of a rejected insert (the same rows fail the same way every time) into the dead-letter topic.
//
// Classified by ClickHouse's error code and name (src/Common/ErrorCodes.cpp), which both drivers
// expose: chDB as `clickhouseCode` on its errors, @clickhouse/client as ClickHouseError `code`
// (digits) and `type` (the name); both also carry them in the text ("Code: 27. DB::Exception: …
// (CANNOT_PARSE_INPUT_ASSERTION_FAILED)"). Anything not known to be a rejection is transient: an
// unknown error stalls the partition with retries and ERROR logs, where calling it a rejection
// would move good data to the DLQ.

export type StoreFailureKind = "transient" | "rejected";

export interface StoreFailure {
  kind: StoreFailureKind;
  /** ClickHouse error code and name, when the error came from ClickHouse. */
  code?: number;
  name?: string;
}

/**
 * Errors the rows themselves cause: the same rows are refused the same way on every attempt, and a
 * part of them without the offending rows is accepted.
 */
const rejectionNames = new Set([
  "CANNOT_PARSE_TEXT", // 6
  "CANNOT_PARSE_ESCAPE_SEQUENCE", // 25
  "CANNOT_PARSE_QUOTED_STRING", // 26
  "CANNOT_PARSE_INPUT_ASSERTION_FAILED", // 27
  "CANNOT_PARSE_DATE", // 38
  "CANNOT_PARSE_DATETIME", // 41
  "TYPE_MISMATCH", // 53
  "ARGUMENT_OUT_OF_BOUND", // 69
  "CANNOT_CONVERT_TYPE", // 70
  "CANNOT_PARSE_NUMBER", // 72
  "CANNOT_PARSE_UUID", // 376
  "CANNOT_PARSE_IPV4", // 441
  "CANNOT_PARSE_IPV6", // 442
  "CANNOT_PARSE_BOOL", // 467
  "INCORRECT_DATA", // 117
  "TOO_LARGE_ARRAY_SIZE", // 128
  "CANNOT_READ_ARRAY_FROM_TEXT", // 130
  "TOO_LARGE_STRING_SIZE", // 131
  "VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE", // 321
  "CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN", // 349
  "VIOLATED_CONSTRAINT", // 469
  "SIZES_OF_ARRAYS_DONT_MATCH", // 190
  "SIZES_OF_NESTED_COLUMNS_ARE_INCONSISTENT", // 198
]);

const codeNames = new Map<number, string>([
  [6, "CANNOT_PARSE_TEXT"],
  [25, "CANNOT_PARSE_ESCAPE_SEQUENCE"],
  [26, "CANNOT_PARSE_QUOTED_STRING"],
  [27, "CANNOT_PARSE_INPUT_ASSERTION_FAILED"],
  [38, "CANNOT_PARSE_DATE"],
  [41, "CANNOT_PARSE_DATETIME"],
  [53, "TYPE_MISMATCH"],
  [69, "ARGUMENT_OUT_OF_BOUND"],
  [70, "CANNOT_CONVERT_TYPE"],
  [72, "CANNOT_PARSE_NUMBER"],
  [117, "INCORRECT_DATA"],
  [128, "TOO_LARGE_ARRAY_SIZE"],
  [130, "CANNOT_READ_ARRAY_FROM_TEXT"],
  [131, "TOO_LARGE_STRING_SIZE"],
  [190, "SIZES_OF_ARRAYS_DONT_MATCH"],
  [198, "SIZES_OF_NESTED_COLUMNS_ARE_INCONSISTENT"],
  [252, "TOO_MANY_PARTS"],
  [321, "VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE"],
  [349, "CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN"],
  [376, "CANNOT_PARSE_UUID"],
  [441, "CANNOT_PARSE_IPV4"],
  [442, "CANNOT_PARSE_IPV6"],
  [467, "CANNOT_PARSE_BOOL"],
  [469, "VIOLATED_CONSTRAINT"],
]);

const codeInText = /Code: (\d+)\./;
/** The last "(NAME)" of the innermost exception, as @clickhouse/client's parseError reads it. */
const nameInText = /\(((?=[A-Z0-9_]*[A-Z]{3})[A-Z0-9_]+)\)(?![\s\S]*\((?=[A-Z0-9_]*[A-Z]{3})[A-Z0-9_]+\))/;

/** Code and name of a ClickHouse error from either driver, looking through `cause` chains. */
export function clickhouseErrorOf(err: unknown): { code?: number; name?: string; message: string } {
  for (let e = err as { clickhouseCode?: unknown; code?: unknown; type?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    const message = typeof e.message === "string" ? e.message : String(e);
    let code = typeof e.clickhouseCode === "number" ? e.clickhouseCode : typeof e.code === "string" && /^\d+$/.test(e.code) ? Number(e.code) : undefined;
    let name = typeof e.type === "string" && /^[A-Z0-9_]+$/.test(e.type) ? e.type : undefined;
    code ??= codeInText.test(message) ? Number(codeInText.exec(message)![1]) : undefined;
    if (code !== undefined) {
      name ??= nameInText.exec(message)?.[1] ?? codeNames.get(code);
      return { code, name, message };
    }
  }
  return { message: (err as Error)?.message ?? String(err) };
}

/** Whether retrying can help (`transient`) or the rows are refused as they are (`rejected`). */
export function classifyStoreError(err: unknown): StoreFailure {
  const { code, name } = clickhouseErrorOf(err);
  if (code === undefined) return { kind: "transient" }; // sockets, timeouts, a closed session
  const known = name ?? codeNames.get(code);
  if (known && rejectionNames.has(known)) return { kind: "rejected", code, name: known };
  // TOO_MANY_PARTS is both the merge backlog ("Too many parts (N). Merges are processing
  // significantly slower than inserts": wait) and a block that spans too many partitions ("Too many
  // partitions for single INSERT block": the rows' timestamps; a smaller part of them is accepted).
  if (known === "TOO_MANY_PARTS" && /Too many partitions for single INSERT block/.test(clickhouseErrorOf(err).message)) return { kind: "rejected", code, name: known };
  return { kind: "transient", code, name: known };
}
