// Realistic span load for bench/ingest.ts: OTLP ExportTraceServiceRequests as the Go SDK's batch
// span processor exports them (one service's resource per request, up to 512 spans), with traces
// of HTTP server/client, gRPC, SQL, Redis and Kafka spans, the semantic-convention attributes the
// Go instrumentation libraries set, and a few percent of errors with exception events. Seeded, so
// two runs produce the same shapes (ids stay unique: they come from the seeded generator too).
import { otlpTypes } from "../schemas/otlp/index.js";

/** mulberry32: small, fast, good enough for load shapes. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const services = [
  { name: "frontend", version: "2.14.1", lang: "go" },
  { name: "checkout", version: "1.9.0", lang: "go" },
  { name: "payments", version: "3.2.7", lang: "rust" },
  { name: "inventory", version: "0.18.3", lang: "rust" },
  { name: "shipping", version: "1.1.0", lang: "go" },
  { name: "accounts", version: "4.0.2", lang: "go" },
];
const routes = ["/api/v1/orders/{id}", "/api/v1/cart", "/api/v1/checkout", "/api/v1/products/{sku}", "/api/v1/users/{id}/addresses", "/healthz", "/api/v1/search"];
const grpcMethods = [["payments.v1.Payments", "Charge"], ["inventory.v1.Stock", "Reserve"], ["shipping.v1.Quotes", "Quote"], ["accounts.v1.Accounts", "Get"]];
const queries = ["SELECT id, total, status FROM orders WHERE id = $1", "UPDATE stock SET reserved = reserved + $1 WHERE sku = $2", "INSERT INTO payments (order_id, amount, currency) VALUES ($1, $2, $3)", "SELECT * FROM users WHERE email = $1 LIMIT 1"];
const errors = [
  ["*net.OpError", "dial tcp 10.0.3.7:5432: connect: connection refused"],
  ["context.deadlineExceededError", "context deadline exceeded"],
  ["*pq.Error", "pq: duplicate key value violates unique constraint \"payments_order_id_key\""],
  ["std::io::Error", "Connection refused (os error 111)"],
  ["tokio::time::error::Elapsed", "deadline has elapsed"],
];

type Attr = { key: string; value: Record<string, unknown> };
const s = (key: string, value: string): Attr => ({ key, value: { stringValue: value } });
const i = (key: string, value: number): Attr => ({ key, value: { intValue: value } });

export interface LoadGenerator {
  /** One encoded request of `spans` spans, and the number of spans in it. */
  message(spans: number): Buffer;
}

