// Label and annotation templates in the Prometheus alerting-rule dialect of Go's text/template:
// `{{ $value }}`, `{{ $labels.service }}`, `{{ index $labels "k" }}`, pipelines such as
// `{{ $value | humanize }}` and `{{ printf "%.1f" $value }}`, and `{{-`/`-}}` trimming. Written
// here because no maintained JavaScript library implements Go templates; the subset covers what
// alert rules use (variables, functions, pipelines). Control structures (if/range) are rejected
// at load time with the template's position, never at evaluation.

/** Variables alert rule templates may use ($value, $labels, and figures of the rule). */
export const templateVariables = ["value", "labels", "threshold", "window", "objective", "long_burn_rate", "short_burn_rate", "calls", "errors"] as const;

export interface TemplateData {
  value: number;
  labels: Record<string, string>;
  /** Extra variables a rule kind offers, e.g. $threshold, $window. */
  vars?: Record<string, string | number>;
}

type Operand = { kind: "var"; name: string; field?: string } | { kind: "string"; value: string } | { kind: "number"; value: number } | { kind: "ident"; name: string };
type Command = Operand[];
type Node = { kind: "text"; text: string } | { kind: "action"; pipeline: Command[]; source: string };

export class TemplateError extends Error {}

const functions: Record<string, (...args: unknown[]) => unknown> = {
  humanize: (v) => humanize(toNumber(v)),
  humanizePercentage: (v) => `${formatG(toNumber(v) * 100, 4)}%`,
  humanizeDuration: (v) => humanizeDuration(toNumber(v)),
  printf: (format, ...args) => printf(String(format), args),
  toUpper: (v) => String(v).toUpperCase(),
  toLower: (v) => String(v).toLowerCase(),
  title: (v) => String(v).replace(/\b\w/g, (c) => c.toUpperCase()),
  index: (map, key) => (map && typeof map === "object" ? ((map as Record<string, unknown>)[String(key)] ?? "") : ""),
};

function toNumber(value: unknown): number {
  const n = typeof value === "number" ? value : Number(value);
  if (Number.isNaN(n)) throw new TemplateError(`expected a number, got ${JSON.stringify(value)}`);
  return n;
}

