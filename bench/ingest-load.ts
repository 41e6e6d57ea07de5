// Realistic load for bench/ingest.ts, one generator per signal, seeded (two runs produce the same
// shapes; ids, times and sequence numbers keep every item unique):
//
// - spans: OTLP ExportTraceServiceRequests as the Go SDK's batch span processor exports them (one
//   service's resource per request, up to 512 spans), traces of HTTP server/client, gRPC, SQL,
//   Redis and Kafka spans with the semantic-convention attributes the Go instrumentation libraries
//   set, a few percent of errors with exception events;
// - logs: OTLP ExportLogsServiceRequests as the Go otelslog bridge and Rust's
//   opentelemetry-appender-tracing export them through the batch log processor (up to 512 records,
//   body, severity, trace context on most records, code.* and request attributes, Go and Rust
//   error texts on a few percent);
// - metrics: OTLP ExportMetricsServiceRequests as the Go SDK's periodic reader exports them
//   (otelhttp's request-duration and body-size histograms per route, method and status; runtime
//   gauges and counters; database pool gauges; cumulative temporality);
// - raw log lines: one JSON line per Kafka message, as zap, zerolog, slog and tracing-subscriber
//   write them, the service naming itself in a field.
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

/** One encoded Kafka message of a signal, with the number of items (spans, records, points) in it. */
export interface LoadMessage {
  value: Buffer;
  items: number;
  headers?: Record<string, string>;
}

export interface SignalLoad {
  /** A message of about `items` items (metrics: whole series, so the count may differ a little). */
  message(items: number): LoadMessage;
}

export const benchSignals = ["traces", "logs", "metrics", "app_logs"] as const;
export type BenchSignal = (typeof benchSignals)[number];

/** The generator of a signal's load. */
export function signalLoad(signal: BenchSignal, seed: number): SignalLoad {
  switch (signal) {
    case "traces": {
      const generator = loadGenerator(seed);
      return { message: (items) => ({ value: generator.message(items), items }) };
    }
    case "logs":
      return logLoadGenerator(seed);
    case "metrics":
      return metricLoadGenerator(seed);
    case "app_logs":
      return appLogLoadGenerator(seed);
  }
}

const hex = (buffer: Buffer) => buffer.toString("hex");

function resourceOf(service: (typeof services)[number], podName: string, random: () => number): Attr[] {
  return [
    s("service.name", service.name), s("service.version", service.version), s("service.instance.id", podName), s("service.namespace", "shop"),
    s("deployment.environment.name", "production"), s("host.name", `node-${Math.floor(random() * 24)}`), s("host.arch", "amd64"), s("os.type", "linux"),
    s("k8s.namespace.name", "shop"), s("k8s.pod.name", podName), s("k8s.deployment.name", service.name), i("process.pid", 1 + Math.floor(random() * 30000)),
    s("telemetry.sdk.language", service.lang), s("telemetry.sdk.name", "opentelemetry"), s("telemetry.sdk.version", service.lang === "go" ? "1.47.0" : "0.33.1"),
  ];
}

const logMessages = [
  ["request served", 9], ["cache miss", 5], ["order created", 9], ["payment authorized", 9], ["retrying request", 13], ["slow query", 13],
  ["stock reserved", 9], ["user signed in", 9], ["rate limited", 13], ["quote computed", 5],
] as const;

const severityTexts: Record<number, string> = { 5: "DEBUG", 9: "INFO", 13: "WARN", 17: "ERROR" };

