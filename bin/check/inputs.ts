// What `braid check` reads, as the Kafka messages Braid would see: files of OTLP protobuf or
// OTLP/JSON export requests, files of JSON log lines, or a sample of messages from a Kafka topic
// (kafka-sample.ts). Files hold one request, or many: OTLP/JSON lines (the Collector's file
// exporter, the OTLP file format), protobuf messages length-delimited by a varint (the OTLP file
// format) or by a 4-byte big-endian length (the Collector's file exporter with format: proto), or
// "<decimal length>\n" frames (Braid's own fixture captures).
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { decodeRequest, type DecodedRequest } from "../../ingest/index.js";
import type { Encoding, Signal } from "../../schemas/config.js";

export interface CheckMessage {
  value: Buffer;
  /** file#n (n from 1) or topic/partition@offset. */
  location: string;
  headers?: Record<string, string>;
  /** The Kafka timestamp (ms), when read from Kafka. */
  timestampMs?: number;
  key?: Buffer | null;
}

export interface CheckInput {
  name: string;
  signal: Signal;
  encoding: Encoding;
  /** How the messages were found: otlp-proto, otlp-proto-delimited, otlp-json-lines, log-lines, kafka… */
  format: string;
  messages: CheckMessage[];
}

export class InputError extends Error {
  override name = "InputError";
}

const otlpSignals = ["traces", "metrics", "logs"] as const;
type OtlpSignal = (typeof otlpSignals)[number];
const isOtlpSignal = (signal: Signal): signal is OtlpSignal => (otlpSignals as readonly string[]).includes(signal);

/** The signal a file name suggests: traces/spans, metrics, logs (app logs for .jsonl/.log of lines). */
function signalFromName(file: string): OtlpSignal | undefined {
  const base = path.basename(file).toLowerCase();
  if (/trace|span/.test(base)) return "traces";
  if (/metric/.test(base)) return "metrics";
  if (/log/.test(base)) return "logs";
  return undefined;
}

const jsonSignalKeys: Record<string, OtlpSignal> = { resourceSpans: "traces", resource_spans: "traces", resourceMetrics: "metrics", resource_metrics: "metrics", resourceLogs: "logs", resource_logs: "logs" };

function jsonSignal(text: string): OtlpSignal | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
    for (const key of Object.keys(parsed)) if (jsonSignalKeys[key]) return jsonSignalKeys[key];
  } catch {
    return undefined;
  }
  return undefined;
}

