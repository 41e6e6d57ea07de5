// Canonical rows for tests that exercise the store and the correlator's SQL directly.
import type { TraceRow } from "../../schemas/rows.js";

export function traceRow(fields: Partial<TraceRow>): TraceRow {
  return {
    Timestamp: "1700000000000000000", TraceId: "0af7651916cd43dd8448eb211c80319c", SpanId: "b7ad6b7169203331", ParentSpanId: "", TraceState: "",
    SpanName: "op", SpanKind: "Internal", ServiceName: "svc", ResourceAttributes: {}, ScopeName: "", ScopeVersion: "", SpanAttributes: {},
    Duration: "1", StatusCode: "Unset", StatusMessage: "", "Events.Timestamp": [], "Events.Name": [], "Events.Attributes": [],
    "Links.TraceId": [], "Links.SpanId": [], "Links.TraceState": [], "Links.Attributes": [],
    ErrorCode: "", ErrorRetryable: false, ErrorFingerprint: "", ErrorMessage: "", SourceLanguage: "go", Tenant: "default", IngestedAt: "2026-01-01T00:00:00.000Z",
    ...fields,
  };
}

export interface ShopFault {
  /** The node that misbehaves: a service, or "postgres" / "redis" (seen from client spans). */
  node: "frontend" | "checkout" | "payments" | "inventory" | "postgres" | "redis";
  /**
   * error: the node's own spans fail; latency: they get slower; unreached: calls to the node
   * fail at its callers' client spans and never reach it (no span of it or its callees), as with
   * an expired certificate or a proxy answering 503 in front of it (needs clientSpans); timeout:
   * the node gets slower (addedLatencyMs) and its callers' client spans give up with errorCode
   * (needs clientSpans) while its own server spans record calleeCode (e.g. the cancel a Go
   * server sees when its caller goes away; none when absent).
   */
  kind: "error" | "latency" | "unreached" | "timeout";
  errorCode?: string;
  calleeCode?: string;
  /** timeout: the code the callers' own spans report (default: errorCode). */
  reportedCode?: string;
  addedLatencyMs?: number;
  fromSecond: number;
  toSecond: number;
  /** Share of requests hit (1 when absent); deterministic by request number. */
  rate?: number;
}

const languages: Record<string, string> = { frontend: "go", checkout: "go", payments: "rust", inventory: "rust" };

/**
 * Traces of the examples/ shop, one per request: frontend → checkout → payments → postgres and
 * checkout → inventory → redis, with faults applied between two seconds. With clientSpans, each
 * HTTP call is a CLIENT span of the caller (peer.service set, as otelhttp with the option does)
 * answered by the callee's SERVER span. Deterministic: ids come from the request number,
 * latencies from a fixed pattern.
 */
