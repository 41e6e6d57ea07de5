// Braid traces itself: @opentelemetry/sdk-node with the OTLP gRPC exporter. Without an endpoint the
// SDK is not started and the API's no-op tracer makes every span free.
import { trace, SpanStatusCode, type Span, type Tracer } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";

export interface SelfTelemetry {
  tracer: Tracer;
  shutdown(): Promise<void>;
}

export function startSelfTelemetry(options: { otlpEndpoint?: string; serviceName: string; version?: string }): SelfTelemetry {
  if (!options.otlpEndpoint) return { tracer: trace.getTracer("braid"), shutdown: async () => {} };
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      [ATTR_SERVICE_VERSION]: options.version ?? "0.1.0",
    }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: options.otlpEndpoint }), { scheduledDelayMillis: 1000 })],
    instrumentations: [],
  });
  sdk.start();
  return { tracer: trace.getTracer("braid"), shutdown: () => sdk.shutdown() };
}

/** Runs fn inside an active span; records an exception and error status when it throws. */
export async function inSpan<T>(tracer: Tracer, name: string, attributes: Record<string, string | number | boolean>, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}
