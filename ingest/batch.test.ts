import { describe, expect, it } from "vitest";
import { MAX_PAST_NANOS, newNormalizeStats } from "../normalizer/index.js";
import { encodeTraces, newSpanId, newTraceId, traceRequest, attr } from "../scripts/lib/otlp-builder.js";
import { BraidConfig } from "../schemas/config.js";
import { kafkaTimeNanos, processBatch, type BatchOptions } from "./batch.js";
import type { IngestMessage } from "./message.js";
import { topicRoutes } from "./routing.js";

const config = BraidConfig.parse({ tenancy: { header: "tenant", resourceAttribute: "braid.tenant", default: "default" } });
const options = (): BatchOptions => ({ routes: topicRoutes(config), tenancy: config.tenancy, limits: config.limits, maxMessageBytes: 4096, stats: newNormalizeStats() });
const nowMs = Date.now();

function message(offset: number, value: Buffer | null, headers: Record<string, string> = {}, topic = "otlp_spans"): IngestMessage {
  return { topic, partition: 0, offset: String(offset), key: null, value, headers, timestamp: String(nowMs) };
}
function spans(count: number, resource: Record<string, string> = {}) {
  const request = traceRequest("svc", Array.from({ length: count }, (_, i) => ({ traceId: newTraceId(), spanId: newSpanId(), name: `op${i}`, kind: 2, startNs: BigInt(nowMs) * 1_000_000n, durationNs: 1000n })));
  request.resourceSpans[0]!.resource.attributes.push(...Object.entries(resource).map(([k, v]) => attr(k, v)));
  return encodeTraces(request);
}

describe("processBatch", () => {
  it("stores the good messages of a batch and turns each bad one into a dead letter with its code and reason", () => {
    const result = processBatch(
      [message(0, spans(2)), message(1, Buffer.from("not protobuf")), message(2, null), message(3, Buffer.alloc(5000, 1)), message(4, spans(1)), message(5, spans(1), {}, "unrouted_topic")],
      options(),
    );
    expect(result.rows.get("otel_traces")).toHaveLength(3);
    expect(result.items.traces).toBe(3);
    expect(result.deadLetters.map((letter) => [letter.message.offset, letter.code])).toEqual([
      ["1", "decode_error"],
      ["2", "empty_message"],
      ["3", "message_too_large"],
      ["5", "unsupported_content_type"],
    ]);
    expect(result.deadLetters[2]!.reason).toBe("the message has 5000 bytes, more than the limit of 4096 (kafka.maxMessageBytes)");
  });

  it("takes the tenant from the header, else from the resource attribute, else the default", () => {
    const rows = processBatch([message(0, spans(1, { "braid.tenant": "globex" }), { tenant: "acme" }), message(1, spans(1, { "braid.tenant": "globex" })), message(2, spans(1))], options()).rows.get("otel_traces") as { Tenant: string }[];
    expect(rows.map((row) => row.Tenant)).toEqual(["acme", "globex", "default"]);
  });

  it("keeps Kafka headers as kafka.header.<name> resource attributes", () => {
    const [row] = processBatch([message(0, spans(1), { producer: "collector-1", tenant: "acme" })], options()).rows.get("otel_traces") as { ResourceAttributes: Record<string, string> }[];
    expect(row!.ResourceAttributes).toMatchObject({ "kafka.header.producer": "collector-1", "kafka.header.tenant": "acme", "service.name": "svc" });
  });

  it("yields the same rows, but for IngestedAt, when the same messages are processed again later (replays are deterministic)", () => {
    const batch = [message(0, spans(3)), message(1, Buffer.from("plain text log line"), {}, "app_logs")];
    const first = processBatch(batch, { ...options(), now: () => new Date(nowMs) });
    const again = processBatch(batch, { ...options(), now: () => new Date(nowMs + 3_600_000) });
    const strip = (rows: Map<string, object[]>) => [...rows].map(([table, list]) => [table, list.map((row) => ({ ...row, IngestedAt: "" }))]);
    expect(strip(again.rows)).toEqual(strip(first.rows));
    const [line] = first.rows.get("otel_logs") as { Timestamp: string }[];
    expect(line!.Timestamp).toBe((BigInt(nowMs) * 1_000_000n).toString());
  });
});

describe("kafkaTimeNanos", () => {
  const wall = BigInt(nowMs) * 1_000_000n;
  it("uses the message timestamp when it is within the normalizer's window around the clock", () => {
    expect(kafkaTimeNanos(String(nowMs - 5000), wall)).toBe(wall - 5_000_000_000n);
  });
  it("ignores a missing, negative or absurd timestamp", () => {
    expect(kafkaTimeNanos("-1", wall)).toBeUndefined();
    expect(kafkaTimeNanos("", wall)).toBeUndefined();
    expect(kafkaTimeNanos(String(Number((wall - MAX_PAST_NANOS) / 1_000_000n) - 1000), wall)).toBeUndefined();
    expect(kafkaTimeNanos(String(nowMs + 2 * 3_600_000), wall)).toBeUndefined();
  });

  it("stores change events from the changes topic, and dead-letters one that is not JSON or not a change event with the field that is wrong", () => {
    const deploy = { time: "2026-03-01T10:00:00Z", service: "payments", kind: "deploy", version: "1.4.3", previous_version: "1.4.2", description: "raise the pool size", source: "github-actions" };
    const result = processBatch(
      [
        message(0, Buffer.from(JSON.stringify(deploy)), { tenant: "acme" }, "braid_changes"),
        message(1, Buffer.from("{not json"), {}, "braid_changes"),
        message(2, Buffer.from(JSON.stringify({ ...deploy, kind: "rollout" })), {}, "braid_changes"),
        message(3, Buffer.from(JSON.stringify({ ...deploy, id: "run-77", time: 1772359200000 })), {}, "braid_changes"),
      ],
      options(),
    );
    expect(result.rows.get("braid_changes")).toEqual([
      expect.objectContaining({ ChangeId: expect.stringMatching(/^chg_[0-9a-f]{20}$/), At: "1772359200000000000", Service: "payments", Kind: "deploy", Version: "1.4.3", PreviousVersion: "1.4.2", Source: "github-actions", Tenant: "acme" }),
      expect.objectContaining({ ChangeId: "run-77", At: "1772359200000000000", Tenant: "default" }),
    ]);
    expect(result.items.changes).toBe(2);
    expect(result.deadLetters.map((d) => [d.message.offset, d.code])).toEqual([["1", "decode_error"], ["2", "invalid_payload"]]);
    expect(result.deadLetters[1]!.reason).toContain("kind:");
  });
});
