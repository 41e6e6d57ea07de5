// Micro-benchmark of the glossary matcher: messages per second on a mix of realistic Go and Rust
// error messages (the captured fixtures, with addresses and ids varied so nothing is a repeat),
// against a baseline measured in the same run: one precompiled regex test per message. Also
// measures normalizeTraces on spans with and without errors (the ingest hot path).
// Run: npm run bench:glossary [-- messages]. Prints figures; asserts nothing.
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defaultGlossary, matchError, newNormalizeStats, normalizeTraces } from "../normalizer/index.js";
import type { ExportTraceServiceRequest } from "../schemas/otlp/types.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const total = Number(process.argv[2] ?? 200_000);

function fixtureTexts(): { text: string; language: string }[] {
  const out: { text: string; language: string }[] = [];
  for (const [file, language] of [["test/fixtures/normalizer/go/go-errors.json", "go"], ["test/fixtures/normalizer/rust/rust-errors.json", "rust"]] as const) {
    for (const entry of JSON.parse(readFileSync(path.join(root, file), "utf8")) as { text: string }[]) out.push({ text: entry.text, language });
  }
  return out;
}

// Messages no glossary entry knows (UNKNOWN path: full scan plus fingerprint).
const unknownTemplates = [
  (i: number) => `order ${i} rejected: inventory reservation ${(i * 7919).toString(16)} expired`,
  (i: number) => `payment provider returned code ${i % 97}: card_declined for customer cus_${(i * 31).toString(36)}`,
  (i: number) => `failed to render template /srv/templates/email_${i % 13}.html: missing key "first_name"`,
];

function corpus(n: number): { text: string; language: string }[] {
  const known = fixtureTexts();
  const out: { text: string; language: string }[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 4 === 3) {
      out.push({ text: unknownTemplates[i % unknownTemplates.length]!(i), language: i % 2 ? "go" : "rust" });
      continue;
    }
    const base = known[i % known.length]!;
    // Vary addresses and numbers so the engine cannot benefit from identical strings.
    const text = base.text.replace(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}:\d+/g, `10.${(i >> 8) & 255}.${i & 255}.${i % 7}:${5000 + (i % 1000)}`).replace(/\(\d+\)/g, `(${i % 50000})`);
    out.push({ text, language: base.language });
  }
  return out;
}

function measure(label: string, n: number, fn: () => number): { label: string; perSecond: number; checksum: number } {
  fn(); // warm-up (JIT)
  const runs: number[] = [];
  let checksum = 0;
  for (let r = 0; r < 5; r++) {
    const start = process.hrtime.bigint();
    checksum += fn();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    runs.push(n / seconds);
  }
  runs.sort((a, b) => a - b);
  return { label, perSecond: runs[2]!, checksum }; // median of 5
}

const messages = corpus(total);
defaultGlossary(); // compile once, outside the timings

const baselineRegex = /connection refused/i;
const baseline = measure("baseline: one precompiled regex test", messages.length, () => {
  let hits = 0;
  for (const m of messages) if (baselineRegex.test(m.text)) hits++;
  return hits;
});
const matcher = measure("matchError (code + fingerprint)", messages.length, () => {
  let unknown = 0;
  for (const m of messages) if (matchError({ message: m.text, language: m.language }).code === "UNKNOWN") unknown++;
  return unknown;
});

// During an incident the same few messages repeat: 100 distinct messages, cycled.
const repeated = messages.slice(0, 100);
const matcherRepeated = measure("matchError, 100 distinct messages repeated", messages.length, () => {
  let unknown = 0;
  for (let i = 0; i < messages.length; i++) {
    const m = repeated[i % 100]!;
    if (matchError({ message: m.text, language: m.language }).code === "UNKNOWN") unknown++;
  }
  return unknown;
});

// Spans: 1000 per request, 10% with an exception event and error status (Go shape).
function spanRequest(errorEvery: number): ExportTraceServiceRequest {
  const spans = [];
  const startNs = BigInt(Date.now()) * 1_000_000n;
  for (let i = 0; i < 1000; i++) {
    const failing = errorEvery > 0 && i % errorEvery === 0;
    const message = messages[i]!.text;
    spans.push({
      traceId: Uint8Array.from({ length: 16 }, (_, k) => (i + k + 1) & 255),
      spanId: Uint8Array.from({ length: 8 }, (_, k) => (i * 3 + k + 1) & 255),
      name: "GET /orders/{id}",
      kind: 2,
      startTimeUnixNano: (startNs + BigInt(i) * 1000n).toString(),
      endTimeUnixNano: (startNs + BigInt(i) * 1000n + 2_500_000n).toString(),
      attributes: [
        { key: "http.request.method", value: { stringValue: "GET" } },
        { key: "http.route", value: { stringValue: "/orders/{id}" } },
        { key: "http.response.status_code", value: { intValue: failing ? "500" : "200" } },
        { key: "server.address", value: { stringValue: "orders.internal" } },
      ],
      status: failing ? { code: 2, message } : { code: 0 },
      events: failing ? [{ name: "exception", timeUnixNano: startNs.toString(), attributes: [{ key: "exception.message", value: { stringValue: message } }, { key: "exception.type", value: { stringValue: "*net.OpError" } }] }] : [],
    });
  }
  return { resourceSpans: [{ resource: { attributes: [{ key: "service.name", value: { stringValue: "orders" } }, { key: "telemetry.sdk.language", value: { stringValue: "go" } }] }, scopeSpans: [{ scope: { name: "otelhttp" }, spans }] }] };
}
const ctx = { tenant: "bench", ingestedAt: new Date().toISOString(), stats: newNormalizeStats() };
const healthy = spanRequest(0);
const tenPercent = spanRequest(10);
const spansHealthy = measure("normalizeTraces, no errors", 100_000, () => {
  let n = 0;
  for (let r = 0; r < 100; r++) n += normalizeTraces(healthy, ctx).length;
  return n;
});
const spansErrors = measure("normalizeTraces, 10% errors", 100_000, () => {
  let n = 0;
  for (let r = 0; r < 100; r++) n += normalizeTraces(tenPercent, ctx).length;
  return n;
});

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")} on ${os.cpus().length} CPUs (figures are noisy when other work runs)`);
console.log(`glossary ${defaultGlossary().version}, ${defaultGlossary().entries.length} entries; ${fmt(messages.length)} messages (${fixtureTexts().length} captured Go/Rust errors varied, 25% unknown); node ${process.version}`);
console.log(`${baseline.label.padEnd(42)} ${fmt(baseline.perSecond).padStart(14)} messages/s`);
console.log(`${matcher.label.padEnd(42)} ${fmt(matcher.perSecond).padStart(14)} messages/s  (${(baseline.perSecond / matcher.perSecond).toFixed(1)}x the baseline's time per message)`);
console.log(`${matcherRepeated.label.padEnd(42)} ${fmt(matcherRepeated.perSecond).padStart(14)} messages/s  (${(baseline.perSecond / matcherRepeated.perSecond).toFixed(1)}x)`);
console.log(`${spansHealthy.label.padEnd(42)} ${fmt(spansHealthy.perSecond).padStart(14)} spans/s`);
console.log(`${spansErrors.label.padEnd(42)} ${fmt(spansErrors.perSecond).padStart(14)} spans/s`);
