// The on-call commands. Each is a client of Braid's public API (DESIGN.md, On-call surfaces): one
// request (or a polling loop for --follow), printed as a table or view, or as the API's JSON with
// --json.
import type { Command } from "commander";
import { CliError, ExitCode } from "../exit-codes.js";
import { ago, type Output } from "../output.js";
import type { Action, CommandTools } from "../program.js";
import { parseTime } from "../time.js";
import { codesText, incidentLines, type IncidentDetail, type IncidentSummary } from "../views/incident.js";
import { traceLines, type TraceDetail } from "../views/trace.js";

type Wrap = (action: Action) => (...args: unknown[]) => Promise<void>;

const clock = (iso: string) => iso.replace("T", " ").replace(/(\.\d{3})\d*/, "$1").replace(/Z$/, "");

/** from/to query parameters from --since/--until (ISO, Unix ms, or a duration back from now). */
function range(options: { since?: string; until?: string }, defaultSince?: string): { from?: number; to?: number } {
  const to = options.until ? parseTime(options.until, "--until") : undefined;
  const since = options.since ?? defaultSince;
  const from = since ? parseTime(since, "--since", to ?? Date.now()) : undefined;
  return { from, to };
}

function limitOf(value: unknown, max = 500): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new CliError(`--limit must be a whole number from 1 to ${max}, not '${String(value)}'`);
  return n;
}

async function incidents({ api, out, options }: CommandTools): Promise<number | void> {
  const { from, to } = range(options as { since?: string; until?: string }, "24h");
  const body = await api().get<{ Total: number; Incidents: IncidentSummary[] }>("/api/v1/incidents", { status: options.status as string | undefined, service: options.service as string | undefined, from, to, limit: limitOf(options.limit) });
  if (out.json) return void out.data(body);
  out.table(
    body.Incidents,
    [
      { header: "ID", value: (i) => i.IncidentId },
      { header: "STATUS", value: (i) => (i.Status === "open" ? out.c.red("open") : out.c.green("resolved")) },
      { header: "STARTED", value: (i) => `${clock(i.StartedAt)} (${ago(i.StartedAt)})` },
      { header: "TITLE", value: (i) => i.Title, max: 60 },
      { header: "SERVICES", value: (i) => i.Services.join(","), max: 30 },
      { header: "TOP CAUSE", value: (i) => (i.TopRootCause ? `${i.TopRootCause.Node} ${i.TopRootCause.ErrorCode}`.trim() : "-"), max: 50 },
      { header: "CODES", value: (i) => codesText(i.ErrorCodes), max: 50 },
    ],
    "no incidents in this range",
  );
  if (body.Total > body.Incidents.length) out.note(`(${body.Incidents.length} of ${body.Total}; --limit for more)`);
}

async function incident({ api, out }: CommandTools, id: unknown): Promise<number | void> {
  const incidentId = String(id);
  if (!/^inc_[0-9a-f]{20}$/.test(incidentId)) throw new CliError(`'${incidentId}' is not an incident id (inc_ and 20 hex characters; braid incidents lists them)`);
  const client = api();
  const body = await client.get<IncidentDetail>(`/api/v1/incidents/${incidentId}`);
  if (out.json) return void out.data(body);
  out.lines(incidentLines(body, { c: out.c, width: out.width, apiUrl: client.settings.url }));
}

async function trace({ api, out }: CommandTools, id: unknown): Promise<number | void> {
  const traceId = String(id).toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(traceId)) throw new CliError(`'${String(id)}' is not a trace id (32 hex characters)`);
  const body = await api().get<TraceDetail>(`/api/v1/traces/${traceId}`);
  if (out.json) return void out.data(body);
  out.lines(traceLines(body, { c: out.c, width: out.width }));
}

interface LogRecord {
  Timestamp: string;
  ServiceName: string;
  SeverityText: string;
  Body: string;
  TraceId: string;
  SpanId: string;
  ErrorCode: string;
}

function logLine(log: LogRecord, out: Output): string {
  const severity = log.SeverityText || "-";
  const colored = /ERROR|FATAL/.test(severity) ? out.c.red(severity.padEnd(5)) : /WARN/.test(severity) ? out.c.yellow(severity.padEnd(5)) : out.c.dim(severity.padEnd(5));
  const code = log.ErrorCode ? ` ${out.c.magenta(log.ErrorCode)}` : "";
  const trace = log.TraceId ? out.c.dim(` trace=${log.TraceId}`) : "";
  return `${clock(log.Timestamp)} ${log.ServiceName} ${colored}${code} ${log.Body.replace(/\s*\n\s*/g, " ⏎ ")}${trace}`;
}

const logKey = (log: LogRecord) => `${log.Timestamp}\u0000${log.ServiceName}\u0000${log.SpanId}\u0000${log.Body}`;

