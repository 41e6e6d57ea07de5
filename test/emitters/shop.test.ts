// The example shop against the real Kafka: Go (frontend, checkout) and Rust (payments,
// inventory) services run a short scenario with faults; what they put on Kafka is read back
// and decoded with the official OTLP protos. Topics are unique to this run.
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseScenario } from "../../schemas/scenario.js";
import { repoRoot, runScenario, type RunResult } from "../../examples/runner/index.js";
import { decodeLogs, decodeMetrics, decodeTraces, flattenSpans, parseLogLine, resourceService, type FlatSpan, type LogLine } from "../../examples/runner/inspect.js";
import { readBetween, watermarks, type ReadMessage } from "../../examples/runner/kafka-read.js";

const brokers = (process.env.BRAID_KAFKA_BROKERS ?? "127.0.0.1:9092").split(",");
const suffix = randomUUID().slice(0, 8);
const topics = { spans: `test_spans_${suffix}`, metrics: `test_metrics_${suffix}`, logs: `test_logs_${suffix}`, appLogs: `test_app_logs_${suffix}` };

const scenario = parseScenario({
  name: "emitter-test",
  description: "short run with a Go and a Rust database failure and a Rust panic",
  load: { rps: 12 },
  duration_s: 8,
  warmup_s: 1,
  faults: [
    { service: "payments", dependency: "postgres", kind: "connection_refused", rate: 0.5, latency_ms: 0, start_s: 2, duration_s: 5 },
    { service: "checkout", dependency: "postgres", kind: "connection_refused", rate: 0.25, latency_ms: 0, start_s: 2, duration_s: 5 },
    { service: "inventory", kind: "panic", rate: 0.25, latency_ms: 0, start_s: 2, duration_s: 5 },
  ],
  expect: { incident: true, root_cause: { service: "postgres", code: "UNAVAILABLE.CONNECTION_REFUSED" } },
});

let run: RunResult;
let messages: Record<string, ReadMessage[]>;
let spans: FlatSpan[];
let logLines: LogLine[];

beforeAll(async () => {
  execFileSync("bash", ["scripts/services.sh", "start", "kafka"], { cwd: repoRoot, stdio: "ignore" });
  const all = Object.values(topics);
  const before = await watermarks(brokers, all);
  run = await runScenario(scenario, { topics, metricsInterval: "1s", log: () => {} });
  const after = await watermarks(brokers, all);
  messages = await readBetween(brokers, before, after);
  spans = messages[topics.spans]!.flatMap((m) => flattenSpans(decodeTraces(m.value)));
  logLines = messages[topics.appLogs]!.map((m) => parseLogLine(m.value.toString("utf8")));
}, 600_000);

