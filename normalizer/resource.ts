// Per-resource facts computed once per ResourceSpans/ResourceLogs/ResourceMetrics, not per item:
// the attribute map (with ingest's extra attributes), ServiceName and SourceLanguage.
import type { Resource } from "../schemas/otlp/types.js";
import { attributeMap } from "./attributes.js";
import type { NormalizeContext, NormalizeLimits } from "./context.js";

/** ServiceName when a resource has none (the OpenTelemetry SDKs' own default, without the ":exe" suffix). */
export const UNKNOWN_SERVICE = "unknown_service";

const knownLanguages = new Set(["go", "rust", "java", "python", "nodejs", "dotnet", "cpp", "ruby", "php", "erlang", "swift", "webjs"]);

/** telemetry.sdk.language (or process.runtime.name as a hint) → SourceLanguage value. */
export function sourceLanguage(attributes: Record<string, string>): string {
  const sdk = attributes["telemetry.sdk.language"];
  if (sdk) {
    const lower = sdk.toLowerCase();
    return knownLanguages.has(lower) ? lower : "unknown";
  }
  const runtime = attributes["process.runtime.name"]?.toLowerCase();
  if (runtime === "go" || runtime === "gc") return "go";
  if (runtime === "rustc" || runtime === "rust") return "rust";
  return "unknown";
}

export interface ResourceInfo {
  attributes: Record<string, string>;
  serviceName: string;
  language: string;
}

export function mergeExtraAttributes(attributes: Record<string, string>, ctx: NormalizeContext): void {
  const extra = ctx.extraAttributes;
  if (!extra) return;
  for (const key of Object.keys(extra)) {
    const value = extra[key];
    if (typeof value === "string") attributes[key] = value;
  }
}

/** Service name and language of a resource; a missing service.name is replaced and counted. */
export function resourceInfo(resource: Resource | undefined, ctx: NormalizeContext, limits: NormalizeLimits): ResourceInfo {
  const attributes = attributeMap(resource?.attributes, limits, ctx.stats);
  mergeExtraAttributes(attributes, ctx);
  let serviceName = attributes["service.name"];
  if (!serviceName || !serviceName.trim()) {
    serviceName = UNKNOWN_SERVICE;
    if (ctx.stats) ctx.stats.missingServiceName++;
  } else if (serviceName === UNKNOWN_SERVICE || serviceName.startsWith(UNKNOWN_SERVICE + ":")) {
    // The SDK's default: the service forgot to set a name. Kept, but counted.
    if (ctx.stats) ctx.stats.missingServiceName++;
  }
  return { attributes, serviceName, language: sourceLanguage(attributes) };
}
