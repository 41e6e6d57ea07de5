// The CLI's one formatter: every command prints through it, as a table or lines for people, or as
// JSON (--json) for scripts. Colours only when stdout is a terminal (and NO_COLOR is unset, or
// FORCE_COLOR is set), so piped output and CI logs stay plain.
import Table from "cli-table3";
import pc from "picocolors";

export type Colors = ReturnType<typeof pc.createColors>;

export interface OutputOptions {
  json: boolean;
  color?: boolean;
  stdout?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr?: NodeJS.WritableStream;
}

export interface Column<T> {
  header: string;
  value: (row: T) => string | number;
  /** Longest cell before it is cut with … (default: no limit). */
  max?: number;
  align?: "left" | "right";
}

export function colorWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.FORCE_COLOR && env.FORCE_COLOR !== "0") return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  return stream.isTTY === true && env.TERM !== "dumb";
}

export const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, Math.max(0, max - 1))}…` : text);

export class Output {
  readonly json: boolean;
  readonly color: boolean;
  readonly c: Colors;
  private readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  private readonly stderr: NodeJS.WritableStream;

  constructor(options: OutputOptions) {
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
    this.json = options.json;
    this.color = options.color ?? colorWanted(this.stdout);
    this.c = pc.createColors(this.color);
  }

  /** Width of the terminal, or a wide default when not on one (nothing gets cut in a pipe). */
  get width(): number {
    return this.stdout.isTTY && this.stdout.columns ? this.stdout.columns : 160;
  }

  get isTerminal(): boolean {
    return this.stdout.isTTY === true;
  }

  line(text = ""): void {
    this.stdout.write(`${text}\n`);
  }

  lines(texts: readonly string[]): void {
    for (const text of texts) this.line(text);
  }

  /** A JSON document on stdout (pretty: it is read by people too). */
  data(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Raw text (JUnit XML and other documents). */
  raw(text: string): void {
    this.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  }

  table<T>(rows: readonly T[], columns: readonly Column<T>[], empty = "(none)"): void {
    if (rows.length === 0) {
      this.line(this.c.dim(empty));
      return;
    }
    const table = new Table({
      head: columns.map((column) => this.c.bold(column.header)),
      style: { head: [], border: [], compact: true, "padding-left": 0, "padding-right": 2 },
      chars: { top: "", "top-mid": "", "top-left": "", "top-right": "", bottom: "", "bottom-mid": "", "bottom-left": "", "bottom-right": "", left: "", "left-mid": "", mid: "", "mid-mid": "", right: "", "right-mid": "", middle: "" },
      colAligns: columns.map((column) => column.align ?? "left"),
    });
    for (const row of rows) table.push(columns.map((column) => { const value = String(column.value(row)); return column.max ? cut(value, column.max) : value; }));
    this.line(table.toString().split("\n").map((l) => l.trimEnd()).join("\n"));
  }

  /** A message for people on stderr (never mixed into --json output). */
  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  error(text: string): void {
    this.stderr.write(`${this.c.red("error")}: ${text}\n`);
  }

  warn(text: string): void {
    this.stderr.write(`${this.c.yellow("warning")}: ${text}\n`);
  }
}

/** A horizontal bar of `width` cells for a fraction 0..1 (eighth-block precision), with an offset. */
export function bar(offsetFraction: number, lengthFraction: number, width: number): string {
  const clamp = (x: number) => Math.min(1, Math.max(0, Number.isFinite(x) ? x : 0));
  const start = Math.floor(clamp(offsetFraction) * width);
  const cells = Math.max(1, Math.round(clamp(lengthFraction) * width));
  const length = Math.min(cells, width - start);
  return " ".repeat(start) + "█".repeat(Math.max(1, length)) + " ".repeat(Math.max(0, width - start - Math.max(1, length)));
}

/** A duration in nanoseconds as people read it: 850µs, 12.3ms, 4.21s, 2m05s. */
export function formatNanos(nanos: number | string | bigint): string {
  const ns = Number(nanos);
  if (!Number.isFinite(ns) || ns < 0) return "?";
  if (ns < 1_000) return `${ns}ns`;
  if (ns < 1_000_000) return `${Math.round(ns / 1_000)}µs`;
  if (ns < 1_000_000_000) return `${(ns / 1_000_000).toFixed(ns < 10_000_000 ? 2 : 1)}ms`;
  if (ns < 60_000_000_000) return `${(ns / 1_000_000_000).toFixed(2)}s`;
  const s = Math.round(ns / 1_000_000_000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/** "3m ago", "2h ago" for a past ISO time (relative to `now`). */
export function ago(iso: string, now = Date.now()): string {
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  if (ms < 0) return "just now";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}
