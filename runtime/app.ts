// Wires the roles of one Braid process: the store, Kafka, Redis, self-telemetry, then ingest,
// correlator and API as configured. Everything is created here and passed down.
import path from "node:path";
import { Partitioners } from "kafkajs";
import { Redis } from "ioredis";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { buildApi, startMetricsListener, type HealthCheck } from "../api/index.js";
import { startCorrelator, type CorrelatorHandle } from "../correlator/index.js";
import { startAlerting, type AlertingHandle } from "../correlator/alerting/index.js";
import { compressionTypeOf, connectAdmin, createIngestMetrics, createKafka, kafkaSecurity, startIngest, type IngestHandle, type RetrySchedule } from "../ingest/index.js";
import type { BraidConfig } from "../schemas/config.js";
import { CURRENT_LAYOUT, detectLayout, LAYOUTS, openStore, type Store } from "../store/index.js";
import { createChangePublisher } from "./change-publisher.js";
import { redactConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { createMetricsRegistry } from "./metrics.js";
import { startSelfTelemetry, type SelfTelemetry } from "./telemetry.js";

export interface BraidProcess {
  config: BraidConfig;
  store: Store;
  logger: Logger;
  registry: Registry;
  /** http://host:port of the API, when the api role runs. */
  apiAddress?: string;
  /** http://host:port of the separate /metrics listener, when configured. */
  metricsAddress?: string;
  ingest?: IngestHandle;
  correlator?: CorrelatorHandle;
  alerting?: AlertingHandle;
  api?: FastifyInstance;
  /** Stops the roles in reverse order of start; safe to call twice. */
  stop(): Promise<void>;
}

export async function startBraid(config: BraidConfig, options: { logger?: Logger; cwd?: string; kafkaRefusalRetry?: RetrySchedule } = {}): Promise<BraidProcess> {
  const logger = options.logger ?? createLogger(config.log.level);
  const telemetry: SelfTelemetry = startSelfTelemetry({ otlpEndpoint: config.telemetry.otlpEndpoint, serviceName: config.telemetry.serviceName });
  const registry = createMetricsRegistry();
  const cleanups: (() => Promise<void>)[] = [() => telemetry.shutdown()];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((err: Error) => logger.error({ err }, "error while stopping"));
    }
  };

  // The configuration dump: every setting as in effect, secrets replaced.
  logger.info({ config: redactConfig(config) }, "configuration");
  try {
    const store = await openStore({
      clickhouseUrl: config.store.clickhouseUrl,
      clickhouseUser: config.store.clickhouseUser,
      clickhousePassword: config.store.clickhousePassword,
      clickhouseTls: config.store.clickhouseTls,
      database: config.store.database,
      chdbDataDir: path.resolve(options.cwd ?? process.cwd(), config.store.chdbPath),
    });
    cleanups.push(() => store.close());
    const layout = await detectLayout(store);
    logger.info({ driver: store.driver, database: store.database, layout: layout.layout }, "store ready");
    if (layout.layout !== CURRENT_LAYOUT) {
      logger.warn({ layout: layout.layout, tables: layout.tables }, `the database is not in the exporter ${LAYOUTS[CURRENT_LAYOUT].exporterVersion} layout; Braid works on it as it is, and 'npm run store:upgrade-layout' (with ingest stopped) moves it`);
    }

    const kafka = createKafka({ brokers: config.kafka.brokers, clientId: config.kafka.clientId, logger, security: kafkaSecurity(config.kafka) });
    if (config.kafka.sasl && !config.kafka.tls.enabled) logger.warn({ mechanism: config.kafka.sasl.mechanism }, "SASL without TLS (BRAID_KAFKA_TLS=false): the credentials and all data cross the network unencrypted");
    if (config.kafka.tls.enabled && config.kafka.tls.insecureSkipVerify) logger.warn("Kafka TLS certificates are not verified (BRAID_KAFKA_TLS_INSECURE_SKIP_VERIFY): anyone on the path can impersonate the broker");
    const kafkaAdmin = kafka.admin();
    // Refused credentials or TLS: one clear error, then slow retries (not a crash loop).
    await connectAdmin(kafkaAdmin, config.kafka, logger, options.kafkaRefusalRetry);
    cleanups.push(() => kafkaAdmin.disconnect());
    const redis = new Redis(config.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    redis.on("error", () => {}); // reported through /healthz, not as unhandled errors
    await redis.connect().catch((err: Error) => logger.warn({ err: err.message }, "redis not reachable yet"));
    cleanups.push(async () => void redis.disconnect());

    const proc: BraidProcess = { config, store, logger, registry, stop: stopAll };

    if (config.roles.includes("ingest")) {
      const ingest = await startIngest({ config, kafka, store, logger, tracer: telemetry.tracer, metrics: createIngestMetrics(registry) });
      cleanups.push(() => ingest.stop());
      proc.ingest = ingest;
    }

    if (config.roles.includes("correlator")) {
      const correlator = await startCorrelator({ settings: config.correlator, redisUrl: config.redis.url, store, kafka, producerCompression: compressionTypeOf[config.kafka.producerCompression], logger, tracer: telemetry.tracer, registry });
      cleanups.push(() => correlator.stop());
      proc.correlator = correlator;
      if (config.alerting.enabled) {
        const alerting = await startAlerting({
          settings: config.alerting, queuePrefix: config.correlator.queuePrefix, redisUrl: config.redis.url, store, logger, tracer: telemetry.tracer, registry,
          externalUrl: `http://${config.api.host}:${config.api.port}`,
        });
        cleanups.push(() => alerting.stop());
        proc.alerting = alerting;
      }
    }

    if (config.roles.includes("api")) {
      const health: HealthCheck[] = [
        { name: "store", check: () => store.ping() },
        { name: "kafka", check: async () => void (await kafkaAdmin.describeCluster()) },
        { name: "redis", check: async () => void (await redis.ping()) },
      ];
      const changes = kafka.producer({ allowAutoTopicCreation: true, createPartitioner: Partitioners.DefaultPartitioner });
      await changes.connect();
      cleanups.push(() => changes.disconnect());
      const publishChange = createChangePublisher(changes, { topic: config.kafka.changes.topic, defaultTenant: config.tenancy.default, tenantHeader: config.tenancy.header });
      const api = await buildApi({ deps: { store, logger, latencyBudgets: config.correlator.latencyBudgets, alerting: { rulesDir: config.alerting.rulesDir }, publishChange }, tracer: telemetry.tracer, registry, health, settings: config.api });
      if (config.api.auth.mode === "off") logger.warn("API authentication is off (BRAID_API_AUTH=off): every caller reads every tenant's data; for local development only");
      else if (api.keyRing.empty) logger.warn("no API key exists yet: every request but /healthz is answered 401; set BRAID_API_BOOTSTRAP_KEY or BRAID_API_BOOTSTRAP_KEY_FILE to an admin key and create keys with POST /api/v1/keys");
      const address = await api.listen({ host: config.api.host, port: config.api.port });
      cleanups.push(() => api.close());
      proc.api = api;
      proc.apiAddress = address;
      logger.info({ address }, "api listening");
      if (config.api.metricsPort !== undefined) {
        const metrics = await startMetricsListener(registry, config.api.metricsHost, config.api.metricsPort);
        cleanups.push(() => metrics.close());
        proc.metricsAddress = metrics.address;
        logger.info({ address: metrics.address }, "metrics listening (no key needed on this address)");
      }
    }
    return proc;
  } catch (err) {
    await stopAll();
    throw err;
  }
}
