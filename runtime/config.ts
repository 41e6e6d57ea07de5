// Loads BraidConfig from the environment and an optional file, and fails start-up with a message
// that names each bad setting, where it came from, and what is expected.
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { BraidConfig } from "../schemas/config.js";

/** Environment variable → setting path. One place, so the README table and the code agree. */
export const envSettings: Record<string, string> = {
  BRAID_ROLES: "roles",
  BRAID_KAFKA_BROKERS: "kafka.brokers",
  BRAID_KAFKA_CLIENT_ID: "kafka.clientId",
  BRAID_KAFKA_GROUP_ID: "kafka.groupId",
  BRAID_KAFKA_PARTITIONS: "kafka.partitions",
  BRAID_KAFKA_REPLICATION_FACTOR: "kafka.replicationFactor",
  BRAID_KAFKA_FROM_BEGINNING: "kafka.fromBeginning",
  BRAID_TRACES_TOPIC: "kafka.traces.topic",
  BRAID_TRACES_ENCODING: "kafka.traces.encoding",
  BRAID_METRICS_TOPIC: "kafka.metrics.topic",
  BRAID_METRICS_ENCODING: "kafka.metrics.encoding",
  BRAID_LOGS_TOPIC: "kafka.logs.topic",
  BRAID_LOGS_ENCODING: "kafka.logs.encoding",
  BRAID_APP_LOGS_TOPIC: "kafka.appLogs.topic",
  BRAID_CHANGES_TOPIC: "kafka.changes.topic",
  BRAID_DLQ_TOPIC: "kafka.deadLetterTopic",
  BRAID_KAFKA_MAX_MESSAGE_BYTES: "kafka.maxMessageBytes",
  BRAID_KAFKA_PARTITIONS_CONCURRENTLY: "kafka.partitionsConsumedConcurrently",
  BRAID_INGEST_DECODE_THREADS: "kafka.decodeThreads",
  BRAID_KAFKA_PRODUCER_COMPRESSION: "kafka.producerCompression",
  BRAID_TENANT_HEADER: "tenancy.header",
  BRAID_TENANT_ATTRIBUTE: "tenancy.resourceAttribute",
  BRAID_DEFAULT_TENANT: "tenancy.default",
  BRAID_MAX_ATTRIBUTES: "limits.maxAttributesPerItem",
  BRAID_MAX_ATTRIBUTE_LENGTH: "limits.maxAttributeValueLength",
  BRAID_CLICKHOUSE_URL: "store.clickhouseUrl",
  BRAID_CLICKHOUSE_USER: "store.clickhouseUser",
  BRAID_CLICKHOUSE_PASSWORD: "store.clickhousePassword",
  BRAID_CLICKHOUSE_DATABASE: "store.database",
  BRAID_CHDB_PATH: "store.chdbPath",
  BRAID_REDIS_URL: "redis.url",
  BRAID_CORRELATOR_TICK_SECONDS: "correlator.tickSeconds",
  BRAID_CORRELATOR_RESOLVE_AFTER_SECONDS: "correlator.resolveAfterSeconds",
  BRAID_CORRELATOR_QUEUE_PREFIX: "correlator.queuePrefix",
  BRAID_CORRELATOR_CHANGE_ATTRIBUTES: "correlator.changeAttributes",
  BRAID_INCIDENTS_TOPIC: "correlator.incidentTopic",
  BRAID_CLICKHOUSE_TLS_CA_FILE: "store.clickhouseTls.caFile",
  BRAID_CLICKHOUSE_TLS_CERT_FILE: "store.clickhouseTls.certFile",
  BRAID_CLICKHOUSE_TLS_KEY_FILE: "store.clickhouseTls.keyFile",
  BRAID_KAFKA_TLS: "kafka.tls.enabled",
  BRAID_KAFKA_TLS_CA_FILE: "kafka.tls.caFile",
  BRAID_KAFKA_TLS_CERT_FILE: "kafka.tls.certFile",
  BRAID_KAFKA_TLS_KEY_FILE: "kafka.tls.keyFile",
  BRAID_KAFKA_TLS_KEY_PASSPHRASE: "kafka.tls.keyPassphrase",
  BRAID_KAFKA_TLS_SERVERNAME: "kafka.tls.servername",
  BRAID_KAFKA_TLS_INSECURE_SKIP_VERIFY: "kafka.tls.insecureSkipVerify",
  BRAID_KAFKA_SASL_MECHANISM: "kafka.sasl.mechanism",
  BRAID_KAFKA_SASL_USERNAME: "kafka.sasl.username",
  BRAID_KAFKA_SASL_PASSWORD: "kafka.sasl.password",
  BRAID_ALERTING_ENABLED: "alerting.enabled",
  BRAID_ALERT_RULES_DIR: "alerting.rulesDir",
  BRAID_ALERT_NOTIFICATIONS_FILE: "alerting.notificationsFile",
  BRAID_ALERT_INTERVAL_SECONDS: "alerting.intervalSeconds",
  BRAID_ALERT_EXTERNAL_URL: "alerting.externalUrl",
  BRAID_API_HOST: "api.host",
  BRAID_API_PORT: "api.port",
  BRAID_API_AUTH: "api.auth.mode",
  BRAID_API_BOOTSTRAP_KEY: "api.auth.bootstrapKey",
  BRAID_API_KEY_CACHE_SECONDS: "api.auth.keyCacheSeconds",
  BRAID_API_RATE_LIMIT_PER_MINUTE: "api.rateLimitPerMinute",
  BRAID_API_BODY_LIMIT_BYTES: "api.bodyLimitBytes",
  BRAID_API_REQUEST_TIMEOUT_SECONDS: "api.requestTimeoutSeconds",
  BRAID_API_CORS_ORIGINS: "api.corsOrigins",
  BRAID_API_TRUST_PROXY: "api.trustProxy",
  BRAID_METRICS_PORT: "api.metricsPort",
  BRAID_METRICS_HOST: "api.metricsHost",
  BRAID_OTLP_ENDPOINT: "telemetry.otlpEndpoint",
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "telemetry.otlpEndpoint",
  OTEL_SERVICE_NAME: "telemetry.serviceName",
  BRAID_LOG_LEVEL: "log.level",
};

