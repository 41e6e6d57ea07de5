// Canonical rows (schemas/rows.ts) as one block of ClickHouse's Native format: column after column,
// each in its binary form, the format ClickHouse itself writes between servers. Why Native and not
// JSONEachRow: measured on this machine with 100k rows of the benchmark's spans (bench/ingest.ts),
// chDB inserting into otel_traces with every view costs 7.6 µs of CPU per row from a Native block,
// the same as INSERT … SELECT inside the store (7.7), against 16–27 µs from JSONEachRow, 15 from
// TabSeparated and 14 from RowBinary (which builds the columns row by row); and writing a Native
// block in JavaScript costs less than JSON.stringify (no escaping, no number formatting, shared
// attribute maps written once).
//
// The block is written for the table's actual column types, read from the store
// (system.columns), so the same rows fit either exporter layout (e.g. a metric time is DateTime64(9)
// in the v0.150 layout and DateTime in v0.165). LowCardinality(T) columns are sent as T (the server
// converts, as it does for any INSERT); MATERIALIZED and ALIAS columns are not sent, and a DEFAULT
// column that no row has is left to its default.
//
// Values follow the canonical rows' conventions: times are nanoseconds in decimal strings (written
// to DateTime64(p) at its precision, DateTime as seconds), 64-bit integers decimal strings or
// numbers, Float64 any double (NaN and ±Infinity as they are), maps plain objects of strings. A value
// the column cannot hold is a RowEncodingError (the store rejects the rows as data: they are
// isolated and dead-lettered, never retried).

/** A column of the target table as the store describes it. */
export interface TableColumn {
  name: string;
  /** The ClickHouse type, e.g. "Map(LowCardinality(String), String)". */
  type: string;
  /** system.columns default_kind: '', 'DEFAULT', 'MATERIALIZED', 'ALIAS', 'EPHEMERAL'. */
  defaultKind?: string;
}

/** Rows of one table as a Native block, ready for the store. */
export interface EncodedBlock {
  format: "Native";
  data: Uint8Array;
  rows: number;
  /** Column names, in the block's order. */
  columns: readonly string[];
  /** Their types as written in the block (LowCardinality dropped). */
  types: readonly string[];
}

/** A value that the column's type cannot hold (a rejection of the data, not a store failure). */
export class RowEncodingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RowEncodingError";
  }
}

// ---------- bytes ----------

const MAX_SHORT_ASCII = 48;

