// One large trace across the shop's Go and Rust services, as OTLP export requests (one per
// service, as each service's SDK sends its own spans): a batch request in frontend fanning out to
// checkout, which calls postgres, payments and inventory for every order. checkout's clock runs
// ahead, some charges panic with an exception event and stack trace, and an async publish
// outlives the request. For the web page's render-time measurement and trace tests.
import { hex, newSpanId, newTraceId, traceRequest, type TestSpan } from "../../scripts/lib/otlp-builder.js";

const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const INTERNAL = 1;
const ERROR = 2;
const ms = 1_000_000n;

export interface LargeTrace {
  traceId: string;
  spanCount: number;
  /** ExportTraceServiceRequest objects, one per service. */
  requests: { service: string; request: object }[];
  /** How far checkout's clock is ahead of the others. */
  checkoutSkewMs: number;
}

export function largeTrace(options: { spans: number; startNs: bigint; checkoutSkewMs?: number }): LargeTrace {
  const traceId = newTraceId();
  const skew = BigInt(options.checkoutSkewMs ?? 150) * ms;
  const byService = new Map<string, { language: string; spans: TestSpan[] }>();
  const add = (service: string, language: string, span: TestSpan) => {
    const entry = byService.get(service) ?? { language, spans: [] };
    entry.spans.push(span);
    byService.set(service, entry);
  };
  const span = (fields: Omit<TestSpan, "traceId" | "spanId"> & { spanId?: Buffer }): TestSpan => ({ traceId, spanId: fields.spanId ?? newSpanId(), ...fields });

  const root = span({ name: "POST /orders/batch", kind: SERVER, startNs: options.startNs, durationNs: 0n, attributes: { "http.request.method": "POST", "http.route": "/orders/batch", "http.response.status_code": 207 } });
  // Nine spans per order; the root, one closing render span and one async publish around them.
  const orders = Math.max(1, Math.floor((options.spans - 3) / 9));
  const wave = 8;
  let cursor = options.startNs + 2n * ms;
  for (let first = 0; first < orders; first += wave) {
    let waveEnd = cursor;
    for (let i = first; i < Math.min(orders, first + wave); i++) {
      const lengthUs = BigInt(4000 + ((i * 7919) % 9000));
      const start = cursor + BigInt(i - first) * 150_000n;
      const end = start + lengthUs * 1000n;
      if (end > waveEnd) waveEnd = end;
      const panics = i % 37 === 5;
      const call = span({ parentSpanId: root.spanId, name: "POST checkout", kind: CLIENT, startNs: start, durationNs: end - start, attributes: { "http.request.method": "POST", "server.address": "checkout", "url.full": "http://checkout:8081/orders" }, status: panics ? { code: ERROR, message: "checkout replied 502 Bad Gateway" } : undefined });
      add("frontend", "go", call);
      // checkout records on a clock that runs ahead by `skew`.
      const serverStart = start + 300_000n + skew;
      const serverEnd = end - 300_000n + skew;
      const server = span({ parentSpanId: call.spanId, name: "POST /orders", kind: SERVER, startNs: serverStart, durationNs: serverEnd - serverStart, attributes: { "http.request.method": "POST", "http.route": "/orders" }, status: panics ? { code: ERROR, message: "payments: 500 Internal Server Error" } : undefined });
      const dbStart = serverStart + 200_000n;
      const dbEnd = dbStart + 900_000n + BigInt(i % 5) * 100_000n;
      const db = span({ parentSpanId: server.spanId, name: "SELECT orders", kind: CLIENT, startNs: dbStart, durationNs: dbEnd - dbStart, attributes: { "db.system": "postgresql", "db.operation.name": "SELECT", "server.address": "postgres", "peer.service": "postgres" } });
      const chargeStart = dbEnd + 100_000n;
      const chargeEnd = chargeStart + (serverEnd - chargeStart) / 2n;
      const charge = span({ parentSpanId: server.spanId, name: "POST charge", kind: CLIENT, startNs: chargeStart, durationNs: chargeEnd - chargeStart, attributes: { "server.address": "payments" }, status: panics ? { code: ERROR, message: "payments replied 500" } : undefined });
      add("checkout", "go", server);
      add("checkout", "go", db);
      add("checkout", "go", charge);
      const pStart = chargeStart + 200_000n - skew;
      const pEnd = chargeEnd - 200_000n - skew;
      const payments = span({
        parentSpanId: charge.spanId,
        name: "POST /charge",
        kind: SERVER,
        startNs: pStart,
        durationNs: pEnd - pStart,
        attributes: { "http.request.method": "POST", "http.route": "/charge" },
        status: panics ? { code: ERROR, message: "panicked at 'card processor returned no authorization', src/charge.rs:88:14" } : undefined,
        events: panics
          ? [
              {
                timeNs: pEnd - 50_000n,
                name: "exception",
                attributes: {
                  "exception.type": "panic",
                  "exception.message": "card processor returned no authorization",
                  "exception.stacktrace": "   0: payments::charge::authorize\n             at ./src/charge.rs:88:14\n   1: payments::routes::charge\n             at ./src/routes.rs:41:5\n   2: tokio::runtime::task::harness::poll",
                },
              },
            ]
          : undefined,
      });
      const insertStart = pStart + 300_000n;
      add("payments", "rust", payments);
      add("payments", "rust", span({ parentSpanId: payments.spanId, name: "INSERT payments", kind: CLIENT, startNs: insertStart, durationNs: (pEnd - insertStart) / 2n, attributes: { "db.system": "postgresql", "db.operation.name": "INSERT", "server.address": "postgres", "peer.service": "postgres" } }));
      const stockStart = chargeEnd + 100_000n;
      const stockEnd = serverEnd - 100_000n;
      const stock = span({ parentSpanId: server.spanId, name: "GET stock", kind: CLIENT, startNs: stockStart, durationNs: stockEnd - stockStart, attributes: { "server.address": "inventory" } });
      add("checkout", "go", stock);
      const iStart = stockStart + 100_000n - skew;
      const iEnd = stockEnd - 100_000n - skew;
      const inventory = span({ parentSpanId: stock.spanId, name: "GET /stock", kind: SERVER, startNs: iStart, durationNs: iEnd - iStart, attributes: { "http.request.method": "GET", "http.route": "/stock" } });
      add("inventory", "rust", inventory);
      add("inventory", "rust", span({ parentSpanId: inventory.spanId, name: "GET", kind: CLIENT, startNs: iStart + 100_000n, durationNs: (iEnd - iStart) / 2n, attributes: { "db.system": "redis", "server.address": "redis", "peer.service": "redis" } }));
    }
    cursor = waveEnd + 200_000n;
  }
  const render = span({ parentSpanId: root.spanId, name: "render summary", kind: INTERNAL, startNs: cursor, durationNs: 1_500_000n });
  // Exactly `options.spans` in all: the remainder as sections of the summary.
  for (let i = 0; i < options.spans - (orders * 9 + 3); i++) {
    add("frontend", "go", span({ parentSpanId: render.spanId, name: `render section ${i + 1}`, kind: INTERNAL, startNs: cursor + BigInt(i) * 150_000n + 10_000n, durationNs: 120_000n }));
  }
  const end = cursor + 2_000_000n;
  root.durationNs = end - root.startNs;
  // Published at the end, delivered after the response: the request does not wait for it.
  const publish = span({ parentSpanId: root.spanId, name: "publish order-events", kind: PRODUCER, startNs: end - 500_000n, durationNs: 40n * ms, attributes: { "messaging.system": "kafka", "messaging.destination.name": "order-events" } });
  add("frontend", "go", root);
  add("frontend", "go", render);
  add("frontend", "go", publish);

  const requests = [...byService.entries()].map(([service, { language, spans }]) => ({ service, request: traceRequest(service, spans, language) }));
  const spanCount = [...byService.values()].reduce((sum, entry) => sum + entry.spans.length, 0);
  return { traceId: hex(traceId), spanCount, requests, checkoutSkewMs: Number(skew / ms) };
}
