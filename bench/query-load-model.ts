// The system bench/query-load.ts writes into a store, as pure data: about 100 services (Go and
// Rust, HTTP and gRPC) in four tiers with 10 operations each, their databases and caches, and a
// few thousand trace shapes ("templates") of 5–50 spans. A template is one request's tree: a
// server span per service invocation, a client span in the caller for every call across services
// (server.address:port as otelhttp/tonic set it), database and cache client spans, internal spans;
// start offsets and durations add up (a caller waits for its callee plus the network; children run
// one after another, a gateway's fan-out in parallel). Each template also carries the error it
// fails with, on the path from where it starts up to the root, and the log lines its spans write.
// The error columns are what ingest computes for those spans and lines: the normalizer's own
// error signals and the glossary matcher run here, on the same attributes, messages and levels.
//
// The loader multiplies these templates into a day of traffic inside the store (INSERT … SELECT:
// per trace a random template, trace id, start time and a duration scale that keeps every sum).
import { logErrorSignal, matchSignal, spanErrorSignal, type ErrorColumns } from "../normalizer/error-signals.js";
import { seededRandom } from "./ingest-load.js";

export type Language = "go" | "rust";

export interface Datastore {
  /** What callers name it: server.address (and :port, so the correlator's node is "orders-db:5432"). */
  host: string;
  port: number;
  system: "postgresql" | "redis" | "mysql";
  /** Span names of its calls (db.operation.name + collection, or the Redis command). */
  operations: { spanName: string; statement: string }[];
}

export interface Operation {
  /** The server span's name: "GET /api/v1/orders/{id}" (HTTP) or "orders.v1.Orders/Get" (gRPC). */
  serverName: string;
  /** The caller's client span name: the method for HTTP (semconv without a route), the same for gRPC. */
  clientName: string;
  serverAttributes: Record<string, string>;
  clientAttributes: Record<string, string>;
}

export interface ServiceModel {
  index: number;
  name: string;
  language: Language;
  protocol: "http" | "grpc";
  tier: number;
  version: string;
  /** The log format its lines arrive in (OTLP through the SDK, or raw JSON lines on Kafka). */
  logFormat: "otlp" | "zap" | "slog" | "zerolog" | "tracing-subscriber";
  operations: Operation[];
  /** Services it calls (indexes into the system's services). */
  callees: number[];
  datastores: Datastore[];
  resource: Record<string, string>;
  scopeName: string;
  scopeVersion: string;
}

export interface SystemModel {
  services: ServiceModel[];
  operations: number;
}

/** Where an error starts (or passes) on a template's failing path. */
export type ErrorRole = "none" | "origin_db" | "origin_server" | "origin_call" | "propagated_call" | "propagated_server";

export interface SpanError {
  statusMessage: string;
  /** The span's attributes when it fails (http.response.status_code, rpc.grpc.status_code, error.type changed). */
  attributes: Record<string, string>;
  /** An exception event (name "exception"), as RecordError / tracing-opentelemetry write it. */
  exception?: Record<string, string>;
  columns: ErrorColumns;
  /** The span's duration when it fails, when that differs (a refused connection fails fast). */
  durationNs?: number;
}

export interface TemplateSpan {
  index: number;
  /** -1 for the root. */
  parent: number;
  service: number;
  spanName: string;
  kind: "Server" | "Client" | "Internal";
  offsetNs: number;
  durationNs: number;
  attributes: Record<string, string>;
  /** On the failing path of the template's error: what the span looks like when the trace fails. */
  error?: SpanError;
  /** Not written when the trace fails (the callee of a call that never reached it). */
  skipWhenFailed?: boolean;
}

export interface TemplateLog {
  span: number;
  /** 0: always; 1: only when the trace succeeds; 2: only when it fails. */
  when: 0 | 1 | 2;
  /** Where in the span's time the line is written, 0..1. */
  at: number;
  severityNumber: number;
  severityText: string;
  /** May contain {n}: replaced per trace with a number (an order id, a row count). */
  body: string;
  attributes: Record<string, string>;
  columns: ErrorColumns;
}