export function shopTraffic(options: {
  startSecond: number;
  seconds: number;
  requestsPerSecond: number;
  fault?: ShopFault;
  faults?: ShopFault[];
  tenant?: string;
  clientSpans?: boolean;
  /** service.version of a service's resource at a second of the run (default: none set). */
  version?: (service: string, second: number) => string | undefined;
}): TraceRow[] {
  const rows: TraceRow[] = [];
  const allFaults = [...(options.fault ? [options.fault] : []), ...(options.faults ?? [])];
  let request = 0;
  for (let second = 0; second < options.seconds; second++) {
    for (let r = 0; r < options.requestsPerSecond; r++, request++) {
      const t = options.startSecond + second;
      // A fault with rate p hits the requests whose number falls in its share (spread evenly, and differently per fault).
      const active = allFaults.filter((f, i) => second >= f.fromSecond && second < f.toSecond && ((request * 7919 + i * 104729) % 1000) / 1000 < (f.rate ?? 1));
      const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
      const traceId = hex(request + 1, 32);
      const id = (k: number) => hex((request + 1) * 16 + k, 16);
      const jitter = (request % 7) * 0.3;
      const faultOf = (node: string, kind: ShopFault["kind"]) => active.find((f) => f.node === node && f.kind === kind);
      const failing = (node: string) => faultOf(node, "error") !== undefined;
      const unreached = (node: string) => faultOf(node, "unreached") !== undefined;
      const timedOut = (node: string) => faultOf(node, "timeout") !== undefined;
      const slow = (node: string) => (faultOf(node, "latency")?.addedLatencyMs ?? 0) + (faultOf(node, "timeout")?.addedLatencyMs ?? 0);
      const codeOf = (node: string, kind: ShopFault["kind"]) => faultOf(node, kind)?.errorCode ?? "UNAVAILABLE.CONNECTION_REFUSED";

      // Durations (ms), inside out.
      const postgres = 3 + jitter + slow("postgres");
      const payments = postgres + 2 + slow("payments");
      const redis = 1 + jitter / 3 + slow("redis");
      const inventory = redis + 1.5 + slow("inventory");
      const checkout = payments + inventory + 2 + slow("checkout");
      const frontend = checkout + 2 + slow("frontend");
      const reach = { checkout: !unreached("checkout"), payments: !unreached("checkout") && !unreached("payments"), inventory: !unreached("checkout") && !unreached("inventory") };
      const down = {
        postgres: failing("postgres"),
        payments: reach.payments && (failing("postgres") || failing("payments")),
        inventory: reach.inventory && (failing("redis") || failing("inventory")),
      };
      const checkoutFails = reach.checkout && (down.payments || down.inventory || failing("checkout") || unreached("payments") || unreached("inventory") || timedOut("payments") || timedOut("inventory"));
      const frontendFails = checkoutFails || failing("frontend") || unreached("checkout");
      const rootFault = active.find((f) => f.kind !== "latency");
      const rootCode = rootFault?.reportedCode ?? rootFault?.errorCode ?? "UNAVAILABLE.CONNECTION_REFUSED";

      const base = BigInt(t) * 1_000_000_000n + BigInt(r) * 1_000_000n;
      const resourceOf = (service: string): Record<string, string> => {
        const version = options.version?.(service, second);
        return version ? { "service.name": service, "service.version": version } : {};
      };
      const span = (fields: Partial<TraceRow> & { ServiceName: string }, offsetMs: number, durationMs: number, error: boolean, ownCode: string): TraceRow =>
        traceRow({
          ResourceAttributes: resourceOf(fields.ServiceName),
          TraceId: traceId,
          Timestamp: (base + BigInt(Math.round(offsetMs * 1e6))).toString(),
          Duration: Math.round(durationMs * 1e6).toString(),
          StatusCode: error ? "Error" : "Unset",
          ErrorCode: error ? ownCode : "",
          SourceLanguage: languages[fields.ServiceName] ?? "go",
          Tenant: options.tenant ?? "default",
          ...fields,
        });
      const httpCode = rootCode === "UNAVAILABLE.CONNECTION_REFUSED" ? "UNAVAILABLE.HTTP_5XX" : rootCode;
      // An HTTP call: with client spans, the caller's CLIENT span (id k + 8) answered by the callee's SERVER span.
      const call = (caller: string, parent: number, callee: string, k: number, offsetMs: number, durationMs: number, calleeFails: boolean, calleeCode: string, serverName: string): { parent: number; rows: TraceRow[] } => {
        const out: TraceRow[] = [];
        let serverParent = parent;
        if (options.clientSpans) {
          const never = unreached(callee);
          const gaveUp = timedOut(callee);
          out.push(span({ SpanId: id(k + 8), ParentSpanId: id(parent), ServiceName: caller, SpanName: `POST ${serverName.split(" ")[1]}`, SpanKind: "Client", SpanAttributes: { "peer.service": callee, "server.address": "127.0.0.1", "server.port": String(8080 + k) } },
            offsetMs, never ? 1 : durationMs + 0.4, never || calleeFails || gaveUp, never ? codeOf(callee, "unreached") : gaveUp ? codeOf(callee, "timeout") : "UNAVAILABLE.UPSTREAM"));
          serverParent = k + 8;
          if (never) return { parent: -1, rows: out };
          const cancelCode = faultOf(callee, "timeout")?.calleeCode;
          if (gaveUp && cancelCode) [calleeFails, calleeCode] = [true, cancelCode];
        }
        out.push(span({ SpanId: id(k), ParentSpanId: id(serverParent), ServiceName: callee, SpanName: serverName, SpanKind: "Server" }, offsetMs + 0.2, durationMs, calleeFails, calleeCode));
        return { parent: k, rows: out };
      };

      rows.push(span({ SpanId: id(1), ServiceName: "frontend", SpanName: "GET /checkout", SpanKind: "Server" }, 0, frontend, frontendFails, failing("frontend") ? codeOf("frontend", "error") : httpCode));
      const checkoutCall = call("frontend", 1, "checkout", 2, 1, checkout, checkoutFails, failing("checkout") ? codeOf("checkout", "error") : httpCode, "POST /orders");
      rows.push(...checkoutCall.rows);
      if (checkoutCall.parent > 0) {
        const paymentsCall = call("checkout", 2, "payments", 3, 2, payments, down.payments, failing("payments") ? codeOf("payments", "error") : codeOf("postgres", "error"), "POST /charge");
        rows.push(...paymentsCall.rows);
        if (paymentsCall.parent > 0) {
          rows.push(span({ SpanId: id(4), ParentSpanId: id(3), ServiceName: "payments", SpanName: "SELECT payments", SpanKind: "Client", SpanAttributes: { "db.system": "postgresql", "peer.service": "postgres", "server.address": "10.0.0.5" } }, 3, postgres, down.postgres, codeOf("postgres", "error")));
        }
        const inventoryCall = call("checkout", 2, "inventory", 5, 2 + payments, inventory, down.inventory, failing("inventory") ? codeOf("inventory", "error") : codeOf("redis", "error"), "GET /stock");
        rows.push(...inventoryCall.rows);
        if (inventoryCall.parent > 0) {
          rows.push(span({ SpanId: id(6), ParentSpanId: id(5), ServiceName: "inventory", SpanName: "GET", SpanKind: "Client", SpanAttributes: { "db.system": "redis", "peer.service": "redis" } }, 3 + payments, redis, failing("redis"), codeOf("redis", "error")));
        }
      }
    }
  }
  return rows;
}

