// A real OTLP gRPC trace receiver (the collector's TraceService from the official proto, served by
// @grpc/grpc-js), so tests can check the spans Braid exports about itself.
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { otlpProtoDir } from "../../schemas/otlp/index.js";

export interface ReceivedSpan {
  name: string;
  serviceName: string;
  attributes: Record<string, unknown>;
}

export interface OtlpReceiver {
  endpoint: string;
  spans: ReceivedSpan[];
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const definition = protoLoader.loadSync("opentelemetry/proto/collector/trace/v1/trace_service.proto", {
    includeDirs: [otlpProtoDir()],
    keepCase: false,
    longs: String,
    defaults: false,
  });
  const proto = grpc.loadPackageDefinition(definition) as unknown as {
    opentelemetry: { proto: { collector: { trace: { v1: { TraceService: grpc.ServiceClientConstructor } } } } };
  };
  const spans: ReceivedSpan[] = [];
  const server = new grpc.Server();
  server.addService(proto.opentelemetry.proto.collector.trace.v1.TraceService.service, {
    Export: (call: grpc.ServerUnaryCall<any, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      for (const resourceSpans of call.request.resourceSpans ?? []) {
        const serviceName = resourceSpans.resource?.attributes?.find((kv: any) => kv.key === "service.name")?.value?.stringValue ?? "";
        for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
          for (const span of scopeSpans.spans ?? []) {
            const attributes: Record<string, unknown> = {};
            for (const kv of span.attributes ?? []) {
              const value = kv.value ?? {};
              attributes[kv.key] = value.intValue !== undefined ? Number(value.intValue) : Object.values(value)[0];
            }
            spans.push({ name: span.name, serviceName, attributes });
          }
        }
      }
      callback(null, {});
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    close: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
}
