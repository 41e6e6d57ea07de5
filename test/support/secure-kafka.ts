// The secured listeners of the project's Kafka broker (scripts/services.sh): SASL_SSL with PLAIN
// and SCRAM users, and SSL with required client certificates, with the CA and certificates the
// set-up made under .braid/kafka/tls. A broker started by an older services.sh (without these
// listeners) is left alone: the tests then start a broker of their own with the same script, on
// free ports and a state directory of their own, and stop it afterwards.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { kafkaBrokers, portOpen, tempDir } from "./env.js";

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, "../..");

export interface SecureKafka {
  /** host:port of the SASL_SSL listener (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512). */
  saslSsl: string;
  /** host:port of the SSL listener that requires a client certificate. */
  mutualTls: string;
  /** host:port of the plaintext listener of the same broker (for set-up steps). */
  plaintext: string;
  /** ca.pem, client.pem, client.key, client-encrypted.key, client-key.passphrase, sasl.username, sasl.password. */
  tlsDir: string;
  username: string;
  password: string;
  /** Runs kafka.admin.ConfigCommand against the broker (e.g. to add a SCRAM user). */
  configCommand(args: string[]): Promise<void>;
  stop(): Promise<void>;
}

async function freeBase(): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 20_000) * 2;
    const open = await Promise.all([0, 1, 2, 3].map((i) => portOpen("127.0.0.1", base + i)));
    if (!open.some(Boolean)) return base;
  }
}

function listeners(stateDir: string, ports: { plaintext: number; saslSsl: number; mutualTls: number }, stop: () => Promise<void>): SecureKafka {
  const tlsDir = path.join(stateDir, "kafka/tls");
  const libs = path.join(stateDir, "kafka/libs");
  const plaintext = `127.0.0.1:${ports.plaintext}`;
  return {
    saslSsl: `127.0.0.1:${ports.saslSsl}`,
    mutualTls: `127.0.0.1:${ports.mutualTls}`,
    plaintext,
    tlsDir,
    username: readFileSync(path.join(tlsDir, "sasl.username"), "utf8").trim(),
    password: readFileSync(path.join(tlsDir, "sasl.password"), "utf8").trim(),
    async configCommand(args) {
      await run("java", ["-cp", `${libs}/*`, "-Dlog4j2.configurationFile=" + path.join(stateDir, "kafka/log4j2.yaml"), "kafka.admin.ConfigCommand", "--bootstrap-server", plaintext, ...args], { timeout: 120_000 });
    },
    stop,
  };
}

/** The project broker's secured listeners, or a broker of the test's own that has them. */
export async function secureKafka(): Promise<SecureKafka> {
  const stateDir = process.env.BRAID_STATE_DIR ?? path.join(repoRoot, ".braid");
  const port = Number(kafkaBrokers.split(",")[0]!.split(":")[1]);
  // The ports services.sh gives the secured listeners (BRAID_KAFKA_SASL_SSL_PORT, BRAID_KAFKA_SSL_PORT).
  const ports = { plaintext: port, saslSsl: Number(process.env.BRAID_KAFKA_SASL_SSL_PORT || port + 2), mutualTls: Number(process.env.BRAID_KAFKA_SSL_PORT || port + 3) };
  if (existsSync(path.join(stateDir, "kafka/tls/.complete")) && (await portOpen("127.0.0.1", ports.saslSsl)) && (await portOpen("127.0.0.1", ports.mutualTls))) {
    return listeners(stateDir, ports, async () => {});
  }

  const own = tempDir("secure-kafka");
  const base = await freeBase();
  const env = { ...process.env, BRAID_STATE_DIR: own.dir, BRAID_KAFKA_PORT: String(base), BRAID_KAFKA_CONTROLLER_PORT: String(base + 1), BRAID_KAFKA_SASL_SSL_PORT: "", BRAID_KAFKA_SSL_PORT: "", BRAID_KAFKA_HEAP: "384m" };
  // The jars the set-up fetched, shared (the script checks their marker and fetches nothing).
  mkdirSync(path.join(own.dir, "kafka"), { recursive: true });
  symlinkSync(path.join(repoRoot, ".braid/kafka/libs"), path.join(own.dir, "kafka/libs"));
  const services = path.join(repoRoot, "scripts/services.sh");
  await run("bash", [services, "start", "kafka"], { env, timeout: 170_000 });
  return listeners(own.dir, { plaintext: base, saslSsl: base + 2, mutualTls: base + 3 }, async () => {
    await run("bash", [services, "stop", "kafka"], { env, timeout: 60_000 }).catch(() => {});
    own.cleanup();
  });
}