/**
 * Traces shaped like Jaeger's HotROD demo (Go, not ours): frontend → customer (HTTP) → "mysql",
 * and frontend → driver → "redis", where mysql and redis are services of their own whose spans
 * are all CLIENT spans with peer.service set and no db.system; redis fails with the plain text
 * "redis timeout". `mysqlFactor` multiplies mysql's time; `redisErrorEvery` fails one call in n.
 */
export function hotrodTraffic(options: { startSecond: number; seconds: number; requestsPerSecond: number; fromSecond: number; toSecond: number; mysqlFactor?: number; redisErrorEvery?: number }): TraceRow[] {
  const rows: TraceRow[] = [];
  let request = 0;
  for (let second = 0; second < options.seconds; second++) {
    for (let r = 0; r < options.requestsPerSecond; r++, request++) {
      const faulty = second >= options.fromSecond && second < options.toSecond;
      const hex = (n: number, width: number) => n.toString(16).padStart(width, "1");
      const traceId = hex(request + 1, 32);
      const id = (k: number) => hex((request + 1) * 16 + k, 16);
      const base = BigInt(options.startSecond + second) * 1_000_000_000n + BigInt(r) * 1_000_000n;
      const jitter = (request % 5) * 2;
      const mysql = (300 + jitter) * (faulty ? (options.mysqlFactor ?? 1) : 1);
      const redisFails = faulty && options.redisErrorEvery !== undefined && request % options.redisErrorEvery === 0;
      const redis = 10 + jitter / 4;
      const customer = mysql + 2;
      const driver = redis * 3 + 5;
      const frontend = customer + driver + 4;
      const span = (k: number, parent: number, ServiceName: string, SpanName: string, SpanKind: TraceRow["SpanKind"], offsetMs: number, durationMs: number, fields: Partial<TraceRow> = {}) =>
        traceRow({
          TraceId: traceId, SpanId: id(k), ParentSpanId: parent ? id(parent) : "", ServiceName, SpanName, SpanKind,
          Timestamp: (base + BigInt(Math.round(offsetMs * 1e6))).toString(), Duration: Math.round(durationMs * 1e6).toString(), SourceLanguage: "go", ...fields,
        });
      rows.push(
        span(1, 0, "frontend", "HTTP GET /dispatch", "Server", 0, frontend),
        span(2, 1, "frontend", "HTTP GET", "Client", 1, customer + 1, { SpanAttributes: { "server.address": "0.0.0.0", "server.port": "8081" } }),
        span(3, 2, "customer", "HTTP GET /customer", "Server", 1.5, customer),
        // HotROD's simulated database: a tracer named "mysql", CLIENT kind, peer.service, no db.system.
        span(4, 3, "mysql", "SQL SELECT", "Client", 2, mysql, { SpanAttributes: { "peer.service": "mysql", "sql.query": "select * from customer where customer_id=123" } }),
        span(5, 1, "frontend", "/driver.DriverService/FindNearest", "Client", customer + 3, driver + 1, { SpanAttributes: { "rpc.system": "grpc", "rpc.service": "driver.DriverService", "server.address": "0.0.0.0", "server.port": "8082" } }),
        span(6, 5, "driver", "/driver.DriverService/FindNearest", "Server", customer + 3.5, driver),
        span(7, 6, "redis", "FindDriverIDs", "Client", customer + 4, redis, { SpanAttributes: { "peer.service": "redis" } }),
        span(8, 6, "redis", "GetDriver", "Client", customer + 4 + redis, redis, {
          SpanAttributes: { "peer.service": "redis" },
          ...(redisFails ? { StatusCode: "Error", StatusMessage: "redis timeout", ErrorCode: "DEADLINE_EXCEEDED" } : {}),
        }),
      );
    }
  }
  return rows;
}
