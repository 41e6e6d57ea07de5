// Every Braid setting, in one zod schema: the source of truth for defaults and validation. Values
// come from environment variables (see `settingsFromEnv` in runtime/config.ts for the names) and
// optionally a YAML/JSON file named by BRAID_CONFIG; the environment wins over the file.
import { z } from "zod";
import { AlertingSettings } from "./alerting.js";

export const Encoding = z.enum(["otlp_proto", "otlp_json", "app_log", "change_event"]);
export type Encoding = z.infer<typeof Encoding>;

export const Signal = z.enum(["traces", "metrics", "logs", "app_logs", "changes"]);
export type Signal = z.infer<typeof Signal>;

export const Role = z.enum(["ingest", "correlator", "api"]);
export type Role = z.infer<typeof Role>;

const topicName = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, "a Kafka topic name ([A-Za-z0-9._-], at most 249 characters)");

/** A signal's topic and default encoding; either may be set alone. */
const topicSettings = (topic: string, encoding: Encoding) =>
  z
    .object({
      /** A topic name, or a regular expression when it starts with ^ (as in the Collector's receiver). */
      topic: z.string().min(1).default(topic),
      /** Default encoding; a message's content-type header, where present, wins. */
      encoding: Encoding.default(encoding),
    })
    .prefault({});

const commaList = (item: z.ZodType<string>) =>
  z.preprocess(
    (value) => (typeof value === "string" ? value.split(",").map((part) => part.trim()).filter(Boolean) : value),
    z.array(item).min(1),
  );

/** "true"/"false"/"1"/"0" from the environment, or a real boolean from a file. */
const flag = z.preprocess((value) => {
  if (typeof value !== "string") return value;
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  return value;
}, z.boolean());

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

/** A latency objective that is checked like an anomaly: p95/p99 of a node's operation over the detection window. */
export const LatencyBudget = z.object({
  service: z.string().min(1),
  /** Omit for every operation of the service. */
  operation: z.string().min(1).optional(),
  quantile: z.enum(["p50", "p95", "p99"]).default("p99"),
  thresholdMs: z.number().positive(),
});
export type LatencyBudget = z.infer<typeof LatencyBudget>;

export const CorrelatorSettings = z.object({
  /** How often the detection job runs (half a bucket: a closed bucket waits 2.5 s on average to be judged). */
  tickSeconds: positiveInt.default(5),
  /** Width of a RED bucket; must match the braid_red_10s view (10 s). */
  bucketSeconds: z.literal(10).default(10),
  /** Buckets of the detection window (the "now" the baseline is compared with). */
  detectBuckets: positiveInt.default(3),
  /** History the baseline is taken from, before the detection window. */
  baselineMinutes: positiveInt.default(10),
  /** Closed buckets only: spans of the newest buckets may still be in Kafka. */
  ingestLagSeconds: z.coerce.number().int().nonnegative().default(3),
  /** Minimum-volume guards, so quiet endpoints don't page. */
  minCalls: positiveInt.default(20),
  minErrors: positiveInt.default(5),
  /** Error-rate anomaly: rise over the baseline rate, and robust score (x − median) / IQR. */
  minErrorRateIncrease: z.coerce.number().positive().max(1).default(0.05),
  /** Latency anomaly: window p95 at least this multiple of the baseline median p95, and this much slower. */
  latencyRatio: z.coerce.number().gt(1).default(1.5),
  minLatencyIncreaseMs: z.coerce.number().nonnegative().default(50),
  robustScoreThreshold: z.coerce.number().positive().default(3),
  /**
   * An anomaly opens an incident once this many buckets of its window are anomalous each on their
   * own (the data shows it persisted: one bad bucket, a stall, never opens anything)...
   */
  persistBuckets: positiveInt.default(2),
  /** ...or once it has been seen for this long (a `for` duration, for faults too thin to show in every bucket). */
  pendingSeconds: z.coerce.number().int().nonnegative().default(10),
  /** The same for latency anomalies, longer: a few seconds of CPU starvation slows everything at once. */
  latencyPendingSeconds: z.coerce.number().int().nonnegative().default(30),
  /**
   * A slowdown without errors opens an incident only if one node's own time accounts for at least
   * this share of the time added across all nodes: spread thin over every service, it is the
   * host's (CPU starvation, a noisy neighbour), and no node can be ranked as its cause.
   */
  minExplainedSlowdownShare: z.coerce.number().min(0).max(1).default(0.3),
  /** Anomalies quiet for this long end; an incident whose anomalies all ended resolves. */
  resolveAfterSeconds: positiveInt.default(90),
  /** Anomalies whose onsets are this close and that are connected in the graph form one incident. */
  groupWindowSeconds: positiveInt.default(120),
  /** BullMQ key prefix in Redis: correlators sharing it share the queues (and never duplicate work). */
  queuePrefix: z.string().regex(/^[A-Za-z0-9:_-]+$/).default("braid"),
  /** Kafka topic for incident events (opened, updated, resolved). */
  incidentTopic: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/).default("braid_incidents"),
  latencyBudgets: z.array(LatencyBudget).default([]),
  /** Resource attributes whose new value in a service's spans is a change (a deploy): service.version, a deployment id. */
  changeAttributes: commaList(z.string().min(1)).default(["service.version"]),
  /** How long before an incident's onset a change (a new attribute value, an announced event) counts as evidence. */
  changeLookBackSeconds: positiveInt.default(900),
});
export type CorrelatorSettings = z.infer<typeof CorrelatorSettings>;