export function loadGenerator(seed = 42): LoadGenerator {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const bytes = (n: number) => {
    const out = Buffer.allocUnsafe(n);
    for (let k = 0; k < n; k += 4) out.writeUInt32LE(Math.floor(random() * 4294967296), k);
    return out;
  };
  const type = otlpTypes().ExportTraceServiceRequest;
  let pod = 0;

  return {
    message(count) {
      const service = pick(services);
      const podName = `${service.name}-7d9f${(pod++ % 50).toString(16)}-x${Math.floor(random() * 1e4)}`;
      const resource = [
        s("service.name", service.name), s("service.version", service.version), s("service.instance.id", podName), s("service.namespace", "shop"),
        s("deployment.environment.name", "production"), s("host.name", `node-${Math.floor(random() * 24)}`), s("host.arch", "amd64"), s("os.type", "linux"),
        s("k8s.namespace.name", "shop"), s("k8s.pod.name", podName), s("k8s.deployment.name", service.name), i("process.pid", 1 + Math.floor(random() * 30000)),
        s("telemetry.sdk.language", service.lang), s("telemetry.sdk.name", "opentelemetry"), s("telemetry.sdk.version", service.lang === "go" ? "1.47.0" : "0.33.1"),
      ];
      const now = BigInt(Date.now()) * 1_000_000n;
      const spans: Record<string, unknown>[] = [];
      while (spans.length < count) {
        // One trace of 3–12 spans: a server span and its children.
        const traceId = bytes(16);
        const root = bytes(8);
        const start = now - BigInt(Math.floor(random() * 5e9));
        const size = Math.min(count - spans.length, 3 + Math.floor(random() * 10));
        const route = pick(routes);
        const failed = random() < 0.03;
        for (let k = 0; k < size; k++) {
          const spanStart = start + BigInt(k * 150_000);
          const duration = BigInt(Math.floor(Math.exp(random() * 6 + 8))); // ~3 µs … 1.2 s, log-uniform
          let name: string;
          let kind: number;
          let attributes: Attr[];
          if (k === 0) {
            name = `${pick(["GET", "POST", "PUT"])} ${route}`;
            kind = 2;
            attributes = [s("http.request.method", name.split(" ")[0]!), s("http.route", route), s("url.path", route.replace(/\{\w+\}/, String(Math.floor(random() * 1e6)))), s("url.scheme", "https"), i("http.response.status_code", failed ? 503 : pick([200, 200, 200, 201, 204, 404])), s("server.address", `${service.name}.shop.svc`), i("server.port", 8080), s("network.protocol.version", "1.1"), s("client.address", `10.0.${Math.floor(random() * 255)}.${Math.floor(random() * 255)}`), s("user_agent.original", "Go-http-client/1.1")];
          } else {
            const flavour = random();
            if (flavour < 0.35) {
              const [svc, method] = pick(grpcMethods);
              name = `${svc}/${method}`;
              kind = 3;
              attributes = [s("rpc.system", "grpc"), s("rpc.service", svc!), s("rpc.method", method!), i("rpc.grpc.status_code", failed && k === 1 ? 14 : 0), s("server.address", `${svc!.split(".")[0]}.shop.svc`), i("server.port", 9090), s("network.peer.address", `10.0.${Math.floor(random() * 255)}.${Math.floor(random() * 255)}`)];
            } else if (flavour < 0.7) {
              const query = pick(queries);
              name = `${query.split(" ")[0]} shop`;
              kind = 3;
              attributes = [s("db.system.name", "postgresql"), s("db.namespace", "shop"), s("db.operation.name", query.split(" ")[0]!), s("db.query.text", query), s("server.address", "postgres.shop.svc"), i("server.port", 5432), i("db.response.returned_rows", Math.floor(random() * 40))];
            } else if (flavour < 0.9) {
              name = pick(["GET", "SET", "EXPIRE"]);
              kind = 3;
              attributes = [s("db.system.name", "redis"), s("db.operation.name", name), s("db.query.text", `${name} cart:${Math.floor(random() * 1e6)}`), s("server.address", "redis.shop.svc"), i("server.port", 6379)];
            } else {
              name = "publish orders";
              kind = 4;
              attributes = [s("messaging.system", "kafka"), s("messaging.destination.name", "orders"), s("messaging.operation.type", "send"), s("messaging.kafka.message.key", String(Math.floor(random() * 1e6))), i("messaging.destination.partition.id", Math.floor(random() * 12))];
            }
          }
          const error = failed && k === Math.min(1, size - 1) ? pick(errors) : undefined;
          spans.push({
            traceId,
            spanId: k === 0 ? root : bytes(8),
            parentSpanId: k === 0 ? undefined : root,
            name,
            kind,
            startTimeUnixNano: spanStart.toString(),
            endTimeUnixNano: (spanStart + duration).toString(),
            attributes,
            events: error ? [{ timeUnixNano: (spanStart + duration / 2n).toString(), name: "exception", attributes: [s("exception.type", error[0]!), s("exception.message", error[1]!), s("exception.stacktrace", `goroutine 1 [running]:\nmain.handle()\n\t/app/${service.name}/handler.go:${Math.floor(random() * 400)}`)] }] : [],
            status: error ? { code: 2, message: error[1] } : failed && k === 0 ? { code: 2, message: "upstream failed" } : { code: 0 },
            flags: 257,
          });
        }
      }
      const request = { resourceSpans: [{ resource: { attributes: resource }, scopeSpans: [{ scope: { name: "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp", version: "0.63.0" }, spans }] }] };
      return Buffer.from(type.encode(type.fromObject(request)).finish());
    },
  };
}
