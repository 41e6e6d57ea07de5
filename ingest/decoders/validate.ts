// Structural checks shared by the protobuf and JSON decoders: what OTLP receivers must reject
// (ids of the wrong length) is rejected here, with the position of the bad item in the reason.
import type { Bytes, ExportLogsServiceRequest, ExportTraceServiceRequest } from "../../schemas/otlp/index.js";
import { DecodeError } from "./decode-error.js";

function checkId(id: Bytes | undefined, bytes: number, what: string, where: string, required: boolean): void {
  const length = id?.length ?? 0;
  if (length === 0 && !required) return;
  if (length !== bytes) throw new DecodeError("invalid_payload", `${where}: ${what} has ${length} bytes, expected ${bytes}`);
}

export function validateTraces(request: ExportTraceServiceRequest): ExportTraceServiceRequest {
  request.resourceSpans?.forEach((resourceSpans, r) =>
    resourceSpans.scopeSpans?.forEach((scopeSpans, s) =>
      scopeSpans.spans?.forEach((span, i) => {
        const where = `resourceSpans[${r}].scopeSpans[${s}].spans[${i}]`;
        checkId(span.traceId, 16, "traceId", where, true);
        checkId(span.spanId, 8, "spanId", where, true);
        checkId(span.parentSpanId, 8, "parentSpanId", where, false);
      }),
    ),
  );
  return request;
}

export function validateLogs(request: ExportLogsServiceRequest): ExportLogsServiceRequest {
  request.resourceLogs?.forEach((resourceLogs, r) =>
    resourceLogs.scopeLogs?.forEach((scopeLogs, s) =>
      scopeLogs.logRecords?.forEach((record, i) => {
        const where = `resourceLogs[${r}].scopeLogs[${s}].logRecords[${i}]`;
        checkId(record.traceId, 16, "traceId", where, false);
        checkId(record.spanId, 8, "spanId", where, false);
      }),
    ),
  );
  return request;
}
