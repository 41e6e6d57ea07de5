// What kafkajs' own log lines mean to an operator. kafkajs logs every error answer of the broker at
// ERROR and then retries it, so a normal start prints ERROR lines that need no one: while KRaft elects
// the leaders of new topics ("This server does not host this topic-partition", "There is no leader
// for this topic-partition", "This server is not the leader for that topic-partition"), while the
// group coordinator loads ("The group coordinator is not available", "The coordinator is loading"),
// and on every rebalance ("The group is rebalancing, re-joining"). Those are logged at debug with
// `transient: true` and what kafkajs does about them; a connection error (the broker restarting, a
// member's socket closed during a restart) is a warning; ERROR is left for what an operator must act
// on: retries exhausted, a consumer that stopped for good, authentication, unknown errors.
import { createRequire } from "node:module";
import { kafkaRefusal } from "./kafka-security.js";

export type OperatorLevel = "error" | "warn" | "info" | "debug";

interface KafkajsProtocolError {
  type: string;
  message: string;
  retriable: boolean;
}

// kafkajs' table of the protocol's error codes (with `retriable` as the Kafka protocol defines it);
// not part of its typed surface, hence the require.
const protocolErrors: KafkajsProtocolError[] = createRequire(import.meta.url)("kafkajs/src/protocol/error.js").errorCodes;
/** Answers that are part of every rebalance (kafkajs rejoins the group on them), though not marked retriable. */
const membershipTypes = new Set(["REBALANCE_IN_PROGRESS", "UNKNOWN_MEMBER_ID", "ILLEGAL_GENERATION", "MEMBER_ID_REQUIRED"]);
const retriableMessages = new Set(protocolErrors.filter((e) => e.retriable || membershipTypes.has(e.type)).map((e) => e.message));
const typeOfMessage = new Map(protocolErrors.map((e) => [e.message, e.type]));

/** The broker error named in a log line (kafkajs puts it in `error`, or in the message of a crash). */
function brokerError(message: string, extra: Record<string, unknown>): string | undefined {
  if (typeof extra.error === "string") return extra.error;
  const crash = /^Crash: KafkaJS\w+: (.*)$/.exec(message);
  return crash?.[1];
}

/**
 * The level an operator should see a kafkajs line at, and fields that give it context. `level` is
 * kafkajs' own: "error", "warn", "info" or "debug".
 */
export function operatorLevel(level: OperatorLevel, message: string, extra: Record<string, unknown>): { level: OperatorLevel; context?: Record<string, unknown> } {
  if (level !== "error" && level !== "warn") return { level };
  // Refused credentials or TLS: Braid reports them itself, once, with the settings to check (kafka-security.ts).
  if (kafkaRefusal({ message: `${message} ${typeof extra.error === "string" ? extra.error : ""}` })) return { level: "debug", context: { refusal: true } };
  const error = brokerError(message, extra);
  if (error && retriableMessages.has(error)) {
    return { level: "debug", context: { transient: true, kafkaError: typeOfMessage.get(error), note: "expected while leaders are elected, the group coordinator loads or the group rebalances; kafkajs retries" } };
  }
  if (level === "warn") return { level };
  if (message === "The group is rebalancing, re-joining" || message === "The coordinator is not aware of this member, re-joining the group") {
    return { level: "info", context: { transient: true } };
  }
  // kafkajs restarts a consumer that crashed on a retriable error; ingest logs the crash itself (consumer.ts).
  if (/^Restarting the consumer in \d+ms$/.test(message) || /^Crash: KafkaJS(NumberOfRetriesExceeded|ConnectionError|ConnectionClosedError|RequestTimeoutError)\b/.test(message)) {
    return { level: "debug", context: { transient: true } };
  }
  if (/^Connection error|write after end|ECONNREFUSED|ECONNRESET|Connection timeout|Closed connection/i.test(message) || /^Failed to connect to broker, reconnecting$/.test(message)) {
    return { level: "warn", context: { transient: true, note: "kafkajs reconnects" } };
  }
  return { level };
}

/** The innermost cause of a kafkajs error, which carries the broker's error type and `retriable`. */
export function rootCause(err: unknown): { name?: string; type?: string; message?: string; retriable?: boolean } {
  let e = err as { cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return (e ?? {}) as ReturnType<typeof rootCause>;
}
