// TLS and SASL towards Kafka, from Braid's settings: what kafkajs needs (PEM files read once) and
// what an operator needs when the broker says no (which setting to check). Connecting with
// credentials the broker rejects is not retried like an outage: Braid logs one clear error and
// tries again slowly, so a wrong password does not become a crash loop that floods the broker.
import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import type { Admin, SASLOptions } from "kafkajs";
import type { Logger } from "pino";
import type { BraidConfig } from "../schemas/config.js";

export type KafkaSettings = Pick<BraidConfig["kafka"], "brokers" | "tls" | "sasl">;

export interface KafkaSecurity {
  ssl?: ConnectionOptions | boolean;
  sasl?: SASLOptions;
  /** TLS and SASL handshakes take longer than kafkajs' default 1 s connection timeout allows on a busy host. */
  connectionTimeout?: number;
}

function readPem(file: string, what: string, variable: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`Kafka TLS: cannot read the ${what} ${file} (${variable}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** kafkajs' ssl/sasl options for the settings; {} for a plaintext listener. */
export function kafkaSecurity(settings: KafkaSettings): KafkaSecurity {
  const { tls, sasl } = settings;
  const out: KafkaSecurity = {};
  if (tls.enabled) {
    if (Boolean(tls.certFile) !== Boolean(tls.keyFile)) throw new Error("Kafka TLS: a client certificate needs both BRAID_KAFKA_TLS_CERT_FILE and BRAID_KAFKA_TLS_KEY_FILE");
    const options: ConnectionOptions = { rejectUnauthorized: !tls.insecureSkipVerify };
    if (tls.caFile) options.ca = [readPem(tls.caFile, "CA file", "BRAID_KAFKA_TLS_CA_FILE")];
    if (tls.certFile && tls.keyFile) {
      options.cert = readPem(tls.certFile, "client certificate", "BRAID_KAFKA_TLS_CERT_FILE");
      options.key = readPem(tls.keyFile, "client key", "BRAID_KAFKA_TLS_KEY_FILE");
      if (tls.keyPassphrase) options.passphrase = tls.keyPassphrase;
    }
    if (tls.servername) options.servername = tls.servername;
    out.ssl = options;
  }
  if (sasl) out.sasl = { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions;
  if (out.ssl || out.sasl) out.connectionTimeout = 10_000;
  return out;
}

export type KafkaRefusal = "authentication" | "tls";

/** Whether a connection error means the broker refuses Braid's credentials or TLS (a setting to fix, not an outage). */
export function kafkaRefusal(err: unknown): KafkaRefusal | undefined {
  const chain: { name?: string; message?: string }[] = [];
  for (let e = err as { name?: string; message?: string; originalError?: unknown; cause?: unknown } | undefined; e && chain.length < 5; e = (e.originalError ?? e.cause) as typeof e) chain.push(e);
  if (chain.some((e) => e.name === "KafkaJSSASLAuthenticationError" || /SASL .*authentication failed|Authentication failed/i.test(e.message ?? ""))) return "authentication";
  if (chain.some((e) => /certificate|SSL routines|self[- ]signed|altnames|handshake|wrong version number|alert/i.test(e.message ?? ""))) return "tls";
  return undefined;
}

/** The sentence an operator reads when the broker refuses Braid: what failed and which settings to check. */
export function refusalMessage(kind: KafkaRefusal, settings: KafkaSettings, err: unknown): string {
  const where = settings.brokers.join(", ");
  const detail = ((err as Error)?.message ?? String(err)).replace(/\s+/g, " ").trim();
  if (kind === "authentication") {
    const sasl = settings.sasl;
    return `Kafka at ${where} rejected Braid's SASL credentials (${sasl ? `${sasl.mechanism.toUpperCase()}, user ${sasl.username}` : "no SASL configured"}): ${detail}. Check BRAID_KAFKA_SASL_MECHANISM, BRAID_KAFKA_SASL_USERNAME and BRAID_KAFKA_SASL_PASSWORD (or _FILE)`;
  }
  return `the TLS handshake with Kafka at ${where} failed: ${detail}. Check BRAID_KAFKA_TLS_CA_FILE (the CA that signed the broker's certificate), BRAID_KAFKA_TLS_CERT_FILE/KEY_FILE (a listener that requires client certificates) and that the broker address matches its certificate (BRAID_KAFKA_TLS_SERVERNAME)`;
}

export interface RetrySchedule {
  /** First wait after a refusal; doubles up to maxDelayMs. */
  initialDelayMs: number;
  maxDelayMs: number;
}

export const refusalRetry: RetrySchedule = { initialDelayMs: 30_000, maxDelayMs: 300_000 };

/**
 * Connects `admin`, waiting out refusals of credentials or TLS: the first is logged as one error
 * naming the settings to check, later identical ones at debug, and the next attempt waits 30 s,
 * then 60 s, up to 5 minutes. Other errors (the broker unreachable) are thrown as before.
 */
export async function connectAdmin(admin: Admin, settings: KafkaSettings, logger: Logger, schedule: RetrySchedule = refusalRetry, signal?: AbortSignal): Promise<void> {
  let delay = schedule.initialDelayMs;
  let reported: string | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.connect();
      if (reported) logger.info({ attempts: attempt }, "Kafka accepted Braid's connection now");
      return;
    } catch (err) {
      const kind = kafkaRefusal(err);
      if (!kind) throw err;
      const message = refusalMessage(kind, settings, err);
      if (message !== reported) logger.error({ refusal: kind, retryInSeconds: delay / 1000 }, message);
      else logger.debug({ refusal: kind, attempt, retryInSeconds: delay / 1000 }, "Kafka still refuses the connection");
      reported = message;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, delay);
        signal?.addEventListener("abort", () => (clearTimeout(timer), reject(signal.reason)), { once: true });
      });
      delay = Math.min(delay * 2, schedule.maxDelayMs);
    }
  }
}
