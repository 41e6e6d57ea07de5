// Builds OTLP export requests with the official protos, for tests, benchmarks and the sample data
// of the demo that need many varied spans.
// (Payloads captured from the Go and Rust emitters are in test/fixtures/emitters/.)
import { randomBytes } from "node:crypto";
import { otlpTypes } from "../../schemas/otlp/index.js";

export interface TestSpan {
  traceId: Buffer;
  spanId: Buffer;
  parentSpanId?: Buffer;
  name: string;
  kind: number;
  startNs: bigint;
  durationNs: bigint;
  attributes?: Record<string, string | number | boolean>;
  status?: { code: number; message?: string };
  events?: { timeNs: bigint; name: string; attributes?: Record<string, string | number | boolean> }[];
}

export const attr = (key: string, value: string | number | boolean) => ({
  key,
  value: typeof value === "string" ? { stringValue: value } : typeof value === "boolean" ? { boolValue: value } : Number.isInteger(value) ? { intValue: value } : { doubleValue: value },
});

export function newTraceId(): Buffer {
  return randomBytes(16);
}
export function newSpanId(): Buffer {
  return randomBytes(8);
}

/** One ExportTraceServiceRequest for one service, as an SDK's batch span processor sends it. */
export function traceRequest(service: string, spans: TestSpan[], language = "go") {
  return {
    resourceSpans: [
      {
        resource: { attributes: [attr("service.name", service), attr("telemetry.sdk.language", language), attr("telemetry.sdk.name", "opentelemetry")] },
        scopeSpans: [
          {
            scope: { name: "braid.test", version: "1.0.0" },
            spans: spans.map((span) => ({
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId,
              name: span.name,
              kind: span.kind,
              startTimeUnixNano: span.startNs.toString(),
              endTimeUnixNano: (span.startNs + span.durationNs).toString(),
              attributes: Object.entries(span.attributes ?? {}).map(([key, value]) => attr(key, value)),
              status: span.status,
              events: span.events?.map((event) => ({
                timeUnixNano: event.timeNs.toString(),
                name: event.name,
                attributes: Object.entries(event.attributes ?? {}).map(([key, value]) => attr(key, value)),
              })),
            })),
          },
        ],
      },
    ],
  };
}

export function encodeTraces(request: object): Buffer {
  const type = otlpTypes().ExportTraceServiceRequest;
  return Buffer.from(type.encode(type.fromObject(request)).finish());
}

export const hex = (bytes: Buffer) => bytes.toString("hex");