export interface TraceTemplate {
  id: number;
  spans: TemplateSpan[];
  logs: TemplateLog[];
  /** The glossary code of the error the template fails with (at its origin). */
  errorCode: string;
}

const domains = [
  "gateway", "web-bff", "mobile-bff", "partner-api", "admin-api", "storefront", "graphql", "edge-auth",
  "checkout", "cart", "orders", "payments", "billing", "invoices", "pricing", "catalog", "search", "recommendations",
  "inventory", "shipping", "fulfillment", "notifications", "users", "auth", "sessions", "profiles", "reviews",
  "wishlist", "coupons", "promotions", "loyalty", "fraud", "risk", "ledger", "accounts", "currency", "tax", "geo",
  "stores", "warehouse", "returns", "refunds", "media", "content", "feature-flags", "audit", "reporting", "exports",
  "subscriptions", "quotes",
];
const variants = ["", "-worker"];
const resources = ["orders", "items", "users", "accounts", "products", "payments", "sessions", "quotes", "events", "records"];
const methods = ["GET", "GET", "POST", "PUT", "GET", "DELETE", "GET", "POST", "PATCH", "GET"];
const rpcVerbs = ["Get", "List", "Create", "Update", "Delete", "Search", "Reserve", "Confirm", "Cancel", "Quote"];

const pascal = (name: string) => name.split("-").map((part) => part[0]!.toUpperCase() + part.slice(1)).join("");

/** Tiers: 8 entry services, then 27, 35 and 30 deeper ones (calls go one or two tiers down). */
const tierSizes = [8, 27, 35, 30];