async function logs(tools: CommandTools): Promise<number | void> {
  const { api, out, options } = tools;
  const severity = options.severity as string | undefined;
  if (severity && !["trace", "debug", "info", "warn", "error", "fatal"].includes(severity)) throw new CliError(`--severity must be trace, debug, info, warn, error or fatal, not '${severity}'`);
  const query = { service: options.service as string | undefined, severity, code: options.code as string | undefined, q: options.grep as string | undefined, traceId: options.trace as string | undefined };
  const client = api();
  const limit = limitOf(options.limit);
  const { from, to } = range(options as { since?: string; until?: string }, "1h");
  const first = await client.get<{ Logs: LogRecord[] }>("/api/v1/logs", { ...query, from, to, limit });
  const chronological = [...first.Logs].reverse();
  if (!options.follow) {
    if (out.json) return void out.data(first);
    if (chronological.length === 0) out.note("no log records in this range");
    for (const log of chronological) out.line(logLine(log, out));
    return;
  }
  // --follow: poll, from a little before the newest record seen; the overlap is removed by key.
  const print = (log: LogRecord) => (out.json ? out.line(JSON.stringify(log)) : out.line(logLine(log, out)));
  for (const log of chronological) print(log);
  let seen = new Set(chronological.map(logKey));
  let newestMs = chronological.length ? Date.parse(chronological[chronological.length - 1]!.Timestamp) : Date.now() - 5_000;
  const intervalMs = Math.max(250, Number(options.interval ?? 2) * 1000);
  const stopAfterMs = tools.env.BRAID_CLI_FOLLOW_FOR_MS ? Number(tools.env.BRAID_CLI_FOLLOW_FOR_MS) : undefined; // tests only
  const started = Date.now();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    if (stopAfterMs !== undefined && Date.now() - started > stopAfterMs) return ExitCode.ok;
    const page = await client.get<{ Logs: LogRecord[] }>("/api/v1/logs", { ...query, from: Math.floor(newestMs) - 2_000, to: Date.now() + 1_000, limit: 500 });
    const fresh = [...page.Logs].reverse().filter((log) => !seen.has(logKey(log)));
    for (const log of fresh) print(log);
    if (fresh.length) {
      newestMs = Math.max(newestMs, ...fresh.map((log) => Date.parse(log.Timestamp)).filter(Number.isFinite));
      seen = new Set([...seen, ...fresh.map(logKey)]);
      if (seen.size > 50_000) seen = new Set(fresh.map(logKey));
    }
  }
}

interface ErrorGroup {
  ErrorCode: string;
  Title: string;
  ServiceName: string;
  SourceLanguage: string;
  ErrorFingerprint: string;
  Count: number;
  SpanCount: number;
  LogCount: number;
  Retryable: boolean;
  LastSeen: string;
  SampleMessages: string[];
}

const nanosToIso = (nanos: string) => (/^\d+$/.test(nanos) ? new Date(Number(BigInt(nanos) / 1_000_000n)).toISOString() : nanos);

async function errors({ api, out, options }: CommandTools): Promise<number | void> {
  const { from, to } = range(options as { since?: string; until?: string }, "1h");
  const body = await api().get<{ From: string; To: string; GlossaryVersion: string; Errors: ErrorGroup[] }>("/api/v1/errors", {
    service: options.service as string | undefined,
    language: options.lang as string | undefined,
    code: options.code as string | undefined,
    from,
    to,
    limit: limitOf(options.limit, 1000),
  });
  if (out.json) return void out.data(body);
  out.note(out.c.dim(`errors from ${clock(body.From)} to ${clock(body.To)}, glossary ${body.GlossaryVersion}`));
  out.table(
    body.Errors,
    [
      { header: "CODE", value: (e) => (e.ErrorCode === "UNKNOWN" ? `UNKNOWN ${e.ErrorFingerprint}` : e.ErrorCode) },
      { header: "SERVICE", value: (e) => e.ServiceName },
      { header: "LANG", value: (e) => e.SourceLanguage },
      { header: "COUNT", value: (e) => e.Count, align: "right" },
      { header: "SPANS/LOGS", value: (e) => `${e.SpanCount}/${e.LogCount}`, align: "right" },
      { header: "RETRY", value: (e) => (e.Retryable ? "yes" : "no") },
      { header: "LAST SEEN", value: (e) => ago(nanosToIso(e.LastSeen)) },
      { header: "SAMPLE", value: (e) => (e.SampleMessages[0] ?? "").replace(/\s+/g, " "), max: 70 },
    ],
    "no errors in this range",
  );
}

interface GlossaryMatchAnswer {
  GlossaryVersion: string;
  Code: string;
  Title: string;
  Retryable: boolean;
  Class: string;
  Severity: string;
  Remedy: string;
  MatchedBy: string;
  Pattern: string | null;
  PatternLanguage: string | null;
  Fingerprint: string;
  NormalizedMessage: string;
  Nearest: { Code: string; Title: string; Score: number; SharedWords: string[] }[];
}