const filePath = z.string().min(1);

const isLoopback = (host: string) => host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);

/** Who may call the API and how hard (README "Security"). */
export const ApiSettings = z.object({
  host: z.string().min(1).default("127.0.0.1"),
  port: port.default(8080),
  auth: z
    .object({
      /**
       * `keys` (default): every route but /healthz and the OpenAPI document needs an API key.
       * `off`: every request is an operator with every scope; for local development only, so it
       * is refused when the API listens on an address other than loopback.
       */
      mode: z.enum(["keys", "off"]).default("keys"),
      /** An admin key of tenant `*` that needs no store (at least 32 characters); for the first key. */
      bootstrapKey: z.string().min(32, "at least 32 characters (e.g. `openssl rand -hex 32`)").optional(),
      /** How often each API process reloads the key table (revocations elsewhere take at most this long). */
      keyCacheSeconds: positiveInt.default(5),
      /** Last-use times are kept in memory and written this often (one insert for all keys). */
      lastUseFlushSeconds: positiveInt.default(60),
    })
    .prefault({}),
  /** Requests per key (or per client address without a valid key) per minute. */
  rateLimitPerMinute: positiveInt.default(1200),
  bodyLimitBytes: positiveInt.default(1024 * 1024),
  /** Longest a request may take to arrive (headers and body), and a query may run. */
  requestTimeoutSeconds: positiveInt.default(30),
  /** Origins allowed to call the API from a browser; empty (default) sends no CORS headers. */
  corsOrigins: z
    .preprocess((value) => (typeof value === "string" ? value.split(",").map((part) => part.trim()).filter(Boolean) : value), z.array(z.url().or(z.literal("*"))))
    .default([]),
  /**
   * Proxies in front of the API whose X-Forwarded-For is believed (the audit log's client
   * address): true (any), or comma-separated addresses/CIDRs. Default: none.
   */
  trustProxy: z.union([flag, z.string().min(1)]).default(false),
  /**
   * A separate listener for /metrics without a key (for Prometheus on a private network). On the
   * API port /metrics always needs an operator key.
   */
  metricsPort: port.optional(),
  metricsHost: z.string().min(1).default("127.0.0.1"),
}).superRefine((api, ctx) => {
  if (api.auth.mode === "off" && !isLoopback(api.host)) {
    ctx.addIssue({ code: "custom", path: ["auth", "mode"], message: `'off' serves every tenant's data without a key: it is allowed only on a loopback address, and the API listens on ${api.host}` });
  }
});
export type ApiSettings = z.infer<typeof ApiSettings>;

/** TLS towards Kafka or ClickHouse: a private CA and/or a client certificate (mTLS). */
const tlsSettings = z.object({
  /** PEM file with the CA certificate(s) that signed the server's certificate; system CAs when absent. */
  caFile: filePath.optional(),
  /** PEM client certificate and key, for servers that authenticate clients by certificate. */
  certFile: filePath.optional(),
  keyFile: filePath.optional(),
  keyPassphrase: z.string().optional(),
  /** Host name checked against the certificate when it differs from the address dialled. */
  servername: z.string().min(1).optional(),
  /** Only for a test set-up: accept any server certificate. */
  insecureSkipVerify: flag.default(false),
});

