// The demo: Braid (all roles, embedded chDB) consuming real Kafka. Produces a sample cross-service
// trace as OTLP protobuf, waits until the API serves it, prints it and the API address.
// Keeps serving until Ctrl-C when run from a terminal; exits when not (CI, pipes).
import { Kafka, Partitioners, logLevel } from "kafkajs";
import { loadConfig } from "../runtime/config.js";
import { startBraid } from "../runtime/app.js";
import { createLogger } from "../runtime/logger.js";
import { encodeTraces, hex, newSpanId, newTraceId, traceRequest } from "./lib/otlp-builder.js";

const config = loadConfig({ BRAID_CHDB_PATH: ".braid/demo/chdb", BRAID_LOG_LEVEL: "warn", ...process.env });
const logger = createLogger(config.log.level);
const braid = await startBraid(config, { logger });

const kafka = new Kafka({ clientId: "braid-demo", brokers: config.kafka.brokers, logLevel: logLevel.NOTHING });
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();
const traceId = newTraceId();
const [frontend, checkout, payments, db] = [newSpanId(), newSpanId(), newSpanId(), newSpanId()];
const t0 = BigInt(Date.now()) * 1_000_000n;
const ms = 1_000_000n;
await producer.send({
  topic: config.kafka.traces.topic,
  messages: [
    { value: encodeTraces(traceRequest("frontend", [{ traceId, spanId: frontend, name: "GET /checkout", kind: 2, startNs: t0, durationNs: 80n * ms, attributes: { "http.request.method": "GET", "http.response.status_code": 502 }, status: { code: 2 } }], "go")) },
    { value: encodeTraces(traceRequest("checkout", [{ traceId, spanId: checkout, parentSpanId: frontend, name: "POST /orders", kind: 2, startNs: t0 + 3n * ms, durationNs: 70n * ms, attributes: { "http.response.status_code": 502 }, status: { code: 2, message: "payments: 503 Service Unavailable" } }], "go")) },
    {
      value: encodeTraces(
        traceRequest("payments", [
          { traceId, spanId: payments, parentSpanId: checkout, name: "POST /charge", kind: 2, startNs: t0 + 6n * ms, durationNs: 60n * ms, attributes: { "http.response.status_code": 503 }, status: { code: 2, message: "Connection refused (os error 111)" } },
          { traceId, spanId: db, parentSpanId: payments, name: "SELECT payments", kind: 3, startNs: t0 + 8n * ms, durationNs: 50n * ms, attributes: { "db.system": "postgresql", "server.address": "postgres", "server.port": 5432 }, status: { code: 2, message: "Connection refused (os error 111)" } },
        ], "rust"),
      ),
    },
  ],
});
await producer.disconnect();

const url = `${braid.apiAddress}/api/v1/traces/${hex(traceId)}`;
let trace: { SpanCount: number; Spans: { Depth: number; ServiceName: string; SourceLanguage: string; SpanName: string; Duration: string; StatusCode: string; ErrorCode: string; StatusMessage: string }[] } | undefined;
for (let attempt = 0; attempt < 240 && trace?.SpanCount !== 4; attempt++) {
  const response = await fetch(url);
  if (response.ok) trace = (await response.json()) as typeof trace;
  else await new Promise((resolve) => setTimeout(resolve, 250));
}
if (!trace || trace.SpanCount !== 4) {
  console.error(`the sample trace did not become queryable at ${url}`);
  await braid.stop();
  process.exit(1);
}

console.log(`\nBraid stored trace ${hex(traceId)} (${trace.SpanCount} spans from Kafka topic ${config.kafka.traces.topic}):\n`);
for (const span of trace.Spans) {
  const status = span.StatusCode === "Error" ? `  ERROR ${span.ErrorCode || ""} ${span.StatusMessage}`.trimEnd() : "";
  console.log(`${"  ".repeat(span.Depth)}${span.ServiceName} [${span.SourceLanguage}] ${span.SpanName}  ${Number(span.Duration) / 1e6} ms${status}`);
}
console.log(`\nAPI: ${braid.apiAddress}   (try ${url}, ${braid.apiAddress}/healthz, ${braid.apiAddress}/api/docs/openapi.json)`);

if (process.stdin.isTTY) {
  console.log("Serving until Ctrl-C.");
  const stop = () => void braid.stop().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} else {
  await braid.stop();
}