/** Go's %g with `precision` significant digits (trailing zeros dropped). */
function formatG(value: number, precision: number): string {
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : value < 0 ? "-Inf" : "NaN";
  if (value === 0) return "0";
  const exponent = Math.floor(Math.log10(Math.abs(value)));
  if (exponent < -4 || exponent >= precision) {
    const [mantissa, exp] = value.toExponential(precision - 1).split("e");
    const e = Number(exp);
    return `${String(Number(mantissa))}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  return String(Number(value.toPrecision(precision)));
}

/** Prometheus's humanize: SI prefixes, 4 significant digits. */
export function humanize(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return formatG(value, 4);
  const abs = Math.abs(value);
  if (abs >= 1) {
    const prefixes = ["", "k", "M", "G", "T", "P", "E", "Z", "Y"];
    let i = 0;
    let v = value;
    while (Math.abs(v) >= 1000 && i < prefixes.length - 1) (v /= 1000), i++;
    return `${formatG(v, 4)}${prefixes[i]}`;
  }
  const prefixes = ["", "m", "u", "n", "p", "f", "a", "z", "y"];
  let i = 0;
  let v = value;
  while (Math.abs(v) < 1 && i < prefixes.length - 1) (v *= 1000), i++;
  return `${formatG(v, 4)}${prefixes[i]}`;
}

/** Prometheus's humanizeDuration: seconds as "1d 2h 3m 4s" (sub-second as ms/us). */
export function humanizeDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return formatG(seconds, 4);
  if (Math.abs(seconds) < 1) {
    if (seconds === 0) return "0s";
    const ms = seconds * 1000;
    return Math.abs(ms) >= 1 ? `${formatG(ms, 4)}ms` : `${formatG(ms * 1000, 4)}us`;
  }
  const sign = seconds < 0 ? "-" : "";
  let rest = Math.abs(seconds);
  const days = Math.floor(rest / 86_400);
  rest -= days * 86_400;
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  rest -= minutes * 60;
  const parts: string[] = [];
  if (days) parts.push(`${days}d`);
  if (hours) parts.push(`${hours}h`);
  if (minutes) parts.push(`${minutes}m`);
  if (rest) parts.push(`${formatG(rest, 4)}s`);
  return sign + parts.join(" ");
}

/** The printf verbs alert templates use: %s %v %d %f %.Nf %g %e %x %q %%. */
export function printf(format: string, args: unknown[]): string {
  let next = 0;
  return format.replace(/%([-+ 0#]*)(\d+)?(?:\.(\d+))?([sdfvgeqx%])/g, (whole, flags: string, width: string | undefined, precision: string | undefined, verb: string) => {
    if (verb === "%") return "%";
    if (next >= args.length) return `%!${verb}(MISSING)`;
    const arg = args[next++];
    let out: string;
    switch (verb) {
      case "d":
        out = String(Math.trunc(toNumber(arg)));
        break;
      case "f":
        out = toNumber(arg).toFixed(precision === undefined ? 6 : Number(precision));
        break;
      case "e":
        out = toNumber(arg).toExponential(precision === undefined ? 6 : Number(precision));
        break;
      case "g":
        out = formatG(toNumber(arg), precision === undefined ? 17 : Math.max(1, Number(precision)));
        break;
      case "x":
        out = Math.trunc(toNumber(arg)).toString(16);
        break;
      case "q":
        out = JSON.stringify(String(arg));
        break;
      default:
        out = typeof arg === "number" ? formatG(arg, 17) : String(arg);
    }
    if (flags.includes("+") && /^[0-9]/.test(out) && "dfeg".includes(verb)) out = `+${out}`;
    const pad = width === undefined ? 0 : Number(width);
    if (out.length < pad) out = flags.includes("-") ? out.padEnd(pad) : flags.includes("0") && "dfeg".includes(verb) ? out.padStart(pad, "0") : out.padStart(pad);
    void whole;
    return out;
  });
}

function tokenizeAction(source: string): string[] {
  const tokens: string[] = [];
  const pattern = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|\||\$[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?|\.[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|[A-Za-z_][A-Za-z0-9_]*|\(|\))/y;
  let pos = 0;
  while (pos < source.length) {
    if (/^\s*$/.test(source.slice(pos))) break;
    pattern.lastIndex = pos;
    const match = pattern.exec(source);
    if (!match) throw new TemplateError(`unexpected "${source.slice(pos).trim().slice(0, 20)}"`);
    tokens.push(match[1]!);
    pos = pattern.lastIndex;
  }
  return tokens;
}

const controlWords = new Set(["if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"]);

function parseOperand(token: string): Operand {
  if (token.startsWith('"')) return { kind: "string", value: JSON.parse(token) as string };
  if (token.startsWith("`")) return { kind: "string", value: token.slice(1, -1) };
  if (/^-?\d/.test(token)) return { kind: "number", value: Number(token) };
  if (token.startsWith("$")) {
    const [name, field] = token.slice(1).split(".");
    return { kind: "var", name: name!, field };
  }
  if (token.startsWith(".")) {
    // Prometheus also exposes .Value and .Labels.x.
    const [name, field] = token.slice(1).split(".");
    if (name === "Value") return { kind: "var", name: "value" };
    if (name === "Labels") return { kind: "var", name: "labels", field };
    throw new TemplateError(`unknown field .${name} (use $value, $labels or .Value, .Labels)`);
  }
  if (token === "(" || token === ")") throw new TemplateError("parenthesized pipelines are not supported; use | instead");
  if (controlWords.has(token)) throw new TemplateError(`"${token}" is not supported in alert templates (only values, functions and pipelines)`);
  if (!(token in functions)) throw new TemplateError(`unknown function "${token}" (known: ${Object.keys(functions).join(", ")})`);
  return { kind: "ident", name: token };
}

/** A parsed template: validate once at load, render every evaluation. */
export class Template {
  private readonly nodes: Node[];
  readonly variables: Set<string>;

  constructor(readonly source: string, allowedVariables: readonly string[] = templateVariables) {
    this.nodes = [];
    this.variables = new Set();
    const actionPattern = /\{\{(-\s)?([\s\S]*?)(\s-)?\}\}/g;
    let last = 0;
    let trimNext = false;
    for (const match of source.matchAll(actionPattern)) {
      let text = source.slice(last, match.index);
      if (trimNext) text = text.replace(/^\s+/, "");
      if (match[1]) text = text.replace(/\s+$/, "");
      if (text) this.nodes.push({ kind: "text", text });
      trimNext = Boolean(match[3]);
      last = match.index + match[0].length;
      const body = match[2]!.trim();
      if (body.startsWith("/*")) continue; // a comment
      const at = `at offset ${match.index} ("{{${match[2]}}}")`;
      try {
        const tokens = tokenizeAction(body);
        if (tokens.length === 0) throw new TemplateError("empty action");
        const pipeline: Command[] = [[]];
        for (const token of tokens) {
          if (token === "|") pipeline.push([]);
          else pipeline[pipeline.length - 1]!.push(parseOperand(token));
        }
        for (const [i, command] of pipeline.entries()) {
          if (command.length === 0) throw new TemplateError("missing command in pipeline");
          const head = command[0]!;
          if (head.kind !== "ident" && command.length > 1) throw new TemplateError("only a function can take arguments");
          if (i > 0 && head.kind !== "ident") throw new TemplateError("a pipeline stage after | must be a function");
          for (const operand of command) {
            if (operand.kind !== "var") continue;
            if (!allowedVariables.includes(operand.name)) throw new TemplateError(`unknown variable $${operand.name} (known: ${allowedVariables.map((v) => `$${v}`).join(", ")})`);
            if (operand.field && operand.name !== "labels") throw new TemplateError(`$${operand.name} has no fields`);
            this.variables.add(operand.name);
          }
        }
        this.nodes.push({ kind: "action", pipeline, source: body });
      } catch (err) {
        throw new TemplateError(`${(err as Error).message} ${at}`);
      }
    }
    let tail = source.slice(last);
    if (trimNext) tail = tail.replace(/^\s+/, "");
    if (/\{\{|\}\}/.test(tail)) throw new TemplateError(`unclosed action in "${tail.slice(0, 40)}"`);
    if (tail) this.nodes.push({ kind: "text", text: tail });
  }

  render(data: TemplateData): string {
    let out = "";
    for (const node of this.nodes) {
      if (node.kind === "text") out += node.text;
      else {
        try {
          out += stringify(runPipeline(node.pipeline, data));
        } catch (err) {
          // A render failure never drops the alert: the text says what went wrong, as Prometheus does.
          out += `<error expanding template: ${(err as Error).message}>`;
        }
      }
    }
    return out;
  }
}

function resolve(operand: Operand, data: TemplateData): unknown {
  switch (operand.kind) {
    case "string":
    case "number":
      return operand.value;
    case "ident":
      return functions[operand.name]!();
    case "var": {
      if (operand.name === "value") return data.value;
      if (operand.name === "labels") return operand.field ? (data.labels[operand.field] ?? "") : data.labels;
      return data.vars?.[operand.name] ?? "";
    }
  }
}

function runPipeline(pipeline: Command[], data: TemplateData): unknown {
  let result: unknown;
  pipeline.forEach((command, i) => {
    const head = command[0]!;
    if (head.kind !== "ident") {
      result = resolve(head, data);
      return;
    }
    const args = command.slice(1).map((operand) => resolve(operand, data));
    if (i > 0) args.push(result);
    result = functions[head.name]!(...args);
  });
  return result;
}

/** Go's %v for a float64: shortest digits, exponent form below 1e-4 and from 1e6 (fmt.Println(1234567.0) prints 1.234567e+06). */
export function goFloat(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : value < 0 ? "-Inf" : "NaN";
  if (value === 0) return "0";
  const [mantissa, exp] = value.toExponential().split("e");
  const e = Number(exp);
  if (e < -4 || e >= 6) return `${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  return String(value);
}

function stringify(value: unknown): string {
  if (typeof value === "number") return goFloat(value);
  if (value && typeof value === "object") return `map[${Object.entries(value as Record<string, string>).map(([k, v]) => `${k}:${v}`).join(" ")}]`;
  return String(value ?? "");
}
