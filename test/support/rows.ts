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
  kind: "error" | "latency";
  errorCode?: string;
  addedLatencyMs?: number;
  fromSecond: number;
  toSecond: number;
}

const languages: Record<string, string> = { frontend: "go", checkout: "go", payments: "rust", inventory: "rust" };

/**
 * Traces of the examples/ shop, one per request: frontend → checkout → payments → postgres and
 * checkout → inventory → redis, with a fault applied between two seconds. Deterministic: ids come
 * from the request number, latencies from a fixed pattern.
 */
export function shopTraffic(options: { startSecond: number; seconds: number; requestsPerSecond: number; fault?: ShopFault; tenant?: string }): TraceRow[] {
  const rows: TraceRow[] = [];
  let request = 0;
  for (let second = 0; second < options.seconds; second++) {
    for (let r = 0; r < options.requestsPerSecond; r++, request++) {
      const t = options.startSecond + second;
      const fault = options.fault && second >= options.fault.fromSecond && second < options.fault.toSecond ? options.fault : undefined;
      const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
      const traceId = hex(request + 1, 32);
      const id = (k: number) => hex((request + 1) * 16 + k, 16);
      const jitter = (request % 7) * 0.3;
      const failing = (node: string) => fault?.kind === "error" && fault.node === node;
      const slow = (node: string) => (fault?.kind === "latency" && fault.node === node ? (fault.addedLatencyMs ?? 0) : 0);
      const code = fault?.errorCode ?? "UNAVAILABLE.CONNECTION_REFUSED";

      // Durations (ms), inside out.
      const postgres = 3 + jitter + slow("postgres");
      const payments = postgres + 2 + slow("payments");
      const redis = 1 + jitter / 3 + slow("redis");
      const inventory = redis + 1.5 + slow("inventory");
      const checkout = payments + inventory + 2 + slow("checkout");
      const frontend = checkout + 2 + slow("frontend");
      const down = { postgres: failing("postgres"), payments: failing("postgres") || failing("payments"), inventory: failing("redis") || failing("inventory") };
      const checkoutFails = down.payments || down.inventory || failing("checkout");
      const frontendFails = checkoutFails || failing("frontend");

      const base = BigInt(t) * 1_000_000_000n + BigInt(r) * 1_000_000n;
      const span = (fields: Partial<TraceRow> & { ServiceName: string }, offsetMs: number, durationMs: number, error: boolean, ownCode: string): TraceRow =>
        traceRow({
          TraceId: traceId,
          Timestamp: (base + BigInt(Math.round(offsetMs * 1e6))).toString(),
          Duration: Math.round(durationMs * 1e6).toString(),
          StatusCode: error ? "Error" : "Unset",
          ErrorCode: error ? ownCode : "",
          SourceLanguage: languages[fields.ServiceName] ?? "go",
          Tenant: options.tenant ?? "default",
          ...fields,
        });
      const httpCode = code === "UNAVAILABLE.CONNECTION_REFUSED" ? "UNAVAILABLE.HTTP_5XX" : code;
      rows.push(
        span({ SpanId: id(1), ServiceName: "frontend", SpanName: "GET /checkout", SpanKind: "Server" }, 0, frontend, frontendFails, failing("frontend") ? code : httpCode),
        span({ SpanId: id(2), ParentSpanId: id(1), ServiceName: "checkout", SpanName: "POST /orders", SpanKind: "Server" }, 1, checkout, checkoutFails, failing("checkout") ? code : httpCode),
        span({ SpanId: id(3), ParentSpanId: id(2), ServiceName: "payments", SpanName: "POST /charge", SpanKind: "Server" }, 2, payments, down.payments, code),
        span({ SpanId: id(4), ParentSpanId: id(3), ServiceName: "payments", SpanName: "SELECT payments", SpanKind: "Client", SpanAttributes: { "db.system": "postgresql", "peer.service": "postgres", "server.address": "10.0.0.5" } }, 3, postgres, down.postgres, code),
        span({ SpanId: id(5), ParentSpanId: id(2), ServiceName: "inventory", SpanName: "GET /stock", SpanKind: "Server" }, 2 + payments, inventory, down.inventory, code),
        span({ SpanId: id(6), ParentSpanId: id(5), ServiceName: "inventory", SpanName: "GET", SpanKind: "Client", SpanAttributes: { "db.system": "redis", "peer.service": "redis" } }, 3 + payments, redis, failing("redis"), code),
      );
    }
  }
  return rows;
}