afterAll(async () => {
  const admin = new Kafka({ clientId: "emitter-test", brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => {});
  await admin.disconnect();
});

const byService = (name: string) => spans.filter((s) => s.service === name);
const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;

describe("the example shop on Kafka", () => {
  it("ran the load and stopped every service cleanly", () => {
    expect(run.load?.sent).toBeGreaterThan(50);
    expect(run.load?.ok).toBeGreaterThan(0);
    expect(run.faults.map((f) => f.service).sort()).toEqual(["checkout", "inventory", "payments"]);
    for (const s of run.services) expect(s.exitCode, `${s.name} exit code (log: ${s.logFile})`).toBe(0);
  });

  it("exports spans of all four services, each with its SDK's telemetry.sdk.language", () => {
    const languages = Object.fromEntries(["frontend", "checkout", "payments", "inventory"].map((n) => [n, new Set(byService(n).map((s) => s.language))]));
    expect(languages).toEqual({
      frontend: new Set(["go"]),
      checkout: new Set(["go"]),
      payments: new Set(["rust"]),
      inventory: new Set(["rust"]),
    });
  });

  it("joins Go and Rust spans into one trace per request, with parent/child links across the language boundary", () => {
    const spanById = new Map(spans.map((s) => [s.spanId, s]));
    const paymentServers = byService("payments").filter((s) => s.kind === SERVER);
    expect(paymentServers.length).toBeGreaterThan(10);
    // Rust SERVER span -> parent is checkout's (Go) CLIENT span of the same trace.
    const linked = paymentServers.filter((s) => {
      const parent = spanById.get(s.parentSpanId);
      return parent?.service === "checkout" && parent.kind === CLIENT && parent.traceId === s.traceId;
    });
    expect(linked.length).toBe(paymentServers.length);
    // And a complete trace holds all four services under one root, the frontend's SERVER span.
    const traces = new Map<string, FlatSpan[]>();
    for (const s of spans) traces.set(s.traceId, [...(traces.get(s.traceId) ?? []), s]);
    const complete = [...traces.values()].filter((t) => new Set(t.map((s) => s.service)).size === 4);
    expect(complete.length).toBeGreaterThan(10);
    for (const trace of complete.slice(0, 20)) {
      const roots = trace.filter((s) => !s.parentSpanId);
      expect(roots.map((r) => `${r.service} ${r.kind}`)).toEqual(["frontend 2"]);
      for (const s of trace.filter((x) => x.parentSpanId)) expect(spanById.has(s.parentSpanId), `parent of ${s.service} ${s.name}`).toBe(true);
    }
  });

  it("records database and cache calls as CLIENT spans with db.system, server.address and peer.service", () => {
    const postgres = spans.filter((s) => s.attributes["db.system"] === "postgresql");
    const redis = spans.filter((s) => s.attributes["db.system"] === "redis");
    expect(new Set(postgres.map((s) => s.service))).toEqual(new Set(["checkout", "payments"]));
    expect(new Set(redis.map((s) => s.service))).toEqual(new Set(["inventory"]));
    for (const s of [...postgres, ...redis]) {
      expect(s.kind).toBe(CLIENT);
      expect(s.attributes["server.address"]).toBe("127.0.0.1");
      expect(s.attributes["peer.service"]).toBe(s.attributes["db.system"] === "redis" ? "redis" : "postgres");
      expect(String(s.attributes["db.query.text"])).not.toBe("");
    }
  });

  it("fails the injected calls with the real Go and Rust errors on the spans", () => {
    const failedDb = (service: string) =>
      spans.filter((s) => s.service === service && s.attributes["db.system"] === "postgresql" && s.statusCode === ERROR);
    const rust = failedDb("payments");
    expect(rust.length).toBeGreaterThan(0);
    expect(rust[0]!.statusMessage).toBe("error communicating with database: Connection refused (os error 111)");
    expect(rust[0]!.events.find((e) => e.name === "exception")?.attributes["exception.message"]).toContain("Connection refused (os error 111)");
    const go = failedDb("checkout");
    expect(go.length).toBeGreaterThan(0);
    expect(go[0]!.statusMessage).toMatch(/^dial tcp 127\.0\.0\.1:\d+: connect: connection refused$/);
    expect(go[0]!.events.find((e) => e.name === "exception")?.attributes["exception.type"]).toBe("*net.OpError");
    // The panic: inventory's SERVER span carries the exception with a Rust panic report.
    const panics = byService("inventory").filter((s) => s.kind === SERVER && s.events.some((e) => e.attributes["exception.type"] === "panic"));
    expect(panics.length).toBeGreaterThan(0);
    const panic = panics[0]!.events.find((e) => e.name === "exception")!.attributes;
    expect(String(panic["exception.stacktrace"])).toMatch(/^thread '[^']+' panicked at [^\n]+:\d+:\d+:\nindex out of bounds/);
    expect(panics[0]!.attributes["http.response.status_code"]).toBe(500);
    // Callers see the 5xx on their side of the call.
    const checkoutToPayments = byService("checkout").filter((s) => s.kind === CLIENT && s.attributes["peer.service"] === "payments");
    expect(checkoutToPayments.some((s) => s.statusCode === ERROR && s.attributes["http.response.status_code"] === 500)).toBe(true);
  });

  it("writes JSON log lines from every service that carry the trace and span ids of their spans", () => {
    const traceIds = new Set(spans.map((s) => s.traceId));
    const spanIds = new Set(spans.map((s) => s.spanId));
    const formats = Object.fromEntries(["frontend", "checkout", "payments", "inventory"].map((n) => [n, new Set(logLines.filter((l) => l.service === n).map((l) => l.format))]));
    expect(formats).toEqual({
      frontend: new Set(["go-slog"]),
      checkout: new Set(["go-zap"]),
      payments: new Set(["rust-tracing"]),
      inventory: new Set(["rust-tracing"]),
    });
    const withIds = logLines.filter((l) => l.traceId);
    expect(withIds.length).toBeGreaterThan(100);
    for (const line of withIds) {
      expect(line.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(line.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(traceIds.has(line.traceId), `trace of ${line.raw.slice(0, 200)}`).toBe(true);
      expect(spanIds.has(line.spanId), `span of ${line.raw.slice(0, 200)}`).toBe(true);
    }
    const rustError = logLines.find((l) => l.service === "payments" && l.level === "ERROR");
    expect((rustError?.json.fields as Record<string, unknown>).error).toBe("error communicating with database: Connection refused (os error 111)");
    const goError = logLines.find((l) => l.format === "go-zap" && l.level === "error" && String(l.json.error).includes("connection refused"));
    expect(String(goError?.json.error)).toMatch(/^load cart [^:]+: dial tcp 127\.0\.0\.1:\d+: connect: connection refused$/);
  });

  it("exports OTLP logs from checkout's zap bridge with trace context", () => {
    const records = messages[topics.logs]!.flatMap((m) =>
      (decodeLogs(m.value).resourceLogs ?? []).flatMap((rl) =>
        (rl.scopeLogs ?? []).flatMap((sl) => (sl.logRecords ?? []).map((r) => ({ ...resourceService(rl.resource?.attributes), r }))),
      ),
    );
    expect(new Set(records.map((x) => x.service))).toEqual(new Set(["checkout"]));
    const traceIds = new Set(spans.map((s) => s.traceId));
    const linked = records.filter((x) => x.r.traceId && traceIds.has(Buffer.from(x.r.traceId).toString("hex")));
    expect(linked.length).toBeGreaterThan(10);
    expect(records.some((x) => x.r.severityText === "error")).toBe(true);
  });

  it("exports request count, duration histogram and in-flight gauge from Go and Rust", () => {
    const seen = new Map<string, Set<string>>();
    for (const m of messages[topics.metrics]!) {
      for (const rm of decodeMetrics(m.value).resourceMetrics ?? []) {
        const { language } = resourceService(rm.resource?.attributes);
        for (const sm of rm.scopeMetrics ?? []) {
          for (const metric of sm.metrics ?? []) {
            const type = metric.sum ? "sum" : metric.histogram ? "histogram" : metric.gauge ? "gauge" : "other";
            const key = `${metric.name} ${type}`;
            seen.set(key, (seen.get(key) ?? new Set()).add(language));
          }
        }
      }
    }
    for (const key of ["shop.requests sum", "shop.request.duration histogram", "shop.requests.in_flight gauge"]) {
      expect(seen.get(key), key).toEqual(new Set(["go", "rust"]));
    }
  });
});