/** The system: 100 services × 10 operations, callees in deeper tiers, datastores on most of the deeper services. */
export function systemModel(seed = 7): SystemModel {
  const random = seededRandom(seed);
  const names = variants.flatMap((variant) => domains.map((domain) => `${domain}${variant}`));
  const services: ServiceModel[] = [];
  let tierStart = 0;
  tierSizes.forEach((size, tier) => {
    for (let i = 0; i < size; i++) {
      const index = tierStart + i;
      const name = names[index]!;
      const language: Language = random() < 0.55 ? "go" : "rust";
      const protocol = tier === 0 || random() < 0.6 ? "http" : "grpc";
      const base = name.replace(/-worker$/, "");
      const operations: Operation[] = Array.from({ length: 10 }, (_, o): Operation => {
        const resource = resources[(o + index) % resources.length]!;
        if (protocol === "http") {
          const method = methods[o]!;
          const route = `/api/v${1 + (o % 2)}/${base}/${resource}${method === "GET" || method === "DELETE" || method === "PATCH" || method === "PUT" ? "/{id}" : ""}`;
          return {
            serverName: `${method} ${route}`,
            clientName: method,
            serverAttributes: { "http.request.method": method, "http.route": route, "url.scheme": "http", "network.protocol.version": "1.1", "server.port": "8080" },
            clientAttributes: { "http.request.method": method, "url.full": `http://${name}.prod.svc.cluster.local:8080${route.replace("{id}", "4711")}`, "server.address": `${name}.prod.svc.cluster.local`, "server.port": "8080" },
          };
        }
        const rpcService = `${base.replaceAll("-", "")}.v1.${pascal(base)}`;
        const method = `${rpcVerbs[o]!}${pascal(resource)}`;
        const rpc = { "rpc.system": "grpc", "rpc.service": rpcService, "rpc.method": method };
        return {
          serverName: `${rpcService}/${method}`,
          clientName: `${rpcService}/${method}`,
          serverAttributes: { ...rpc, "rpc.grpc.status_code": "0", "server.port": "9090" },
          clientAttributes: { ...rpc, "rpc.grpc.status_code": "0", "server.address": `${name}.prod.svc.cluster.local`, "server.port": "9090" },
        };
      });
      const datastores: Datastore[] = [];
      if (tier >= 2 || (tier === 1 && random() < 0.5)) {
        const system = random() < 0.7 ? "postgresql" : "mysql";
        const table = resources[index % resources.length]!;
        datastores.push({
          host: `${base}-db`,
          port: system === "postgresql" ? 5432 : 3306,
          system,
          operations: [
            { spanName: `SELECT ${table}`, statement: `SELECT id, status, updated_at FROM ${table} WHERE id = $1` },
            { spanName: `INSERT ${table}`, statement: `INSERT INTO ${table} (id, payload, created_at) VALUES ($1, $2, now())` },
            { spanName: `UPDATE ${table}`, statement: `UPDATE ${table} SET status = $1, updated_at = now() WHERE id = $2` },
          ],
        });
      }
      if (random() < 0.4) {
        datastores.push({ host: `${base}-cache`, port: 6379, system: "redis", operations: [{ spanName: "GET", statement: "GET" }, { spanName: "SET", statement: "SET" }, { spanName: "MGET", statement: "MGET" }] });
      }
      const logFormat = random() < 0.25 ? "otlp" : language === "rust" ? "tracing-subscriber" : (["zap", "slog", "zerolog"] as const)[index % 3]!;
      const version = `${1 + (index % 4)}.${Math.floor(random() * 20)}.${Math.floor(random() * 10)}`;
      services.push({
        index, name, language, protocol, tier, version, logFormat, operations, callees: [], datastores,
        resource: {
          "service.name": name,
          "service.namespace": "shop",
          "service.version": version,
          "deployment.environment.name": "production",
          "telemetry.sdk.language": language,
          "telemetry.sdk.name": "opentelemetry",
          "telemetry.sdk.version": language === "go" ? "1.38.0" : "0.31.0",
          "k8s.namespace.name": "prod",
          "k8s.deployment.name": name,
          "k8s.cluster.name": "prod-eu-west-1",
        },
        scopeName: language === "go" ? (protocol === "http" ? "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp" : "go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc") : "tracing-opentelemetry",
        scopeVersion: language === "go" ? "0.63.0" : "0.32.0",
      });
    }
    tierStart += size;
  });
  // Callees: 3–5 services one tier down, sometimes one two tiers down.
  let start = 0;
  for (let tier = 0; tier < tierSizes.length - 1; tier++) {
    const next = start + tierSizes[tier]!;
    for (let i = start; i < next; i++) {
      const count = 3 + Math.floor(random() * 3);
      const callees = new Set<number>();
      while (callees.size < count) callees.add(next + Math.floor(random() * tierSizes[tier + 1]!));
      if (tier + 2 < tierSizes.length && random() < 0.4) {
        const far = next + tierSizes[tier + 1]!;
        callees.add(far + Math.floor(random() * tierSizes[tier + 2]!));
      }
      services[i]!.callees = [...callees].sort((a, b) => a - b);
    }
    // Every service of the next tier is called by someone.
    for (let j = next; j < next + tierSizes[tier + 1]!; j++) {
      if (services.some((s) => s.callees.includes(j))) continue;
      const caller = services[start + Math.floor(random() * tierSizes[tier]!)]!;
      caller.callees = [...caller.callees, j].sort((a, b) => a - b);
    }
    start = next;
  }
  return { services, operations: services.reduce((n, s) => n + s.operations.length, 0) };
}