/** A growable buffer with the little-endian writers the Native format needs. */
export class ByteWriter {
  buf: Buffer;
  pos = 0;
  constructor(initial = 1 << 16) {
    this.buf = Buffer.allocUnsafeSlow(initial);
  }
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafeSlow(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  u8(value: number): void {
    this.ensure(1);
    this.buf[this.pos++] = value;
  }
  u32(value: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
  }
  /** 64 bits from two 32-bit words. */
  words(lo: number, hi: number): void {
    this.ensure(8);
    this.buf.writeUInt32LE(lo >>> 0, this.pos);
    this.buf.writeUInt32LE(hi >>> 0, this.pos + 4);
    this.pos += 8;
  }
  f64(value: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }
  f32(value: number): void {
    this.ensure(4);
    this.buf.writeFloatLE(value, this.pos);
    this.pos += 4;
  }
  varint(value: number): void {
    this.ensure(10);
    while (value >= 0x80) {
      this.buf[this.pos++] = (value & 0x7f) | 0x80;
      value = Math.floor(value / 128);
    }
    this.buf[this.pos++] = value;
  }
  bytes(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }
  /** A string as UTF-8 with its varint length (Native String). */
  string(value: string): void {
    const length = value.length;
    if (length <= MAX_SHORT_ASCII) {
      // Most values are short ASCII: written here, without a call into C++.
      this.ensure(1 + length);
      const buf = this.buf;
      const start = this.pos + 1;
      let i = 0;
      for (; i < length; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + i] = c;
      }
      if (i === length) {
        buf[this.pos] = length;
        this.pos = start + length;
        return;
      }
    }
    const byteLength = Buffer.byteLength(value, "utf8");
    this.varint(byteLength);
    this.ensure(byteLength);
    this.buf.write(value, this.pos, byteLength, "utf8");
    this.pos += byteLength;
  }
  result(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

// ---------- decimal strings and times ----------

const digitsPattern = /^\d+$/;

function fail(column: string, what: string, value: unknown): never {
  const shown = typeof value === "string" ? JSON.stringify(value.slice(0, 80)) : String(value);
  throw new RowEncodingError(`column ${column}: ${shown} is not ${what}`);
}

// A decimal string's value as a·10^9 + b (both exact in a double), parsed without regexes or slices.
let partA = 0;
let partB = 0;
function decimalParts(value: string): boolean {
  const length = value.length;
  if (length === 0 || length > 20) return false;
  const split = length - 9;
  let a = 0;
  let b = 0;
  for (let i = 0; i < length; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (i < split) a = a * 10 + d;
    else b = b * 10 + d;
  }
  partA = a;
  partB = b;
  return true;
}

/** a·10^9 + b as two 32-bit words, every partial product exact in a double. */
function writeParts(out: ByteWriter, a: number, b: number): void {
  if (a < 9007199) {
    const n = a * 1e9 + b; // < 2^53
    out.words(n % 4294967296, Math.floor(n / 4294967296));
    return;
  }
  const a1 = Math.floor(a / 65536);
  const a0 = a - a1 * 65536;
  const y = a1 * 1e9; // < 2^49
  const yh = Math.floor(y / 65536);
  const yl = y - yh * 65536;
  const z = yl * 65536 + a0 * 1e9 + b; // < 2^48
  const carry = Math.floor(z / 4294967296);
  out.words(z - carry * 4294967296, yh + carry);
}

/** Writes an unsigned decimal string or a non-negative integer as 64 bits; false if it is neither or too large. */
function writeUint64(out: ByteWriter, value: unknown): boolean {
  if (typeof value === "string") {
    if (!decimalParts(value)) return false;
    if (partA > 18446744073 || (partA === 18446744073 && partB > 709551615)) return false;
    writeParts(out, partA, partB);
    return true;
  }
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) return false;
    out.words(value % 4294967296, Math.floor(value / 4294967296));
    return true;
  }
  if (typeof value === "bigint") {
    if (value < 0n || value > 0xffffffffffffffffn) return false;
    out.words(Number(value & 0xffffffffn), Number(value >> 32n));
    return true;
  }
  return false;
}

/** The last instant DateTime64(9) holds, as words. */
const maxInt64 = { lo: 0xffffffff, hi: 0x7fffffff };

/** Nanoseconds (decimal string) → Int64 at 10^-precision seconds; past Int64 → its last value. */
function writeNanosAt(out: ByteWriter, value: unknown, precision: number, column: string): void {
  if (precision === 9 && typeof value === "string" && value.length < 19 + (value.charCodeAt(0) < 57 ? 1 : 0) && decimalParts(value)) {
    // The usual case: canonical nanoseconds below 9·10^18 (year 2255).
    return writeParts(out, partA, partB);
  }
  let nanos: string;
  if (typeof value === "string" && digitsPattern.test(value)) nanos = value.replace(/^0+(?=\d)/, "");
  else if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) nanos = String(value);
  else if (typeof value === "bigint" && value >= 0n) nanos = value.toString();
  else if (value === undefined || value === null) nanos = "0";
  else return fail(column, "nanoseconds since the epoch (a decimal string)", value);
  const drop = 9 - precision;
  const scaled = drop <= 0 ? nanos : nanos.length > drop ? nanos.slice(0, -drop) : "0";
  if (scaled.length > 19 || (scaled.length === 19 && scaled > "9223372036854775807")) return out.words(maxInt64.lo, maxInt64.hi);
  if (!writeUint64(out, scaled)) fail(column, "a storable time", value);
}

