// GET /api/v1/glossary and GET /api/v1/errors over a real embedded store (chDB, own data
// directory for this file's worker process), filled with rows the normalizer made from OTLP spans
// and raw Go/Rust log lines. Requests go through the API as the server registers it (inject).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { trace } from "@opentelemetry/api";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApi } from "../../api/index.js";
import { hex, str, viaProtobuf } from "../normalizer/otlp-requests.js";
import { newNormalizeStats, normalizeAppLogLine, normalizeTraces, type NormalizeContext } from "../../normalizer/index.js";
import { createLogger } from "../../runtime/logger.js";
import { createMetricsRegistry } from "../../runtime/metrics.js";
import { readGlossaryFile } from "../../schemas/glossary/index.js";
import { openStore, type Store } from "../../store/index.js";

const dataDir = mkdtempSync(path.join(tmpdir(), "braid-errors-api-"));
const baseMs = Date.UTC(2024, 0, 15, 10, 0, 0);
const nsAt = (offsetSeconds: number) => (BigInt(baseMs + offsetSeconds * 1000) * 1_000_000n).toString();
const ctx = (): NormalizeContext => ({ tenant: "acme", ingestedAt: "2024-01-15T11:00:00.000Z", nowNanos: BigInt(baseMs + 3_600_000) * 1_000_000n, stats: newNormalizeStats() });
const range = `from=${baseMs}&to=${baseMs + 3_600_000}`;

let store: Store;
let app: FastifyInstance;

function failingSpans(service: string, language: string, messages: string[], startSecond: number) {
  return viaProtobuf.traces({
    resourceSpans: [
      {
        resource: { attributes: [str("service.name", service), str("telemetry.sdk.language", language)] },
        scopeSpans: [
          {
            spans: messages.map((message, i) => ({
              traceId: hex((i + 1).toString(16).padStart(32, "a")),
              spanId: hex((i + 1).toString(16).padStart(16, "b")),
              name: "call",
              kind: 3,
              startTimeUnixNano: nsAt(startSecond + i),
              endTimeUnixNano: nsAt(startSecond + i + 1),
              status: { code: 2, message },
              events: [{ name: "exception", timeUnixNano: nsAt(startSecond + i), attributes: [str("exception.message", message)] }],
            })),
          },
        ],
      },
    ],
  });
}

beforeAll(async () => {
  store = await openStore({ database: "otel_test_errors", chdbDataDir: dataDir });
  const c = ctx();
  const spans = [
    ...normalizeTraces(failingSpans("checkout", "go", ["dial tcp 10.0.0.5:5432: connect: connection refused", "dial tcp 10.0.0.6:5432: connect: connection refused", "context deadline exceeded"], 60), c),
    ...normalizeTraces(failingSpans("payments", "rust", ["Connection refused (os error 111)", "flux capacitor 7 overheated", "flux capacitor 9 overheated", "warp core breach at deck 4"], 120), c),
    // Outside the queried range: must not be counted.
    ...normalizeTraces(failingSpans("checkout", "go", ["dial tcp 10.0.0.5:5432: connect: connection refused"], 7200), { ...c, nowNanos: BigInt(baseMs + 7_300_000) * 1_000_000n }),
    // A healthy span: no code, not counted.
    ...normalizeTraces(viaProtobuf.traces({ resourceSpans: [{ resource: { attributes: [str("service.name", "checkout")] }, scopeSpans: [{ spans: [{ traceId: hex("f".repeat(32)), spanId: hex("e".repeat(16)), name: "ok", startTimeUnixNano: nsAt(10), endTimeUnixNano: nsAt(11) }] }] }] }), c),
  ];
  const logs = [
    normalizeAppLogLine(`{"level":"error","ts":${(baseMs + 300_000) / 1000},"msg":"query failed","service":"checkout","error":"dial tcp 10.0.0.5:5432: connect: connection refused"}`, c),
    normalizeAppLogLine(`{"timestamp":"2024-01-15T10:06:00.000001Z","level":"ERROR","fields":{"message":"payment failed","error":"flux capacitor 3 overheated","service":"payments"},"target":"payments::api"}`, c),
    normalizeAppLogLine(`{"level":"info","ts":${(baseMs + 300_000) / 1000},"msg":"all good","service":"checkout"}`, c),
  ];
  await store.insert("otel_traces", spans);
  await store.insert("otel_logs", logs);
  app = await buildApi({
    deps: { store, logger: createLogger("silent") },
    tracer: trace.getTracer("test"),
    registry: createMetricsRegistry(),
    health: [],
  });
});