/** Errors as Go and Rust services report them, by where they start. */
const originMessages: Record<"origin_db" | "origin_server" | "origin_call", { go: { type: string; message: string }; rust: { type: string; message: string } }[]> = {
  origin_db: [
    { go: { type: "*pq.Error", message: "pq: canceling statement due to statement timeout" }, rust: { type: "sqlx_core::error::Error", message: "error returned from database: canceling statement due to statement timeout" } },
    { go: { type: "*net.OpError", message: "dial tcp 10.42.3.17:5432: connect: connection refused" }, rust: { type: "sqlx_core::error::Error", message: "error communicating with database: Connection refused (os error 111)" } },
    { go: { type: "*errors.errorString", message: "failed to acquire connection: context deadline exceeded" }, rust: { type: "sqlx_core::error::Error", message: "pool timed out while waiting for an open connection" } },
    { go: { type: "*pq.Error", message: "pq: duplicate key value violates unique constraint \"orders_pkey\"" }, rust: { type: "sqlx_core::error::Error", message: "error returned from database: deadlock detected" } },
  ],
  origin_server: [
    { go: { type: "*errors.errorString", message: "context deadline exceeded" }, rust: { type: "tokio::time::error::Elapsed", message: "deadline has elapsed" } },
    { go: { type: "runtime.Error", message: "runtime error: invalid memory address or nil pointer dereference" }, rust: { type: "panic", message: "called `Option::unwrap()` on a `None` value" } },
    { go: { type: "*fs.PathError", message: "open /var/cache/catalog/index.bin: too many open files" }, rust: { type: "std::io::Error", message: "Too many open files (os error 24)" } },
  ],
  origin_call: [
    { go: { type: "*net.OpError", message: "dial tcp 10.42.1.23:8080: connect: connection refused" }, rust: { type: "hyper_util::client::legacy::Error", message: "client error (Connect): tcp connect error: Connection refused (os error 111)" } },
    { go: { type: "*tls.CertificateVerificationError", message: "tls: failed to verify certificate: x509: certificate has expired or is not yet valid" }, rust: { type: "rustls::Error", message: "invalid peer certificate: Expired" } },
    { go: { type: "*net.DNSError", message: "dial tcp: lookup payments.prod.svc.cluster.local: no such host" }, rust: { type: "hyper_util::client::legacy::Error", message: "client error (Connect): dns error: failed to lookup address information: Name or service not known" } },
  ],
};

/** The error scenarios (origin role × scenario index), for the fault: a database's pool runs dry. */
export const faultScenario = { role: "origin_db" as const, index: 2 };

interface Builder {
  spans: TemplateSpan[];
  random: () => number;
  system: SystemModel;
}

const ms = (x: number) => Math.round(x * 1e6);
/** A log-normal-ish duration in ms around `median`. */
const around = (random: () => number, median: number) => median * Math.exp((random() + random() + random() - 1.5) * 0.8);

interface Invocation {
  span: number;
  service: number;
  depth: number;
  children: { spans: number[]; kind: "call" | "db" | "internal"; callee?: Invocation }[];
}

/**
 * One request's tree of `size` spans: invocations are expanded breadth first (a call adds a
 * client span in the caller and a server span in the callee), database and internal spans fill
 * the rest. Timing is computed afterwards, bottom-up, so that every parent covers its children.
 */