/** Nanoseconds (decimal string) → DateTime (UInt32 seconds, clamped to its range). */
function writeNanosAsSeconds(out: ByteWriter, value: unknown, column: string): void {
  let seconds: number;
  if (typeof value === "string" && digitsPattern.test(value)) seconds = value.length > 9 ? Number(value.slice(0, -9)) : 0;
  else if (typeof value === "number" && value >= 0) seconds = Math.floor(value / 1e9);
  else if (value === undefined || value === null) seconds = 0;
  else return fail(column, "nanoseconds since the epoch (a decimal string)", value);
  out.u32(Math.min(seconds, 4294967295));
}

// ISO texts (IngestedAt): the rows of a batch share one.
let lastIsoText = "";
let lastIsoMs = 0;
function isoMillis(value: unknown, column: string): number {
  if (typeof value === "number") return value;
  if (typeof value !== "string") return value === undefined || value === null ? 0 : fail(column, "a time", value);
  if (value === lastIsoText) return lastIsoMs;
  if (digitsPattern.test(value)) return Number(value) / 1e6; // nanoseconds
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return fail(column, "an ISO-8601 time", value);
  lastIsoText = value;
  lastIsoMs = ms;
  return ms;
}

// ---------- types ----------

interface TypeNode {
  name: string;
  args: string[];
}

/** Splits "Name(arg, arg)" into its name and top-level arguments (parentheses and quotes nest). */
function parseType(type: string): TypeNode {
  const open = type.indexOf("(");
  if (open < 0) return { name: type.trim(), args: [] };
  const name = type.slice(0, open).trim();
  const inner = type.slice(open + 1, type.lastIndexOf(")"));
  const args: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (quoted) {
      if (c === "\\") i++;
      else if (c === "'") quoted = false;
    } else if (c === "'") quoted = true;
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      args.push(inner.slice(start, i).trim());
      start = i + 1;
    }
  }
  args.push(inner.slice(start).trim());
  return { name, args };
}

/** Writes one column: all rows' values of it, in row order. */
interface Codec {
  /** The type written in the block's header. */
  header: string;
  write(out: ByteWriter, values: readonly unknown[], column: string): void;
}

const scalar = (header: string, write: (out: ByteWriter, value: unknown, column: string) => void): Codec => ({
  header,
  write(out, values, column) {
    for (let i = 0; i < values.length; i++) write(out, values[i], column);
  },
});

const integer = (header: string, bytes: 1 | 2 | 4, min: number, max: number): Codec =>
  scalar(header, (out, value, column) => {
    let n = value === undefined || value === null ? 0 : typeof value === "boolean" ? Number(value) : typeof value === "string" && value !== "" ? Number(value) : (value as number);
    if (typeof n !== "number" || !Number.isInteger(n)) return fail(column, `an integer (${header})`, value);
    if (n < min || n > max) return fail(column, `within ${header}`, value);
    out.ensure(bytes);
    if (bytes === 1) out.buf[out.pos] = n & 0xff;
    else if (bytes === 2) out.buf.writeUInt16LE(n & 0xffff, out.pos);
    else out.buf.writeUInt32LE(n >>> 0, out.pos);
    out.pos += bytes;
  });

const stringCodec: Codec = {
  header: "String",
  write(out, values) {
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      out.string(typeof value === "string" ? value : value === undefined || value === null ? "" : String(value));
    }
  },
};

/** Scratch for a map column's values while its keys are written (one block at a time per thread). */
const mapValues = new ByteWriter(1 << 20);

/**
 * Map(String, String) from plain objects, in one pass over each map: keys into the block, values
 * into a scratch buffer appended after them, offsets filled in place. Consecutive rows sharing one
 * map object (a resource's attributes) copy its bytes, encoded once.
 */