/**
 * Settings that are secrets: never logged, never echoed in errors, redacted in the config dump.
 * Each may also be given as a file, NAME_FILE (as Docker and Kubernetes secrets are mounted).
 */
export const secretSettings = ["store.clickhousePassword", "kafka.sasl.password", "kafka.tls.keyPassphrase", "api.auth.bootstrapKey"] as const;
/** Settings that are URLs and may carry credentials (user:password@host). */
const urlSettings = ["store.clickhouseUrl", "redis.url", "telemetry.otlpEndpoint"] as const;

const secretEnvNames = new Set(Object.entries(envSettings).filter(([, target]) => (secretSettings as readonly string[]).includes(target)).map(([name]) => name));

const envNameOf = (settingPath: string): string | undefined =>
  Object.entries(envSettings).find(([, target]) => target === settingPath)?.[0];

export const redacted = "[redacted]";

/** The URL with its password (and user) replaced, for logs and dumps. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (!url.password && !url.username) return value;
    url.username = url.username ? "redacted" : "";
    url.password = url.password ? "redacted" : "";
    return url.toString();
  } catch {
    return value.replace(/\/\/[^/@]*@/, "//[redacted]@");
  }
}

function getPath(target: Record<string, unknown>, dotted: string): unknown {
  return dotted.split(".").reduce<unknown>((node, key) => (node && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined), target);
}

/** The effective configuration with every secret replaced: what `braid` prints and logs at start. */
export function redactConfig(config: BraidConfig): BraidConfig {
  const copy = structuredClone(config) as unknown as Record<string, unknown>;
  for (const settingPath of secretSettings) if (getPath(copy, settingPath) !== undefined) setPath(copy, settingPath, redacted);
  for (const settingPath of urlSettings) {
    const value = getPath(copy, settingPath);
    if (typeof value === "string") setPath(copy, settingPath, redactUrl(value));
  }
  return copy as unknown as BraidConfig;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid Braid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split(".");
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    node = (next && typeof next === "object" ? next : (node[key] = {})) as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] =
      value && typeof value === "object" && !Array.isArray(value) && current && typeof current === "object" && !Array.isArray(current)
        ? deepMerge(current as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}

/** Settings named by environment variables, as a nested object (unparsed strings). */
export function settingsFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, settingPath] of Object.entries(envSettings)) {
    const value = env[name];
    const file = secretEnvNames.has(name) ? env[`${name}_FILE`] : undefined;
    if (value !== undefined && value !== "") setPath(out, settingPath, value);
    else if (file) {
      try {
        setPath(out, settingPath, readFileSync(file, "utf8").replace(/\r?\n$/, ""));
      } catch (err) {
        throw new ConfigError([`${settingPath} (env ${name}_FILE=${JSON.stringify(file)}): cannot read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
      }
    }
  }
  return out;
}

/** Parses the configuration; throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): BraidConfig {
  let fromFile: Record<string, unknown> = {};
  const file = env.BRAID_CONFIG;
  if (file) {
    try {
      const parsed: unknown = parseYaml(readFileSync(file, "utf8"));
      if (parsed && typeof parsed === "object") fromFile = parsed as Record<string, unknown>;
      else if (parsed != null) throw new Error("expected a mapping of settings at the top level");
    } catch (err) {
      throw new ConfigError([`BRAID_CONFIG=${file}: ${(err as Error).message}`]);
    }
  }
  const result = BraidConfig.safeParse(deepMerge(fromFile, settingsFromEnv(env)));
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const settingPath = issue.path.join(".");
      const topLevel = issue.path.filter((part) => typeof part === "string").join(".");
      const envName = envNameOf(topLevel);
      const shown = (name: string) => (secretEnvNames.has(name) ? redacted : JSON.stringify(env[name]));
      const source =
        envName && env[envName] !== undefined
          ? ` (env ${envName}=${shown(envName)})`
          : envName && env[`${envName}_FILE`] !== undefined
            ? ` (env ${envName}_FILE=${JSON.stringify(env[`${envName}_FILE`])})`
            : file
              ? ` (file ${file})`
              : "";
      return `${settingPath}${source}: ${issue.message}`;
    }),
  );
}
export type { BraidConfig };