function buildTree(b: Builder, size: number): Invocation {
  const { random, system } = b;
  const addSpan = (span: Omit<TemplateSpan, "index" | "offsetNs" | "durationNs">) => {
    b.spans.push({ ...span, index: b.spans.length, offsetNs: 0, durationNs: 0 });
    return b.spans.length - 1;
  };
  const rootService = Math.floor(random() * tierSizes[0]!);
  const rootOp = system.services[rootService]!.operations[Math.floor(random() * 10)]!;
  const root: Invocation = { span: addSpan({ parent: -1, service: rootService, spanName: rootOp.serverName, kind: "Server", attributes: { ...rootOp.serverAttributes, ...statusOk(rootOp.serverAttributes) } }), service: rootService, depth: 0, children: [] };
  const frontier: Invocation[] = [root];
  let cursor = 0;
  while (b.spans.length < size) {
    const inv = frontier[cursor % frontier.length]!;
    cursor++;
    const service = system.services[inv.service]!;
    const left = size - b.spans.length;
    const choice = random();
    if (left >= 2 && service.callees.length > 0 && (choice < 0.55 || service.datastores.length === 0) && inv.children.length < 6) {
      const calleeIndex = service.callees[Math.floor(random() * service.callees.length)]!;
      const callee = system.services[calleeIndex]!;
      const op = callee.operations[Math.floor(random() * 10)]!;
      const client = addSpan({ parent: inv.span, service: inv.service, spanName: op.clientName, kind: "Client", attributes: { ...op.clientAttributes, ...statusOk(op.clientAttributes) } });
      const server = addSpan({ parent: client, service: calleeIndex, spanName: op.serverName, kind: "Server", attributes: { ...op.serverAttributes, ...statusOk(op.serverAttributes) } });
      const child: Invocation = { span: server, service: calleeIndex, depth: inv.depth + 1, children: [] };
      inv.children.push({ spans: [client], kind: "call", callee: child });
      frontier.push(child);
    } else if (service.datastores.length > 0 && choice < 0.9 && inv.children.length < 8) {
      const store = service.datastores[Math.floor(random() * service.datastores.length)]!;
      const op = store.operations[Math.floor(random() * store.operations.length)]!;
      const attributes: Record<string, string> =
        store.system === "redis"
          ? { "db.system.name": "redis", "db.system": "redis", "db.operation.name": op.statement, "server.address": store.host, "server.port": String(store.port) }
          : { "db.system.name": store.system, "db.system": store.system, "db.query.text": op.statement, "db.operation.name": op.spanName.split(" ")[0]!, "db.collection.name": op.spanName.split(" ")[1]!, "db.namespace": store.host.replace(/-db$/, ""), "server.address": store.host, "server.port": String(store.port) };
      inv.children.push({ spans: [addSpan({ parent: inv.span, service: inv.service, spanName: op.spanName, kind: "Client", attributes })], kind: "db" });
    } else {
      const name = service.language === "go" ? ["encode response", "validate request", "render", "authorize"][Math.floor(random() * 4)]! : ["serialize", "validate", "compute_totals", "check_permissions"][Math.floor(random() * 4)]!;
      inv.children.push({ spans: [addSpan({ parent: inv.span, service: inv.service, spanName: name, kind: "Internal", attributes: {} })], kind: "internal" });
    }
  }
  return root;
}

const statusOk = (attributes: Record<string, string>): Record<string, string> => ("http.request.method" in attributes ? { "http.response.status_code": "200" } : {});

/** Durations bottom-up (own time before, between and after children), then offsets top-down. */
function time(b: Builder, inv: Invocation): number {
  const { random, spans } = b;
  const parallel = inv.depth === 0 && random() < 0.5;
  const childDurations = inv.children.map((child) => {
    const span = spans[child.spans[0]!]!;
    if (child.kind === "call") {
      const calleeNs = time(b, child.callee!);
      const networkNs = ms(0.2 + random() * 1.3);
      span.durationNs = calleeNs + networkNs;
      // The callee's span starts after half the network time (its offset is relative to the client span's).
      spans[child.callee!.span]!.offsetNs = Math.round(networkNs / 2);
    } else if (child.kind === "db") {
      span.durationNs = ms(around(random, span.attributes["db.system"] === "redis" ? 0.4 : 2.5));
    } else {
      span.durationNs = ms(around(random, 0.15));
    }
    return span.durationNs;
  });
  let cursor = ms(around(random, 0.3));
  const starts: number[] = [];
  for (const d of childDurations) {
    starts.push(cursor);
    cursor += parallel ? 0 : d + ms(random() * 0.2);
  }
  const end = parallel ? cursor + Math.max(0, ...childDurations) : cursor;
  const total = end + ms(around(random, 0.5));
  inv.children.forEach((child, i) => {
    spans[child.spans[0]!]!.offsetNs = starts[i]!;
  });
  spans[inv.span]!.durationNs = total;
  return total;
}

/** Offsets relative to the parent become offsets from the trace's start. */
function absolute(spans: TemplateSpan[]): void {
  // Parents come before children in the list.
  for (const span of spans) if (span.parent >= 0) span.offsetNs += spans[span.parent]!.offsetNs;
}

