// How canonical rows (schemas/rows.ts) are written to ClickHouse as JSONEachRow. Two kinds of
// values cannot go over the wire as the normalizer holds them:
//
// - Times. A canonical time is nanoseconds in a decimal string. Quoted digits are parsed by
//   ClickHouse's best-effort date parser by their length (10 digits are seconds, 13 milliseconds,
//   19 nanoseconds, and "0" or 11 digits are errors: "Cannot read DateTime"), and a DateTime
//   column (the metrics tables of the v0.165 exporter layout) reads them as seconds. So a time is
//   written as UTC date-time text with nine fractional digits, "1970-01-01T00:00:00.000000000Z",
//   which DateTime64(9) reads exactly and DateTime reads to the second, on either layout.
// - NaN and ±Infinity, which JSON.stringify turns into null (stored as 0): written as the strings
//   "nan", "inf", "-inf", which ClickHouse reads into Float64.
//
// Rows of other tables (Braid's own braid_* tables) are passed through unchanged.
import { encodedColumnsByTable, MAX_STORABLE_NANOS, type EncodedColumns } from "../schemas/rows.js";

const digits = /^\d+$/;

// One-entry cache of the date-time text of a whole second: the rows of a batch mostly share it.
let cachedSecond = -1;
let cachedPrefix = "";

function secondPrefix(second: number): string {
  if (second !== cachedSecond) {
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 19);
    cachedSecond = second;
  }
  return cachedPrefix;
}

/**
 * Nanoseconds (decimal string) as ClickHouse date-time text, exact to the nanosecond; values past
 * DateTime64(9)'s last instant are written as that instant. Anything that is not a decimal string
 * is returned as it is (ClickHouse then says what is wrong with it).
 */
export function nanosToDateTimeText(nanos: unknown): unknown {
  if (typeof nanos !== "string" || !digits.test(nanos)) return nanos;
  let value = nanos.length > 1 && nanos.charCodeAt(0) === 48 ? nanos.replace(/^0+(?=\d)/, "") : nanos;
  if (value.length > 19 || (value.length === 19 && value > MAX_STORABLE_NANOS)) value = MAX_STORABLE_NANOS;
  const second = value.length > 9 ? Number(value.slice(0, -9)) : 0;
  const fraction = value.length > 9 ? value.slice(-9) : value.padStart(9, "0");
  return `${secondPrefix(second)}.${fraction}Z`;
}

/** A Float64 value as JSON can carry it: non-finite numbers as ClickHouse's "nan", "inf", "-inf". */
export function floatForJson(value: unknown): unknown {
  if (typeof value !== "number" || Number.isFinite(value)) return value;
  return Number.isNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";
}

function mapArray(value: unknown, encode: (item: unknown) => unknown): unknown {
  return Array.isArray(value) ? value.map(encode) : value;
}

function hasNonFinite(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (const item of value) if (typeof item === "number" && !Number.isFinite(item)) return true;
  return false;
}

function encodeRow(row: Record<string, unknown>, columns: EncodedColumns): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row };
  for (const column of columns.times) if (column in out) out[column] = nanosToDateTimeText(out[column]);
  for (const column of columns.timeArrays) if (column in out) out[column] = mapArray(out[column], nanosToDateTimeText);
  for (const column of columns.floats) if (column in out) out[column] = floatForJson(out[column]);
  for (const column of columns.floatArrays) if (hasNonFinite(out[column])) out[column] = mapArray(out[column], floatForJson);
  return out;
}

/** The rows of `table` as they are sent to ClickHouse (new objects; the caller's rows are not changed). */
export function encodeRowsForInsert(table: string, rows: readonly object[]): readonly object[] {
  const columns = (encodedColumnsByTable as Record<string, EncodedColumns | undefined>)[table];
  if (!columns) return rows;
  return rows.map((row) => encodeRow(row as Record<string, unknown>, columns));
}

/**
 * The rows of `table` as JSONEachRow text, encoded as encodeRowsForInsert does. For the embedded
 * driver, which serializes right away: the few encoded columns are swapped in and back around
 * JSON.stringify instead of copying every row (synchronous, so no one sees the swap).
 */
export function serializeRowsForInsert(table: string, rows: readonly object[]): string {
  const columns = (encodedColumnsByTable as Record<string, EncodedColumns | undefined>)[table];
  if (!columns) return rows.map((row) => JSON.stringify(row)).join("\n");
  const lines = new Array<string>(rows.length);
  const names = [...columns.times, ...columns.timeArrays, ...columns.floats, ...columns.floatArrays];
  const saved = new Array<unknown>(names.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as Record<string, unknown>;
    let i = 0;
    for (const column of columns.times) {
      saved[i++] = row[column];
      if (column in row) row[column] = nanosToDateTimeText(row[column]);
    }
    for (const column of columns.timeArrays) {
      saved[i++] = row[column];
      if (column in row) row[column] = mapArray(row[column], nanosToDateTimeText);
    }
    for (const column of columns.floats) {
      saved[i++] = row[column];
      if (column in row) row[column] = floatForJson(row[column]);
    }
    for (const column of columns.floatArrays) {
      saved[i++] = row[column];
      if (hasNonFinite(row[column])) row[column] = mapArray(row[column], floatForJson);
    }
    try {
      lines[r] = JSON.stringify(row);
    } finally {
      for (let k = 0; k < names.length; k++) if (names[k]! in row) row[names[k]!] = saved[k];
    }
  }
  return lines.join("\n");
}
