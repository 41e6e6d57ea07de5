// Captures real payloads of the example shop as test fixtures: runs a short scenario with
// many fault kinds on unique Kafka topics, reads everything back, and keeps a few messages per
// signal and language exactly as produced (OTLP protobuf .pb, one Kafka message each; JSON log
// lines .jsonl), preferring messages with errors. Writes test/fixtures/emitters/{go,rust}/ and
// a manifest.json describing each file.
//
//   npx tsx scripts/capture-fixtures.ts [--no-build]
import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Kafka, logLevel } from "kafkajs";
import type { Scenario } from "../schemas/scenario.js";
import { repoRoot, runScenario } from "../examples/runner/index.js";
import { decodeLogs, decodeMetrics, decodeTraces, flattenSpans, parseLogLine, resourceService } from "../examples/runner/inspect.js";
import { readBetween, watermarks, type ReadMessage } from "../examples/runner/kafka-read.js";

const brokers = (process.env.BRAID_KAFKA_BROKERS ?? "127.0.0.1:9092").split(",");
const suffix = randomUUID().slice(0, 8);
const topics = { spans: `capture_spans_${suffix}`, metrics: `capture_metrics_${suffix}`, logs: `capture_logs_${suffix}`, appLogs: `capture_app_logs_${suffix}` };
const outDir = path.join(repoRoot, "test/fixtures/emitters");

const f = (service: Scenario["faults"][number]["service"], dependency: string | undefined, kind: Scenario["faults"][number]["kind"], rate: number) => ({
  service,
  dependency,
  kind,
  rate,
  latency_ms: 0,
  start_s: 2,
  duration_s: 9,
  background: false,
});
const scenario: Scenario = {
  name: "capture-fixtures",
  description: "every fault kind at a low rate, in Go and in Rust",
  system: "shop",
  load: { rps: 15 },
  duration_s: 12,
  warmup_s: 2,
  faults: [
    f("frontend", "checkout", "http_5xx", 0.04),
    f("checkout", undefined, "panic", 0.04),
    f("checkout", "postgres", "no_rows", 0.06),
    f("checkout", "postgres", "tls_cert_expired", 0.05),
    f("checkout", "postgres", "timeout", 0.05),
    f("checkout", "postgres", "connection_refused", 0.05),
    f("payments", "postgres", "connection_refused", 0.06),
    f("payments", "postgres", "pool_exhausted", 0.06),
    f("payments", "postgres", "no_rows", 0.05),
    f("payments", undefined, "http_5xx", 0.04),
    f("inventory", undefined, "panic", 0.05),
    f("inventory", "redis", "timeout", 0.06),
  ],
  expect: { incident: true, root_cause: { service: "postgres", code: "UNAVAILABLE.CONNECTION_REFUSED" }, other_root_causes: [] },
};

interface ManifestEntry {
  file: string;
  language: string;
  service: string;
  signal: "traces" | "metrics" | "logs" | "app_logs";
  topic: string;
  items: number;
  errors: string[];
}

const languageDir = (language: string) => (language === "go" || language === "rust" ? language : "other");
const errorShape = (text: string) => text.replace(/\d+/g, "N").slice(0, 160);