/** What the span looks like when the trace fails with `origin` (its own text) at the path's start. */
function spanError(span: TemplateSpan, role: ErrorRole, origin: { type: string; message: string }, language: Language, calleeName: string | undefined): SpanError {
  const http = "http.request.method" in span.attributes;
  const grpc = span.attributes["rpc.system"] === "grpc";
  let statusMessage = "";
  const attributes: Record<string, string> = {};
  let exception: Record<string, string> | undefined;
  switch (role) {
    case "origin_db":
    case "origin_server":
      exception = { "exception.type": origin.type, "exception.message": origin.message };
      statusMessage = origin.message;
      if (http) attributes["http.response.status_code"] = "500";
      if (grpc) attributes["rpc.grpc.status_code"] = role === "origin_server" && /deadline|elapsed/.test(origin.message) ? "4" : "13";
      break;
    case "origin_call":
      // The call never reached the callee: no response status, the transport error on the client span.
      exception = { "exception.type": origin.type, "exception.message": origin.message };
      statusMessage = origin.message;
      if (http) attributes["error.type"] = origin.type;
      if (grpc) attributes["rpc.grpc.status_code"] = "14";
      break;
    case "propagated_call":
      // The callee answered with an error: otelhttp marks a 5xx client span failed with no description.
      if (http) attributes["http.response.status_code"] = "503";
      if (grpc) {
        attributes["rpc.grpc.status_code"] = "14";
        statusMessage = `upstream ${calleeName} unavailable`;
      }
      break;
    case "propagated_server":
      statusMessage = language === "go" ? `${span.spanName.split(" ")[0]!.toLowerCase()} ${calleeName ?? "request"}: ${origin.message}` : `request to ${calleeName ?? "upstream"} failed: ${origin.message}`;
      if (http) attributes["http.response.status_code"] = "500";
      if (grpc) attributes["rpc.grpc.status_code"] = "13";
      break;
    default:
      break;
  }
  const withError = { ...span.attributes, ...attributes };
  if (role === "origin_call") delete withError["http.response.status_code"];
  const signal = spanErrorSignal({ attributes: withError, statusCode: 2, statusMessage, spanKind: span.kind, exception, language });
  return { statusMessage, attributes: withError, exception, columns: matchSignal(signal, undefined, undefined) };
}

/**
 * Marks the failing path: from an origin span (chosen for the role) up to the root. A call that
 * never reached its callee (origin_call) fails fast, and the callee's spans are not written when
 * the trace fails.
 */
function failPath(b: Builder, role: "origin_db" | "origin_server" | "origin_call", originSpan: number, origin: { go: { type: string; message: string }; rust: { type: string; message: string } }): void {
  const { spans, system, random } = b;
  const text = origin[system.services[spans[originSpan]!.service]!.language];
  let current = originSpan;
  let previous: TemplateSpan | undefined;
  while (current >= 0) {
    const span = spans[current]!;
    const spanRole: ErrorRole = previous === undefined ? role : span.kind === "Client" ? "propagated_call" : "propagated_server";
    const calleeName = previous ? (previous.kind === "Client" ? (calleeOf(b, previous) ?? previous.attributes["server.address"]) : system.services[previous.service]!.name) : undefined;
    span.error = spanError(span, spanRole, text, system.services[span.service]!.language, calleeName);
    previous = span;
    current = span.parent;
  }
  if (role === "origin_call") {
    const client = spans[originSpan]!;
    client.error!.durationNs = ms(0.3 + random() * 2);
    const skipped = new Set<number>();
    for (const s of spans) if ((s.parent === originSpan && s.kind === "Server") || skipped.has(s.parent)) skipped.add(s.index);
    for (const index of skipped) spans[index]!.skipWhenFailed = true;
  }
}

/** The service a client span calls (the server span that answers it), if any. */
function calleeOf(b: Builder, client: TemplateSpan): string | undefined {
  const answer = b.spans.find((s) => s.parent === client.index && s.kind === "Server");
  return answer ? b.system.services[answer.service]!.name : undefined;
}