function stringMapCodec(header: string): Codec {
  return {
    header,
    write(out, values) {
      const offsetsAt = out.pos;
      out.ensure(values.length * 8);
      out.pos += values.length * 8;
      mapValues.pos = 0;
      let total = 0;
      let shared: object | undefined;
      let sharedKeys: Uint8Array | undefined;
      let sharedValues: Uint8Array | undefined;
      let sharedCount = 0;
      for (let i = 0; i < values.length; i++) {
        const map = values[i] as Record<string, unknown> | undefined;
        if (map && typeof map === "object") {
          if (map === shared) {
            out.bytes(sharedKeys!);
            mapValues.bytes(sharedValues!);
            total += sharedCount;
          } else if (i + 1 < values.length && values[i + 1] === map) {
            // The first of a run of rows sharing this map: encode it once.
            const keysFrom = out.pos;
            const valuesFrom = mapValues.pos;
            let count = 0;
            for (const key in map) {
              const value = map[key];
              out.string(key);
              mapValues.string(typeof value === "string" ? value : value === undefined || value === null ? "" : String(value));
              count++;
            }
            shared = map;
            sharedKeys = Buffer.from(out.buf.subarray(keysFrom, out.pos));
            sharedValues = Buffer.from(mapValues.buf.subarray(valuesFrom, mapValues.pos));
            sharedCount = count;
            total += count;
          } else {
            for (const key in map) {
              const value = map[key];
              out.string(key);
              mapValues.string(typeof value === "string" ? value : value === undefined || value === null ? "" : String(value));
              total++;
            }
          }
        }
        out.buf.writeUInt32LE(total % 4294967296, offsetsAt + i * 8);
        out.buf.writeUInt32LE(Math.floor(total / 4294967296), offsetsAt + i * 8 + 4);
      }
      out.bytes(mapValues.buf.subarray(0, mapValues.pos));
    },
  };
}

function arrayCodec(element: Codec): Codec {
  return {
    header: `Array(${element.header})`,
    write(out, values, column) {
      const flat: unknown[] = [];
      for (let i = 0; i < values.length; i++) {
        const list = values[i];
        if (Array.isArray(list)) for (let k = 0; k < list.length; k++) flat.push(list[k]);
        else if (list !== undefined && list !== null) fail(column, "an array", list);
        out.words(flat.length % 4294967296, Math.floor(flat.length / 4294967296));
      }
      element.write(out, flat, column);
    },
  };
}

function mapCodec(key: Codec, value: Codec): Codec {
  return {
    header: `Map(${key.header}, ${value.header})`,
    write(out, values, column) {
      const keys: unknown[] = [];
      const vals: unknown[] = [];
      for (let i = 0; i < values.length; i++) {
        const map = values[i];
        if (map && typeof map === "object") for (const [k, v] of Object.entries(map)) (keys.push(k), vals.push(v));
        out.words(keys.length % 4294967296, Math.floor(keys.length / 4294967296));
      }
      key.write(out, keys, column);
      value.write(out, vals, column);
    },
  };
}