/** The signal named by the first key of an OTLP/JSON document, even when the rest does not parse. */
function jsonSignalPrefix(text: string): OtlpSignal | undefined {
  const m = /^\s*\{\s*"(resourceSpans|resource_spans|resourceMetrics|resource_metrics|resourceLogs|resource_logs)"/.exec(text.slice(0, 256));
  return m ? jsonSignalKeys[m[1]!] : undefined;
}

function isText(buffer: Buffer): boolean {
  const sample = buffer.subarray(0, 4096);
  return !sample.includes(0) && Buffer.from(sample.toString("utf8"), "utf8").equals(sample);
}

/** Frames that cover the buffer exactly, or undefined. */
function walkFrames(buffer: Buffer, header: (at: number) => { length: number; size: number } | undefined): Buffer[] | undefined {
  const frames: Buffer[] = [];
  let at = 0;
  while (at < buffer.length) {
    const head = header(at);
    if (!head || head.length <= 0 || at + head.size + head.length > buffer.length) return undefined;
    frames.push(buffer.subarray(at + head.size, at + head.size + head.length));
    at += head.size + head.length;
  }
  return frames.length > 0 ? frames : undefined;
}

const decimalFrames = (buffer: Buffer) =>
  walkFrames(buffer, (at) => {
    const newline = buffer.indexOf(10, at);
    if (newline <= at || newline - at > 10) return undefined;
    const digits = buffer.subarray(at, newline).toString("latin1");
    return /^\d+$/.test(digits) ? { length: Number(digits), size: newline - at + 1 } : undefined;
  });

const bigEndianFrames = (buffer: Buffer) => walkFrames(buffer, (at) => (at + 4 <= buffer.length ? { length: buffer.readUInt32BE(at), size: 4 } : undefined));

const varintFrames = (buffer: Buffer) =>
  walkFrames(buffer, (at) => {
    let length = 0;
    for (let i = 0; i < 5 && at + i < buffer.length; i++) {
      const byte = buffer[at + i]!;
      length += (byte & 0x7f) * 2 ** (7 * i);
      if ((byte & 0x80) === 0) return { length, size: i + 1 };
    }
    return undefined;
  });

function itemCount(decoded: DecodedRequest): number {
  let count = 0;
  if (decoded.signal === "traces") for (const r of decoded.request.resourceSpans ?? []) for (const s of r.scopeSpans ?? []) count += s.spans?.length ?? 0;
  if (decoded.signal === "logs") for (const r of decoded.request.resourceLogs ?? []) for (const s of r.scopeLogs ?? []) count += s.logRecords?.length ?? 0;
  if (decoded.signal === "metrics") for (const r of decoded.request.resourceMetrics ?? []) for (const s of r.scopeMetrics ?? []) count += s.metrics?.filter((m) => m.name).length ?? 0;
  return count;
}

/** Whether every frame decodes, as `signal`, to at least one item (the ingest's own decoders decide). */
function decodesAs(frames: Buffer[], signal: OtlpSignal): boolean {
  try {
    return frames.every((frame) => itemCount(decodeRequest(signal, "otlp_proto", frame)) > 0);
  } catch {
    return false;
  }
}

function protobufInput(file: string, buffer: Buffer, signal: Signal | undefined): CheckInput {
  const candidates: OtlpSignal[] = signal && isOtlpSignal(signal) ? [signal] : [...new Set([signalFromName(file), ...otlpSignals].filter((s): s is OtlpSignal => s !== undefined))];
  // A single request usually parses as protobuf whatever it holds (unknown fields are skipped), so
  // framings that split the file exactly into several requests are tried first.
  const varint = varintFrames(buffer);
  const framings: [string, Buffer[] | undefined][] = [
    ["otlp-proto-decimal-framed", decimalFrames(buffer)],
    ["otlp-proto-length-prefixed", bigEndianFrames(buffer)],
    ["otlp-proto-delimited", varint && varint.length > 1 ? varint : undefined],
    ["otlp-proto", [buffer]],
    ["otlp-proto-delimited", varint],
  ];
  for (const candidate of candidates) {
    for (const [format, frames] of framings) {
      if (frames && decodesAs(frames, candidate)) return { name: file, signal: candidate, encoding: "otlp_proto", format, messages: frames.map((value, i) => ({ value, location: `${file}#${i + 1}` })) };
    }
  }
  // Nothing decodes: hand the whole file to the check as one message, so it reports the reason.
  const fallback = candidates[0];
  if (!fallback) throw new InputError(`${file}: cannot tell which signal it holds; pass --signal traces|metrics|logs`);
  return { name: file, signal: fallback, encoding: "otlp_proto", format: "otlp-proto", messages: [{ value: buffer, location: `${file}#1` }] };
}

function textInput(file: string, text: string, signal: Signal | undefined): CheckInput {
  const whole = text.trim();
  const wholeSignal = whole.startsWith("{") ? jsonSignal(whole) : undefined;
  if (wholeSignal && (!signal || signal === wholeSignal)) {
    return { name: file, signal: wholeSignal, encoding: "otlp_json", format: "otlp-json", messages: [{ value: Buffer.from(whole), location: `${file}#1` }] };
  }
  const lines = text.split("\n").map((line, i) => ({ line: line.replace(/\r$/, ""), number: i + 1 })).filter(({ line }) => line.trim() !== "");
  const firstSignal = lines[0] ? jsonSignal(lines[0].line) : undefined;
  // A .json file is OTLP/JSON even when it does not parse: the check then says why, as the DLQ would.
  const otlpByName = !signal ? (jsonSignalPrefix(whole) ?? (/\.json$/i.test(file) ? signalFromName(file) : undefined)) : undefined;
  if (otlpByName && !firstSignal && (!wholeSignal || wholeSignal === otlpByName)) {
    const parsesAsLines = lines.length > 1 && lines.every(({ line }) => jsonSignal(line) !== undefined);
    if (!parsesAsLines) return { name: file, signal: otlpByName, encoding: "otlp_json", format: "otlp-json", messages: [{ value: Buffer.from(whole), location: `${file}#1` }] };
  }
  if ((firstSignal && signal !== "app_logs") || (signal && signal !== "app_logs")) {
    const lineSignal = (signal ?? firstSignal)!;
    return { name: file, signal: lineSignal, encoding: "otlp_json", format: "otlp-json-lines", messages: lines.map(({ line, number }) => ({ value: Buffer.from(line), location: `${file}:${number}` })) };
  }
  return { name: file, signal: "app_logs", encoding: "app_log", format: "log-lines", messages: lines.map(({ line, number }) => ({ value: Buffer.from(line), location: `${file}:${number}` })) };
}

/** Reads one file as the messages it holds. `signal` forces the signal (else: content, then file name). */
export function readCheckFile(file: string, signal?: Signal): CheckInput {
  let buffer: Buffer;
  try {
    if (statSync(file).isDirectory()) throw new InputError(`${file} is a directory; pass the files in it (e.g. ${file}/*)`);
    buffer = readFileSync(file);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot read ${file}: ${(err as Error).message}`);
  }
  if (buffer.length === 0) return { name: file, signal: signal ?? signalFromName(file) ?? "app_logs", encoding: "otlp_proto", format: "empty", messages: [] };
  if (isText(buffer) && !(signal && signal !== "app_logs" && !/^\s*[{[]/.test(buffer.toString("utf8", 0, 64)))) return textInput(file, buffer.toString("utf8"), signal);
  return protobufInput(file, buffer, signal);
}