/** OTLP logs: the Go slog bridge and Rust tracing appender through the batch log processor. */
export function logLoadGenerator(seed = 43): SignalLoad {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const bytes = (n: number) => {
    const out = Buffer.allocUnsafe(n);
    for (let k = 0; k < n; k += 4) out.writeUInt32LE(Math.floor(random() * 4294967296), k);
    return out;
  };
  const type = otlpTypes().ExportLogsServiceRequest;
  let pod = 0;
  let seq = 0;
  return {
    message(count) {
      const service = pick(services);
      const podName = `${service.name}-7d9f${(pod++ % 50).toString(16)}-x${Math.floor(random() * 1e4)}`;
      const now = BigInt(Date.now()) * 1_000_000n;
      const go = service.lang === "go";
      const records: Record<string, unknown>[] = [];
      for (let k = 0; k < count; k++) {
        const time = now - BigInt(Math.floor(random() * 5e9));
        const failed = random() < 0.03;
        const [text, severity] = failed ? (["request failed", 17] as const) : pick(logMessages);
        const error = failed ? pick(errors) : undefined;
        const attributes: Attr[] = [
          s("log.record.uid", `${seed}-${++seq}`),
          s("http.route", pick(routes)),
          s("user.id", String(Math.floor(random() * 1e5))),
          go ? s("code.function.name", `main.(*server).handle${pick(["Order", "Cart", "Checkout"])}`) : s("code.namespace", `${service.name}::handlers`),
          go ? s("code.file.path", `/app/${service.name}/handler.go`) : s("code.file.path", `src/handlers.rs`),
          i("code.line.number", 20 + Math.floor(random() * 400)),
        ];
        if (error) attributes.push(s("exception.type", error[0]!), s("exception.message", error[1]!));
        if (random() < 0.3) attributes.push(i("duration_ms", Math.floor(random() * 900)));
        records.push({
          timeUnixNano: time.toString(),
          observedTimeUnixNano: (time + 1_000_000n).toString(),
          severityNumber: severity,
          severityText: severityTexts[severity],
          body: { stringValue: error ? `${text}: ${error[1]}` : text },
          attributes,
          ...(random() < 0.8 ? { traceId: bytes(16), spanId: bytes(8), flags: 1 } : {}),
        });
      }
      const scope = go ? { name: "go.opentelemetry.io/contrib/bridges/otelslog", version: "0.13.0" } : { name: "opentelemetry-appender-tracing", version: "0.30.1" };
      const request = { resourceLogs: [{ resource: { attributes: resourceOf(service, podName, random) }, scopeLogs: [{ scope, logRecords: records }] }] };
      return { value: Buffer.from(type.encode(type.fromObject(request)).finish()), items: count };
    },
  };
}