const matcherNames: Record<string, string> = {
  declared_code: "the code the service declared (braid.error.code)",
  message: "a message pattern",
  exception_type: "the exception type",
  sql_state: "the SQLSTATE",
  grpc_code: "the gRPC status code",
  http_status: "the HTTP status code",
  log_level: "the log level",
  keyword: "a keyword (the last resort before UNKNOWN)",
};

async function glossaryLookup({ api, out, options }: CommandTools, text: unknown): Promise<number | void> {
  const lang = options.lang as string | undefined;
  if (lang && lang !== "go" && lang !== "rust") throw new CliError(`--lang must be go or rust, not '${lang}'`);
  const body = await api().get<GlossaryMatchAnswer>("/api/v1/glossary/match", {
    message: String(text),
    language: lang,
    exceptionType: options.exceptionType as string | undefined,
    httpStatus: options.httpStatus as string | undefined,
    grpcCode: options.grpcCode as string | undefined,
    spanKind: options.spanKind as string | undefined,
  });
  if (out.json) return void out.data(body);
  const { c } = out;
  out.line(`${c.bold(body.Code)}  ${body.Title}  ${c.dim(`(${body.Class}, ${body.Retryable ? "retryable" : "not retryable"}, severity ${body.Severity}; glossary ${body.GlossaryVersion})`)}`);
  if (body.Pattern) out.line(`  why:     ${matcherNames[body.MatchedBy] ?? body.MatchedBy}: ${c.cyan(body.Pattern)}${body.PatternLanguage && body.PatternLanguage !== "any" ? ` (${body.PatternLanguage} patterns)` : ""}`);
  else out.line(`  why:     no glossary pattern matches: Braid stores it as UNKNOWN with fingerprint ${body.Fingerprint}`);
  out.line(`  remedy:  ${body.Remedy}`);
  out.line(`  fingerprint ${body.Fingerprint} of: ${c.dim(body.NormalizedMessage)}`);
  if (body.Nearest.length) {
    out.line("  nearest codes:");
    for (const n of body.Nearest) out.line(`    ${n.Code}  ${n.Title}  ${c.dim(`(shares: ${n.SharedWords.join(", ")}; score ${n.Score})`)}`);
  }
  return ExitCode.ok;
}

interface GlossaryEntryAnswer {
  code: string;
  title: string;
  description: string;
  retryable: boolean;
  class: string;
  severity: string;
  remedy: string;
}

async function glossaryList({ api, out, options }: CommandTools, code?: unknown): Promise<number | void> {
  const body = await api().get<{ version: string; entries: GlossaryEntryAnswer[] }>("/api/v1/glossary", { class: options.class as string | undefined });
  if (code !== undefined) {
    const entry = body.entries.find((e) => e.code === String(code).toUpperCase());
    if (!entry) throw new CliError(`${String(code)} is not a code of glossary ${body.version} (braid glossary list shows them)`, ExitCode.notFound);
    if (out.json) return void out.data(entry);
    out.lines([`${out.c.bold(entry.code)}  ${entry.title}`, `  ${entry.description}`, `  ${entry.class}, ${entry.retryable ? "retryable" : "not retryable"}, severity ${entry.severity}`, `  remedy: ${entry.remedy}`]);
    return;
  }
  if (out.json) return void out.data(body);
  out.note(out.c.dim(`glossary ${body.version}`));
  out.table(body.entries, [
    { header: "CODE", value: (e) => e.code },
    { header: "TITLE", value: (e) => e.title, max: 50 },
    { header: "CLASS", value: (e) => e.class },
    { header: "RETRY", value: (e) => (e.retryable ? "yes" : "no") },
  ]);
}

interface AlertAnswer {
  Fingerprint: string;
  RuleName: string;
  State: string;
  Since: string | null;
  Value: number | null;
  Services: string[];
  Labels: Record<string, string>;
  Annotations: Record<string, string>;
  Links: { Incidents: { IncidentId: string }[] };
}