afterAll(async () => {
  await app?.close();
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const get = async (url: string) => {
  const response = await app.inject({ method: "GET", url });
  return { status: response.statusCode, body: response.json() as any };
};

describe("GET /api/v1/glossary", () => {
  it("returns the catalogue with its version", async () => {
    const { status, body } = await get("/api/v1/glossary");
    const file = readGlossaryFile();
    expect(status).toBe(200);
    expect(body.version).toBe(file.version);
    expect(body.entries.map((e: { code: string }) => e.code)).toEqual(file.entries.map((e) => e.code));
    expect(body.entries.find((e: { code: string }) => e.code === "UNAVAILABLE.CONNECTION_REFUSED")).toMatchObject({ retryable: true, class: "transient", severity: "error" });
  });

  it("filters by class and retryable", async () => {
    const { body } = await get("/api/v1/glossary?class=server_bug&retryable=false");
    expect(body.entries.length).toBeGreaterThan(0);
    expect(body.entries.every((e: { class: string; retryable: boolean }) => e.class === "server_bug" && !e.retryable)).toBe(true);
  });

  it("rejects an unknown class with 400 naming the field", async () => {
    const { status, body } = await get("/api/v1/glossary?class=flaky");
    expect(status).toBe(400);
    expect(body.message).toMatch(/class/);
  });
});

describe("GET /api/v1/errors", () => {
  it("counts per code, service and language across spans and logs, with samples", async () => {
    const { status, body } = await get(`/api/v1/errors?${range}`);
    expect(status).toBe(200);
    expect(body.GlossaryVersion).toBe(readGlossaryFile().version);
    const refusedGo = body.Errors.find((e: any) => e.ErrorCode === "UNAVAILABLE.CONNECTION_REFUSED" && e.ServiceName === "checkout");
    expect(refusedGo).toMatchObject({ SourceLanguage: "go", Count: 3, SpanCount: 2, LogCount: 1, Retryable: true, ErrorFingerprint: "", Title: "Connection refused", Class: "transient" });
    expect(refusedGo.SampleMessages).toEqual(["dial tcp 10.0.0.5:5432: connect: connection refused", "dial tcp 10.0.0.6:5432: connect: connection refused"]);
    expect(refusedGo.FirstSeen).toBe(nsAt(60));
    const refusedRust = body.Errors.find((e: any) => e.ErrorCode === "UNAVAILABLE.CONNECTION_REFUSED" && e.ServiceName === "payments");
    expect(refusedRust).toMatchObject({ SourceLanguage: "rust", Count: 1, SampleMessages: ["Connection refused (os error 111)"] });
    expect(body.Errors.find((e: any) => e.ErrorCode === "DEADLINE_EXCEEDED.CLIENT_TIMEOUT")).toMatchObject({ ServiceName: "checkout", Count: 1 });
  });

  it("groups UNKNOWN errors by fingerprint", async () => {
    const { body } = await get(`/api/v1/errors?${range}&code=UNKNOWN`);
    expect(body.Errors.every((e: any) => e.ErrorCode === "UNKNOWN" && /^[0-9a-f]{16}$/.test(e.ErrorFingerprint))).toBe(true);
    const flux = body.Errors.find((e: any) => e.SampleMessages.some((m: string) => m.startsWith("flux")));
    expect(flux).toMatchObject({ Count: 3, SpanCount: 2, LogCount: 1, ServiceName: "payments", Title: "Unknown error" });
    const warp = body.Errors.find((e: any) => e.SampleMessages.includes("warp core breach at deck 4"));
    expect(warp.Count).toBe(1);
    expect(warp.ErrorFingerprint).not.toBe(flux.ErrorFingerprint);
  });

  it("filters by service, language and fingerprint, and bounds the rows", async () => {
    const byService = await get(`/api/v1/errors?${range}&service=payments`);
    expect(new Set(byService.body.Errors.map((e: any) => e.ServiceName))).toEqual(new Set(["payments"]));
    const byLanguage = await get(`/api/v1/errors?${range}&language=go`);
    expect(byLanguage.body.Errors.map((e: any) => e.ErrorCode).sort()).toEqual(["DEADLINE_EXCEEDED.CLIENT_TIMEOUT", "UNAVAILABLE.CONNECTION_REFUSED"]);
    const unknown = await get(`/api/v1/errors?${range}&code=UNKNOWN&limit=1`);
    expect(unknown.body.Errors).toHaveLength(1);
    const fp = unknown.body.Errors[0].ErrorFingerprint;
    const byFingerprint = await get(`/api/v1/errors?${range}&fingerprint=${fp}`);
    expect(byFingerprint.body.Errors.map((e: any) => e.ErrorFingerprint)).toEqual([fp]);
  });

  it("counts only inside the time range", async () => {
    const early = await get(`/api/v1/errors?from=${baseMs}&to=${baseMs + 90_000}`);
    expect(early.body.Errors.map((e: any) => [e.ErrorCode, e.Count])).toEqual([
      ["UNAVAILABLE.CONNECTION_REFUSED", 2],
      ["DEADLINE_EXCEEDED.CLIENT_TIMEOUT", 1],
    ]);
    const later = await get(`/api/v1/errors?from=${baseMs + 7_000_000}&to=${baseMs + 7_300_000}`);
    expect(later.body.Errors).toEqual([expect.objectContaining({ ErrorCode: "UNAVAILABLE.CONNECTION_REFUSED", Count: 1 })]);
  });

  it.each([
    ["language=cobol", /language/],
    ["code=not-a-code", /code/],
    ["fingerprint=xyz", /fingerprint/],
    ["limit=0", /limit/],
    [`from=${baseMs + 1000}&to=${baseMs}`, /from/],
    [`from=${baseMs - 30 * 86_400_000}&to=${baseMs}`, /from/],
  ])("rejects %s with 400 naming the field", async (query, field) => {
    const { status, body } = await get(`/api/v1/errors?${query}`);
    expect(status).toBe(400);
    expect(body.message).toMatch(field);
  });
});