// The semantic conventions' default buckets for http.server.request.duration (seconds).
const durationBounds = [0, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const sizeBounds = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

/** OTLP metrics as the Go SDK's periodic reader exports them (cumulative), for one service instance per message. */
export function metricLoadGenerator(seed = 44): SignalLoad {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const type = otlpTypes().ExportMetricsServiceRequest;
  const started = BigInt(Date.now() - 3_600_000) * 1_000_000n;
  let pod = 0;
  let tick = 0;
  const histogramPoint = (attributes: Attr[], bounds: number[], time: bigint, scale: number) => {
    const counts = bounds.map(() => Math.floor(random() * 40 * scale));
    counts.push(Math.floor(random() * 3));
    const count = counts.reduce((a, b) => a + b, 0);
    return { attributes, startTimeUnixNano: started.toString(), timeUnixNano: time.toString(), count: String(count), sum: count * bounds[6]! * random(), bucketCounts: counts.map(String), explicitBounds: bounds, min: bounds[1]! * random(), max: bounds[10]! * random() };
  };
  return {
    message(count) {
      const service = pick(services);
      // Unique per message, so that every point of the benchmark is distinct (points of one series
      // within a second would be one point in the v0.165 layout's DateTime columns).
      const podName = `${service.name}-7d9f${(pod % 50).toString(16)}-x${++pod}`;
      // Each message is one collection: every series gets a new point at a later time.
      const time = BigInt(Date.now()) * 1_000_000n + BigInt(++tick);
      const go = service.lang === "go";
      const metrics: Record<string, unknown>[] = [];
      let points = 0;
      // Request histograms per (route, method, status): most of the points.
      const series: Attr[][] = [];
      while (series.length * 2 + 8 < count) {
        const route = routes[series.length % routes.length]!;
        series.push([s("http.request.method", pick(["GET", "POST", "PUT"])), s("http.route", route), i("http.response.status_code", pick([200, 200, 201, 204, 404, 500, 503])), s("url.scheme", "https"), s("network.protocol.version", "1.1"), s("server.address", `${service.name}.shop.svc`), i("server.port", 8080), i("series", series.length)]);
      }
      metrics.push({ name: "http.server.request.duration", description: "Duration of HTTP server requests.", unit: "s", histogram: { aggregationTemporality: 2, dataPoints: series.map((attrs) => histogramPoint(attrs, durationBounds, time, 1)) } });
      metrics.push({ name: "http.server.request.body.size", description: "Size of HTTP server request bodies.", unit: "By", histogram: { aggregationTemporality: 2, dataPoints: series.map((attrs) => histogramPoint(attrs, sizeBounds, time, 2)) } });
      points += series.length * 2;
      const gauge = (name: string, unit: string, value: number, attributes: Attr[] = []) => (metrics.push({ name, unit, gauge: { dataPoints: [{ attributes, timeUnixNano: time.toString(), asDouble: value }] } }), points++);
      const counter = (name: string, unit: string, value: number, monotonic: boolean, attributes: Attr[] = []) =>
        (metrics.push({ name, unit, sum: { aggregationTemporality: 2, isMonotonic: monotonic, dataPoints: [{ attributes, startTimeUnixNano: started.toString(), timeUnixNano: time.toString(), asInt: String(value) }] } }), points++);
      if (go) {
        counter("go.memory.used", "By", 40_000_000 + Math.floor(random() * 1e7), false, [s("go.memory.type", "other")]);
        counter("go.memory.allocated", "By", 1e9 + tick * 1000, true);
        counter("go.goroutine.count", "{goroutine}", 40 + Math.floor(random() * 200), false);
        gauge("go.config.gogc", "%", 100);
      } else {
        counter("process.memory.usage", "By", 20_000_000 + Math.floor(random() * 1e7), false);
        counter("tokio.tasks.spawned", "{task}", 1e6 + tick * 10, true);
        gauge("tokio.workers.count", "{worker}", 4);
        gauge("process.cpu.utilization", "1", random());
      }
      gauge("db.client.connection.count", "{connection}", Math.floor(random() * 20), [s("db.client.connection.pool.name", "shop"), s("db.client.connection.state", "used")]);
      gauge("db.client.connection.count", "{connection}", Math.floor(random() * 20), [s("db.client.connection.pool.name", "shop"), s("db.client.connection.state", "idle")]);
      counter("http.server.active_requests", "{request}", Math.floor(random() * 50), false, [s("http.request.method", "GET"), s("url.scheme", "https")]);
      counter("rpc.client.requests", "{request}", 1000 + tick, true, [s("rpc.system", "grpc"), s("rpc.service", pick(grpcMethods)[0]!)]);
      const scope = { name: go ? "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp" : "opentelemetry-instrumentation-axum", version: go ? "0.63.0" : "0.5.0" };
      const request = { resourceMetrics: [{ resource: { attributes: resourceOf(service, podName, random) }, scopeMetrics: [{ scope, metrics }] }] };
      return { value: Buffer.from(type.encode(type.fromObject(request)).finish()), items: points };
    },
  };
}

/** Raw JSON log lines of Go (zap, zerolog, slog) and Rust (tracing-subscriber) services, one per message. */
export function appLogLoadGenerator(seed = 45): SignalLoad {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const bytes = (n: number) => {
    const out = Buffer.allocUnsafe(n);
    for (let k = 0; k < n; k += 4) out.writeUInt32LE(Math.floor(random() * 4294967296), k);
    return out;
  };
  let seq = 0;
  return {
    message() {
      const service = pick(services);
      const now = Date.now() - Math.floor(random() * 5000);
      const failed = random() < 0.03;
      const [text, severity] = failed ? (["request failed", 17] as const) : pick(logMessages);
      const error = failed ? pick(errors)[1] : undefined;
      const level = severity >= 17 ? "error" : severity >= 13 ? "warn" : severity >= 9 ? "info" : "debug";
      const traced = random() < 0.6;
      const trace = traced ? { trace_id: hex(bytes(16)), span_id: hex(bytes(8)) } : {};
      // zap's logger.With("service", …) and the like: the service names itself in every line.
      const request = { service: service.name, request_id: `${seed}-${++seq}`, route: pick(routes), duration_ms: Math.floor(random() * 900) };
      let line: Record<string, unknown>;
      const flavour = service.lang === "rust" ? 3 : Math.floor(random() * 3);
      if (flavour === 0) line = { level, ts: now / 1000, logger: "http", caller: `server/handler.go:${20 + Math.floor(random() * 400)}`, msg: text, ...(error ? { error } : {}), ...trace, ...request };
      else if (flavour === 1) line = { level, ...(error ? { error } : {}), ...trace, ...request, time: new Date(now).toISOString(), message: text };
      else if (flavour === 2) line = { time: new Date(now).toISOString(), level: level.toUpperCase(), source: { function: "main.(*server).handle", file: "/app/server/handler.go", line: 20 + Math.floor(random() * 400) }, msg: text, ...(error ? { err: error } : {}), ...trace, ...request };
      else line = { timestamp: new Date(now).toISOString(), level: level.toUpperCase(), fields: { message: text, ...(error ? { error } : {}), ...request }, target: `${service.name}::handlers`, span: { name: "request", ...trace }, spans: [{ name: "request", ...trace }] };
      return { value: Buffer.from(JSON.stringify(line)), items: 1 };
    },
  };
}