/** The codec of a ClickHouse type; undefined when the type is not supported here. */
export function codecFor(type: string): Codec | undefined {
  const node = parseType(type);
  switch (node.name) {
    case "LowCardinality":
      return codecFor(node.args[0]!);
    case "String":
      return stringCodec;
    case "UInt8":
      return integer("UInt8", 1, 0, 255);
    case "Bool":
      return integer("Bool", 1, 0, 1);
    case "Int8":
      return integer("Int8", 1, -128, 127);
    case "UInt16":
      return integer("UInt16", 2, 0, 65535);
    case "Int16":
      return integer("Int16", 2, -32768, 32767);
    case "UInt32":
      return integer("UInt32", 4, 0, 4294967295);
    case "Int32":
      return integer("Int32", 4, -2147483648, 2147483647);
    case "UInt64":
      return scalar("UInt64", (out, value, column) => {
        if (value === undefined || value === null) return out.words(0, 0);
        if (!writeUint64(out, value)) fail(column, "an unsigned 64-bit integer", value);
      });
    case "Int64":
      return scalar("Int64", (out, value, column) => {
        if (value === undefined || value === null) return out.words(0, 0);
        const n = typeof value === "bigint" ? value : typeof value === "number" && Number.isSafeInteger(value) ? BigInt(value) : typeof value === "string" && /^-?\d{1,19}$/.test(value) ? BigInt(value) : fail(column, "a 64-bit integer", value);
        const bits = BigInt.asUintN(64, n);
        if (BigInt.asIntN(64, bits) !== n) fail(column, "within Int64", value);
        out.words(Number(bits & 0xffffffffn), Number(bits >> 32n));
      });
    case "Float64":
      return scalar("Float64", (out, value, column) => {
        const n = typeof value === "number" ? value : value === undefined || value === null ? 0 : typeof value === "string" ? Number(value) : NaN;
        if (typeof value !== "number" && value !== undefined && value !== null && Number.isNaN(n) && !/^\s*nan\s*$/i.test(String(value))) fail(column, "a number", value);
        out.f64(n);
      });
    case "Float32":
      return scalar("Float32", (out, value) => out.f32(typeof value === "number" ? value : Number(value ?? 0)));
    case "DateTime64": {
      const precision = Number(node.args[0] ?? 3);
      if (precision === 3)
        // DateTime64(3) holds milliseconds: Braid's IngestedAt, an ISO text.
        return scalar(type.replace(/^LowCardinality\((.*)\)$/, "$1"), (out, value, column) => {
          const ms = isoMillis(value, column);
          if (!Number.isFinite(ms) || ms < 0) return out.words(0, 0);
          out.words(Math.floor(ms) % 4294967296, Math.floor(Math.floor(ms) / 4294967296));
        });
      return scalar(type, (out, value, column) => writeNanosAt(out, value, precision, column));
    }
    case "DateTime":
      return scalar(type, (out, value, column) => writeNanosAsSeconds(out, value, column));
    case "Array": {
      const element = codecFor(node.args[0]!);
      return element && arrayCodec(element);
    }
    case "Map": {
      const key = codecFor(node.args[0]!);
      const value = codecFor(node.args[1]!);
      if (!key || !value) return undefined;
      return key === stringCodec && value === stringCodec ? stringMapCodec(`Map(String, String)`) : mapCodec(key, value);
    }
    default:
      return undefined;
  }
}

// ---------- blocks ----------

export interface NativeLayout {
  columns: readonly { name: string; codec: Codec; optional: boolean }[];
}

/**
 * The Native layout of a table's insertable columns; undefined when one of them has a type this
 * writer does not support (the store then inserts that table as JSONEachRow).
 */
export function nativeLayout(columns: readonly TableColumn[]): NativeLayout | undefined {
  const out: { name: string; codec: Codec; optional: boolean }[] = [];
  for (const column of columns) {
    const kind = column.defaultKind ?? "";
    if (kind === "MATERIALIZED" || kind === "ALIAS" || kind === "EPHEMERAL") continue;
    const codec = codecFor(column.type);
    if (!codec) return undefined;
    out.push({ name: column.name, codec, optional: kind === "DEFAULT" });
  }
  return { columns: out };
}

/** Rows as one Native block (an empty block for no rows). */
export function encodeNative(layout: NativeLayout, rows: readonly object[]): EncodedBlock {
  const out = new ByteWriter(Math.max(1 << 16, rows.length * 1024));
  const present = layout.columns.filter((column) => !column.optional || rows.some((row) => (row as Record<string, unknown>)[column.name] !== undefined));
  out.varint(present.length);
  out.varint(rows.length);
  const values: unknown[] = new Array(rows.length);
  for (const column of present) {
    out.string(column.name);
    out.string(column.codec.header);
    for (let i = 0; i < rows.length; i++) values[i] = (rows[i] as Record<string, unknown>)[column.name];
    column.codec.write(out, values, column.name);
  }
  return { format: "Native", data: out.result(), rows: rows.length, columns: present.map((column) => column.name), types: present.map((column) => column.codec.header) };
}