async function main() {
  const all = Object.values(topics);
  const before = await watermarks(brokers, all);
  const run = await runScenario(scenario, { topics, metricsInterval: "2s", build: !process.argv.includes("--no-build") });
  const after = await watermarks(brokers, all);
  const read = await readBetween(brokers, before, after);
  const admin = new Kafka({ clientId: "capture-fixtures", brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.deleteTopics({ topics: all }).catch(() => {});
  await admin.disconnect();

  rmSync(outDir, { recursive: true, force: true });
  const manifest: ManifestEntry[] = [];
  const write = (entry: Omit<ManifestEntry, "file">, name: string, data: Buffer | string) => {
    const file = path.join(languageDir(entry.language), name);
    mkdirSync(path.join(outDir, languageDir(entry.language)), { recursive: true });
    writeFileSync(path.join(outDir, file), data);
    manifest.push({ file, ...entry });
  };

  // Traces: per service, the message with the most distinct errors, and the smallest without errors.
  const traceMessages = read[topics.spans]!.map((m) => ({ m, spans: flattenSpans(decodeTraces(m.value)) }));
  for (const service of ["frontend", "checkout", "payments", "inventory"]) {
    const mine = traceMessages.filter((x) => x.spans[0]?.service === service);
    // otelhttp resets a 5xx server span's status description to "", so the exception event
    // is where Go server spans keep the error text.
    const errorText = (s: (typeof mine)[number]["spans"][number]) =>
      s.statusMessage || String(s.events.find((e) => e.name === "exception")?.attributes["exception.message"] ?? "");
    const errorsOf = (x: (typeof mine)[number]) => [
      ...new Set(x.spans.filter((s) => s.statusCode === 2 && errorText(s)).map((s) => errorShape(errorText(s)))),
    ];
    const withErrors = [...mine].sort((a, b) => errorsOf(b).length - errorsOf(a).length || a.m.value.length - b.m.value.length)[0];
    const clean = mine.filter((x) => errorsOf(x).length === 0).sort((a, b) => a.m.value.length - b.m.value.length)[0];
    for (const [label, pick] of [["errors", withErrors], ["ok", clean]] as const) {
      if (!pick || (label === "errors" && errorsOf(pick).length === 0)) continue;
      const language = pick.spans[0]!.language;
      write({ language, service, signal: "traces", topic: "otlp_spans", items: pick.spans.length, errors: errorsOf(pick) }, `traces-${service}-${label}.pb`, pick.m.value);
    }
  }

  // Metrics: the last export of each service (all instruments, cumulative).
  for (const service of ["frontend", "checkout", "payments", "inventory"]) {
    const mine = read[topics.metrics]!.filter((m) => resourceService(decodeMetrics(m.value).resourceMetrics?.[0]?.resource?.attributes).service === service);
    const last = mine.at(-1);
    if (!last) continue;
    const request = decodeMetrics(last.value);
    const { language } = resourceService(request.resourceMetrics?.[0]?.resource?.attributes);
    const metrics = (request.resourceMetrics ?? []).flatMap((rm) => (rm.scopeMetrics ?? []).flatMap((sm) => sm.metrics ?? []));
    write({ language, service, signal: "metrics", topic: "otlp_metrics", items: metrics.length, errors: [] }, `metrics-${service}.pb`, last.value);
  }

  // OTLP logs (checkout's zap bridge): the export with the most error records, and one more.
  const logMessages = read[topics.logs]!.map((m: ReadMessage) => {
    const request = decodeLogs(m.value);
    const records = (request.resourceLogs ?? []).flatMap((rl) => (rl.scopeLogs ?? []).flatMap((sl) => sl.logRecords ?? []));
    // The otelzap bridge puts zap.Error(err) into exception.message / exception.type.
    const errors = [
      ...new Set(
        records
          .filter((r) => (r.severityNumber ?? 0) >= 17)
          .map((r) => errorShape(String(r.attributes?.find((a) => a.key === "exception.message")?.value?.stringValue ?? ""))),
      ),
    ];
    return { m, records, errors, ...resourceService(request.resourceLogs?.[0]?.resource?.attributes) };
  });
  [...logMessages]
    .sort((a, b) => b.errors.length - a.errors.length || a.m.value.length - b.m.value.length)
    .slice(0, 2)
    .forEach((x, i) => write({ language: x.language, service: x.service, signal: "logs", topic: "otlp_logs", items: x.records.length, errors: x.errors }, `logs-${x.service}-${i + 1}.pb`, x.m.value));

  // JSON log lines: per service, three info lines and the first line of each distinct error.
  const lines = read[topics.appLogs]!.map((m) => parseLogLine(m.value.toString("utf8")));
  for (const service of ["frontend", "checkout", "payments", "inventory"]) {
    const mine = lines.filter((l) => l.service === service);
    const info = mine.filter((l) => l.traceId && l.level.toLowerCase() === "info").slice(0, 3);
    const seen = new Set<string>();
    const errors = mine.filter((l) => {
      if (l.level.toLowerCase() !== "error") return false;
      const fields = (l.json.fields ?? {}) as Record<string, unknown>;
      const shape = errorShape(String(l.json.error ?? l.json.err ?? fields.error ?? fields.panic ?? l.json.msg));
      if (seen.has(shape)) return false;
      seen.add(shape);
      return true;
    });
    const picked = [...info, ...errors.slice(0, 10)];
    if (!picked.length) continue;
    const language = service === "payments" || service === "inventory" ? "rust" : "go";
    write({ language, service, signal: "app_logs", topic: "app_logs", items: picked.length, errors: [...seen] }, `app-logs-${service}.jsonl`, picked.map((l) => l.raw).join("\n") + "\n");
  }

  writeFileSync(
    path.join(outDir, "manifest.json"),
    JSON.stringify({ capturedAt: new Date().toISOString(), scenario: scenario.name, load: run.load, files: manifest }, null, 2) + "\n",
  );
  process.stderr.write(`[capture] wrote ${manifest.length} fixtures to ${path.relative(repoRoot, outDir)} (see manifest.json)\n`);
}

await main();