function pickOrigin(b: Builder, role: "origin_db" | "origin_server" | "origin_call"): number | undefined {
  const { spans, random } = b;
  const candidates = spans.filter((s) => {
    if (role === "origin_db") return s.kind === "Client" && s.attributes["db.system"] !== undefined;
    if (role === "origin_call") return s.kind === "Client" && s.attributes["db.system"] === undefined && spans[s.index + 1]?.parent === s.index;
    return s.kind === "Server" && !spans.some((c) => c.parent === s.index && c.kind === "Client");
  });
  return candidates.length ? candidates[Math.floor(random() * candidates.length)]!.index : undefined;
}

const levelOf = { debug: [5, "DEBUG"], info: [9, "INFO"], warn: [13, "WARN"], error: [17, "ERROR"] } as const;

/** Log lines of the template's spans: about `perSpan` per span on average; error lines on the failing path. */
function templateLogs(b: Builder, perSpan: number): TemplateLog[] {
  const { spans, random, system } = b;
  const logs: TemplateLog[] = [];
  const none: ErrorColumns = { ErrorCode: "", ErrorRetryable: false, ErrorFingerprint: "", ErrorMessage: "" };
  const line = (span: TemplateSpan, when: TemplateLog["when"], at: number, level: keyof typeof levelOf, body: string, attributes: Record<string, string>, errorText?: string) => {
    const [severityNumber, severityText] = levelOf[level];
    // The lines of spans a failed trace does not have are written only when it succeeds.
    if (span.skipWhenFailed && when === 0) when = 1;
    const service = system.services[span.service]!;
    const signal = logErrorSignal({ attributes, severityNumber, body, language: service.language, level: level.toUpperCase(), errorField: errorText });
    logs.push({ span: span.index, when, at, severityNumber, severityText, body, attributes, columns: signal ? matchSignal(signal, undefined, undefined) : none });
  };
  // Each span gets floor(perSpan) lines plus one more with the remainder's probability.
  for (const span of spans) {
    const service = system.services[span.service]!;
    let count = Math.floor(perSpan) + (random() < perSpan - Math.floor(perSpan) ? 1 : 0);
    const route = span.attributes["http.route"] ?? span.attributes["rpc.method"] ?? span.spanName;
    const failing = span.error !== undefined;
    const errorText = span.error?.exception?.["exception.message"] ?? span.error?.statusMessage ?? "";
    if (failing && count === 0) count = 1;
    for (let i = 0; i < count; i++) {
      const last = i === count - 1;
      if (span.kind === "Server" && last) {
        const attrs = { "http.route": route, "duration_ms": "{n}", "status": "200" };
        if (failing) {
          line(span, 1, 0.98, "info", `request completed`, attrs);
          line(span, 2, 0.98, "error", `request failed`, { "http.route": route, "status": span.error!.attributes["http.response.status_code"] ?? "error", "error": errorText }, errorText);
        } else line(span, 0, 0.98, "info", `request completed`, attrs);
      } else if (span.kind === "Client" && span.attributes["db.system"] !== undefined) {
        if (failing && last) {
          line(span, 1, 0.9, "debug", `query executed`, { "db.operation": span.spanName, "rows": "{n}" });
          line(span, 2, 0.95, "error", `query failed`, { "db.operation": span.spanName, "error": errorText }, errorText);
        } else line(span, 0, 0.9, "debug", `query executed`, { "db.operation": span.spanName, "rows": "{n}" });
      } else if (span.kind === "Client") {
        if (failing && last) {
          line(span, 1, 0.5, "debug", `calling ${span.attributes["server.address"] ?? "upstream"}`, { "peer": span.attributes["server.address"] ?? "" });
          line(span, 2, 0.99, "warn", `upstream call failed, giving up after 2 retries`, { "peer": span.attributes["server.address"] ?? "", "error": errorText || "503 Service Unavailable" });
        } else line(span, 0, 0.02, "debug", `calling ${span.attributes["server.address"] ?? "upstream"}`, { "peer": span.attributes["server.address"] ?? "" });
      } else {
        const texts = service.language === "go" ? ["cache hit for key {n}", "loaded {n} rows from cache", "feature flag evaluated", "request validated"] : ["cache hit key={n}", "computed totals for {n} items", "permission check passed", "payload decoded"];
        line(span, 0, random(), random() < 0.7 ? "debug" : "info", texts[Math.floor(random() * texts.length)]!, { "user_id": "{n}" });
      }
    }
  }
  return logs;
}