export const KafkaSecuritySettings = {
  /** TLS to the brokers (SSL or SASL_SSL listeners). */
  tls: tlsSettings.extend({ enabled: flag.default(false) }).prefault({}),
  sasl: z
    .object({
      mechanism: z.enum(["plain", "scram-sha-256", "scram-sha-512"]),
      username: z.string().min(1),
      password: z.string().min(1),
    })
    .optional(),
};

export const BraidConfig = z.object({
  /** Which roles this process runs. Embedded chDB needs all three in one process. */
  roles: commaList(Role).default(["ingest", "correlator", "api"]),
  kafka: z
    .object({
      brokers: commaList(z.string().regex(/^[^:\s]+:\d+$/, "host:port")).default(["127.0.0.1:9092"]),
      clientId: z.string().min(1).default("braid"),
      groupId: z.string().min(1).default("braid-ingest"),
      /** Partitions for the topics Braid creates when they do not exist. */
      partitions: positiveInt.default(4),
      replicationFactor: positiveInt.default(1),
      /** Where new consumer groups start: earliest loses nothing that is still retained. */
      fromBeginning: flag.default(true),
      traces: topicSettings("otlp_spans", "otlp_proto"),
      metrics: topicSettings("otlp_metrics", "otlp_proto"),
      logs: topicSettings("otlp_logs", "otlp_proto"),
      appLogs: topicSettings("app_logs", "app_log"),
      /** Change events (deploys, config and feature-flag changes) as JSON, one per message (schemas/changes.ts). */
      changes: topicSettings("braid_changes", "change_event"),
      deadLetterTopic: topicName.default("braid_dlq"),
      /** Upper bound on one Kafka message; larger ones go to the dead-letter topic. */
      maxMessageBytes: positiveInt.default(8 * 1024 * 1024),
      /** Partitions processed in parallel by one ingest process. */
      partitionsConsumedConcurrently: positiveInt.default(2),
      maxBytesPerPartition: positiveInt.default(4 * 1024 * 1024),
      /**
       * Worker threads that decode, normalize and encode fetched messages (ingest/decode-pool.ts).
       * Absent: one fewer than the CPUs, at least one; 0: on the main thread.
       */
      decodeThreads: z.coerce.number().int().min(0).max(64).optional(),
      /**
       * Compression of the record batches Braid itself produces (dead letters, incident events).
       * Braid reads every codec whatever this says; none (the Collector's and Java client's default)
       * keeps the topics readable by any consumer.
       */
      producerCompression: z.enum(["none", "gzip", "snappy", "lz4", "zstd"]).default("none"),
      ...KafkaSecuritySettings,
    })
    .prefault({}),
  tenancy: z
    .object({
      /** Kafka header, then resource attribute, that names the tenant. */
      header: z.string().min(1).default("tenant"),
      resourceAttribute: z.string().min(1).default("braid.tenant"),
      default: z.string().min(1).default("default"),
    })
    .prefault({}),
  limits: z
    .object({
      maxAttributesPerItem: positiveInt.default(128),
      maxAttributeValueLength: positiveInt.default(8192),
    })
    .prefault({}),
  store: z
    .object({
      /** A ClickHouse server (http[s]://host:8123); when absent Braid uses embedded chDB. */
      clickhouseUrl: z.url().optional(),
      clickhouseUser: z.string().optional(),
      clickhousePassword: z.string().optional(),
      /** TLS to the server (an https:// URL): a private CA, a client certificate. */
      clickhouseTls: tlsSettings.omit({ insecureSkipVerify: true, servername: true, keyPassphrase: true }).prefault({}),
      database: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a plain identifier").default("otel"),
      chdbPath: z.string().min(1).default(".braid/chdb"),
    })
    .prefault({}),
  correlator: CorrelatorSettings.prefault({}),
  /** Alert rules and notifications (schemas/alerting.ts). */
  alerting: AlertingSettings.prefault({}),
  redis: z.object({ url: z.string().regex(/^rediss?:\/\//, "redis://host:port").default("redis://127.0.0.1:6379") }).prefault({}),
  api: ApiSettings.prefault({}),
  telemetry: z
    .object({
      /** OTLP gRPC endpoint for Braid's own spans (e.g. http://127.0.0.1:4317); unset disables export. */
      otlpEndpoint: z.url().optional(),
      serviceName: z.string().min(1).default("braid"),
    })
    .prefault({}),
  log: z.object({ level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info") }).prefault({}),
});
export type BraidConfig = z.infer<typeof BraidConfig>;
export type BraidConfigInput = z.input<typeof BraidConfig>;