async function alerts({ api, out, options }: CommandTools): Promise<number | void> {
  let body: { Total: number; Alerts: AlertAnswer[] };
  try {
    body = await api().get("/api/v1/alerts", { state: options.state as string | undefined, service: options.service as string | undefined, rule: options.rule as string | undefined, limit: limitOf(options.limit) });
  } catch (err) {
    if (err instanceof CliError && /no route GET \/api\/v1\/alerts/.test(err.message)) throw new CliError("this Braid API has no alerts (GET /api/v1/alerts): it predates alerting");
    throw err;
  }
  if (out.json) return void out.data(body);
  const stateColor = (state: string) => (state === "firing" ? out.c.red(state) : state === "pending" ? out.c.yellow(state) : out.c.green(state));
  out.table(
    body.Alerts,
    [
      { header: "STATE", value: (a) => stateColor(a.State) },
      { header: "RULE", value: (a) => a.RuleName, max: 40 },
      { header: "SINCE", value: (a) => (a.Since ? `${clock(a.Since)} (${ago(a.Since)})` : "-") },
      { header: "VALUE", value: (a) => (a.Value === null ? "-" : String(Math.round(a.Value * 1000) / 1000)), align: "right" },
      { header: "SERVICES", value: (a) => a.Services.join(","), max: 30 },
      { header: "SUMMARY", value: (a) => a.Annotations.summary ?? "", max: 60 },
      { header: "INCIDENTS", value: (a) => a.Links.Incidents.map((i) => i.IncidentId).join(",") },
    ],
    "no alerts",
  );
}

const rangeHelp = "ISO-8601, Unix ms, or a duration back from now (15m, 2h, 7d)";

export function registerOnCall(program: Command, wrap: Wrap): void {
  program
    .command("incidents")
    .description("incidents active in a time range, newest first, with their top root-cause candidate")
    .option("--status <status>", "open or resolved")
    .option("--service <name>", "only incidents that involve this service")
    .option("--since <time>", `start of the range (${rangeHelp})`, "24h")
    .option("--until <time>", "end of the range (default: now)")
    .option("--limit <n>", "at most this many", "50")
    .action(wrap(incidents));

  program
    .command("incident")
    .description("one incident: timeline, ranked root causes with reasons, codes, anomalies, exemplar trace, sample logs")
    .argument("<id>", "incident id (inc_…)")
    .addHelpText("after", "\nExit codes: 0 shown, 1 no such incident, 2 could not ask the API.")
    .action(wrap(incident));

  program
    .command("trace")
    .description("one trace as a span tree: services, glossary codes, durations as bars, the critical path")
    .argument("<traceId>", "32 hex characters")
    .addHelpText("after", "\nExit codes: 0 shown, 1 no such trace, 2 could not ask the API.")
    .action(wrap(trace));

  program
    .command("logs")
    .description("log records, oldest first; --follow keeps printing new ones")
    .option("--service <name>", "only this service")
    .option("--severity <level>", "at least this severity: trace, debug, info, warn, error, fatal")
    .option("--code <code>", "only records with this glossary code")
    .option("--grep <text>", "only records whose body contains this text (case-insensitive)")
    .option("--trace <traceId>", "only records of this trace")
    .option("--since <time>", `start of the range (${rangeHelp})`, "1h")
    .option("--until <time>", "end of the range (default: now)")
    .option("--limit <n>", "at most this many (the newest)", "100")
    .option("-f, --follow", "keep polling for new records until interrupted")
    .option("--interval <seconds>", "polling interval with --follow", "2")
    .action(wrap(logs));

  program
    .command("errors")
    .description("errors per glossary code, service and language, with counts and a sample message; UNKNOWN per fingerprint")
    .option("--service <name>", "only this service")
    .option("--lang <language>", "only this SourceLanguage (go, rust, …)")
    .option("--code <code>", "only this glossary code")
    .option("--since <time>", `start of the range (${rangeHelp})`, "1h")
    .option("--until <time>", "end of the range (default: now)")
    .option("--limit <n>", "at most this many groups", "100")
    .action(wrap(errors));

  const glossary = program.command("glossary").description("the shared error glossary");
  glossary
    .command("lookup")
    .description("which glossary code an error text maps to, and why (the matcher and the pattern that decided)")
    .argument("<text>", "the error text, as a service logs or records it")
    .option("--lang <language>", "go or rust: that language's patterns win ties")
    .option("--exception-type <type>", "exception.type (e.g. *net.OpError)")
    .option("--http-status <code>", "HTTP status of the span")
    .option("--grpc-code <code>", "gRPC status (number or name)")
    .option("--span-kind <kind>", "Server, Client, …")
    .action(wrap(glossaryLookup));
  glossary
    .command("list")
    .description("every code of the glossary")
    .option("--class <class>", "transient, caller_error or server_bug")
    .action(wrap((tools) => glossaryList(tools)));
  glossary
    .command("show")
    .description("one code: meaning, class, retryable, remedy")
    .argument("<code>", "e.g. UNAVAILABLE.CONNECTION_REFUSED")
    .action(wrap((tools, code) => glossaryList(tools, code)));

  program
    .command("alerts")
    .description("alerts (pending, firing, recently resolved), firing first, with their value and linked incidents")
    .option("--state <state>", "pending, firing or resolved")
    .option("--service <name>", "only alerts on this service")
    .option("--rule <name>", "only this rule")
    .option("--limit <n>", "at most this many", "50")
    .action(wrap(alerts));
}