export interface TemplateOptions {
  templates: number;
  /** Log lines per span on average. */
  logsPerSpan: number;
  seed?: number;
}

/** Normal traffic's templates, each with its own error path and error (chosen at random among the origin kinds it has). */
export function traceTemplates(system: SystemModel, options: TemplateOptions): TraceTemplate[] {
  const random = seededRandom(options.seed ?? 11);
  const templates: TraceTemplate[] = [];
  const roles = ["origin_db", "origin_server", "origin_call"] as const;
  while (templates.length < options.templates) {
    const size = 5 + Math.floor(random() * 46);
    const b: Builder = { spans: [], random, system };
    const root = buildTree(b, size);
    time(b, root);
    absolute(b.spans);
    const role = roles[Math.floor(random() * roles.length)]!;
    let origin = pickOrigin(b, role);
    let usedRole: (typeof roles)[number] = role;
    if (origin === undefined) {
      // Every server span calls out: the deepest one fails on its own.
      usedRole = "origin_server";
      origin = pickOrigin(b, usedRole) ?? b.spans.filter((s) => s.kind === "Server").at(-1)!.index;
    }
    const messages = originMessages[usedRole][Math.floor(random() * originMessages[usedRole].length)]!;
    failPath(b, usedRole, origin, messages);
    templates.push({ id: templates.length, spans: b.spans, logs: templateLogs(b, options.logsPerSpan), errorCode: b.spans[origin]!.error!.columns.ErrorCode });
  }
  return templates.filter((t) => t.spans.length >= 5 && t.spans.length <= 50);
}

/**
 * The fault's templates: requests that reach `service`'s database, failing there (its pool runs
 * dry), numbered after the normal ones. Undefined when no template reaches it.
 */
export function faultTemplates(system: SystemModel, normal: readonly TraceTemplate[], service: number, options: TemplateOptions): TraceTemplate[] {
  const random = seededRandom((options.seed ?? 11) + 1);
  const messages = originMessages[faultScenario.role][faultScenario.index]!;
  const out: TraceTemplate[] = [];
  for (const template of normal) {
    const db = template.spans.find((s) => s.service === service && s.kind === "Client" && s.attributes["db.system"] !== undefined && s.attributes["db.system"] !== "redis");
    if (!db) continue;
    const spans: TemplateSpan[] = template.spans.map(({ error: _error, skipWhenFailed: _skip, ...s }) => ({ ...s, attributes: { ...s.attributes } }));
    const b: Builder = { spans, random, system };
    failPath(b, faultScenario.role, db.index, messages);
    out.push({ id: normal.length + out.length, spans, logs: templateLogs(b, options.logsPerSpan), errorCode: spans[db.index]!.error!.columns.ErrorCode });
  }
  return out;
}

/** Sizes: "10M", "2.5m", "100000", "1e8". */
export function parseCount(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(?:e(\d+))?\s*([kKmMgGbB]?)$/.exec(text.trim());
  if (!m) throw new Error(`'${text}' is not a count (e.g. 10M, 100M, 250k, 1e6)`);
  const unit = { "": 1, k: 1e3, m: 1e6, g: 1e9, b: 1e9 }[m[3]!.toLowerCase()]!;
  const value = Number(m[1]) * 10 ** Number(m[2] ?? 0) * unit;
  if (!Number.isFinite(value) || value < 1) throw new Error(`'${text}' is not a positive count`);
  return Math.round(value);
}

/** The nearest-rank percentile (p in 0..100) of a sample: the value at rank ceil(p/100 · n). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** Mean spans per template (the loader sizes the trace count with it). */
export function meanSpans(templates: readonly TraceTemplate[]): number {
  return templates.reduce((n, t) => n + t.spans.length, 0) / Math.max(templates.length, 1);
}
