// Which spans and log records carry an error, and what the glossary is given for them. Items
// without an error signal cost only a few attribute lookups and never reach the matcher.
import { ERROR_CODE_ATTRIBUTE, grpcCodeNumber, matchError, type CompiledGlossary, type ErrorSignal, type GlossaryMatch } from "./glossary-matcher.js";
import type { NormalizeStats } from "./context.js";

export interface ErrorColumns {
  ErrorCode: string;
  ErrorRetryable: boolean;
  ErrorFingerprint: string;
  ErrorMessage: string;
}

export const NO_ERROR: Readonly<ErrorColumns> = Object.freeze({ ErrorCode: "", ErrorRetryable: false, ErrorFingerprint: "", ErrorMessage: "" });

export function errorColumns(match: GlossaryMatch, stats: NormalizeStats | undefined): ErrorColumns {
  if (stats) {
    if (match.code === "UNKNOWN") stats.unknownErrors++;
    else stats.matchedErrors++;
  }
  return { ErrorCode: match.code, ErrorRetryable: match.retryable, ErrorFingerprint: match.fingerprint, ErrorMessage: match.message };
}

// gRPC codes that mark a server span as failed (semconv: the server's fault); client spans fail on any non-OK code.
const grpcServerErrors = new Set([2, 4, 12, 13, 14, 15]);

function httpStatusOf(attributes: Record<string, string>): number | undefined {
  const raw = attributes["http.response.status_code"];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 100 && n <= 599 ? n : undefined;
}

function grpcStatusOf(attributes: Record<string, string>): string | undefined {
  return attributes["rpc.grpc.status_code"] ?? attributes["rpc.response.status_code"];
}

export interface SpanErrorInput {
  attributes: Record<string, string>;
  statusCode: number;
  statusMessage: string;
  spanKind: string;
  /** Attributes of the span's last `exception` event, if any. */
  exception: Record<string, string> | undefined;
  language: string;
}

/** The error signal of a span, or undefined when the span carries no error. */
export function spanErrorSignal(input: SpanErrorInput): ErrorSignal | undefined {
  const { attributes, statusCode, spanKind, exception } = input;
  const httpStatus = httpStatusOf(attributes);
  const grpcRaw = grpcStatusOf(attributes);
  const grpc = grpcRaw === undefined ? -1 : grpcCodeNumber(grpcRaw);
  const errorType = attributes["error.type"];
  const declared = attributes[ERROR_CODE_ATTRIBUTE];
  const failed =
    statusCode === 2 ||
    exception !== undefined ||
    (errorType !== undefined && errorType !== "") ||
    declared !== undefined ||
    (httpStatus !== undefined && (httpStatus >= 500 || (httpStatus >= 400 && spanKind === "Client"))) ||
    (grpc > 0 && (spanKind !== "Server" || grpcServerErrors.has(grpc)));
  if (!failed) return undefined;
  const exceptionMessage = exception?.["exception.message"];
  const otherTexts: string[] = [];
  if (input.statusMessage) otherTexts.push(input.statusMessage);
  // Rust's tracing-opentelemetry puts the error's source chain in exception.stacktrace: the cause
  // (e.g. "Connection refused") is often only there. Go stack traces are frames only: not searched.
  const stack = exception?.["exception.stacktrace"];
  if (stack && input.language === "rust") otherTexts.push(stack);
  // error.type is a low-cardinality class ("timeout", "java.net.UnknownHostException"): text too.
  if (errorType) otherTexts.push(errorType);
  return {
    message: exceptionMessage || input.statusMessage || "",
    otherTexts,
    language: input.language,
    exceptionType: exception?.["exception.type"],
    errorType: errorType || undefined,
    declaredCode: declared,
    grpcCode: grpc >= 0 ? grpc : undefined,
    httpStatus,
    spanKind,
    sqlState: attributes["db.response.status_code"],
  };
}

export interface LogErrorInput {
  attributes: Record<string, string>;
  severityNumber: number;
  body: string;
  language: string;
  /** The level as the source wrote it. */
  level: string;
  /** The error text of a raw log line (its error/err field), when there is one. */
  errorField?: string;
}

/** The error signal of a log record, or undefined when it carries no error. */
export function logErrorSignal(input: LogErrorInput): ErrorSignal | undefined {
  const { attributes } = input;
  const exceptionMessage = attributes["exception.message"];
  const exceptionType = attributes["exception.type"];
  const declared = attributes[ERROR_CODE_ATTRIBUTE];
  const failed = input.severityNumber >= 17 || exceptionMessage !== undefined || exceptionType !== undefined || declared !== undefined;
  if (!failed) return undefined;
  const errorText = exceptionMessage ?? input.errorField ?? attributes["error"] ?? attributes["err"] ?? attributes["error.message"];
  return {
    message: errorText || input.body,
    otherTexts: errorText ? [input.body] : undefined,
    language: input.language,
    exceptionType,
    errorType: attributes["error.type"],
    declaredCode: declared,
    grpcCode: grpcStatusOf(attributes),
    httpStatus: httpStatusOf(attributes),
    sqlState: attributes["db.response.status_code"],
    logLevel: input.level || undefined,
  };
}

export function matchSignal(signal: ErrorSignal | undefined, glossary: CompiledGlossary | undefined, stats: NormalizeStats | undefined): ErrorColumns {
  if (!signal) return NO_ERROR;
  return errorColumns(glossary ? matchError(signal, glossary) : matchError(signal), stats);
}
