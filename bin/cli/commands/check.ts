// `braid check`: validates captured telemetry against Braid's contract, offline, with Braid's own
// decoders, normalizer and glossary (bin/check). For producers' CI: docs/braid-check.md.
import { existsSync, writeFileSync } from "node:fs";
import { createKafka, topicRoutes, type TopicRoute } from "../../../ingest/index.js";
import { loadConfig } from "../../../runtime/config.js";
import { createLogger } from "../../../runtime/logger.js";
import type { CheckPolicy } from "../../../schemas/check.js";
import { Encoding, Signal } from "../../../schemas/config.js";
import { InputError, loadPolicy, PolicyError, readCheckFile, renderJunit, renderText, runCheck, type CheckInput } from "../../check/index.js";
import { sampleTopic } from "../../check/kafka-sample.js";
import { CliError, ExitCode } from "../exit-codes.js";
import type { Output } from "../output.js";
import { parseTime } from "../time.js";

export interface CheckCommandOptions {
  signal?: string;
  kafkaTopic?: string[];
  sample: string;
  brokers?: string;
  fromBeginning?: boolean;
  policy?: string;
  format?: string;
  output?: string;
  failOn?: string;
  now?: string;
  json?: boolean;
}

export const defaultPolicyFile = "braid-check.yaml";

function policyOf(file: string | undefined, out: Output): CheckPolicy {
  const chosen = file ?? (existsSync(defaultPolicyFile) ? defaultPolicyFile : undefined);
  try {
    const policy = loadPolicy(chosen);
    if (chosen && !file && !out.json) out.note(`using policy ${chosen}`);
    return policy;
  } catch (err) {
    if (err instanceof PolicyError) throw new CliError(err.message);
    throw err;
  }
}

export async function check(files: string[], options: CheckCommandOptions, out: Output, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const format = options.json ? "json" : (options.format ?? "text");
  if (!["text", "json", "junit"].includes(format)) throw new CliError(`--format must be text, json or junit, not '${format}'`);
  const signal = options.signal === undefined ? undefined : Signal.safeParse(options.signal).data;
  if (options.signal !== undefined && !signal) throw new CliError(`--signal must be one of ${Signal.options.join(", ")}, not '${options.signal}'`);
  const sample = Number(options.sample);
  if (!Number.isInteger(sample) || sample < 1) throw new CliError(`--sample must be a positive whole number, not '${options.sample}'`);
  const topics = options.kafkaTopic ?? [];
  if (files.length === 0 && topics.length === 0) throw new CliError("nothing to check: give files of captured telemetry, or --kafka-topic TOPIC");
  const policy = policyOf(options.policy, out);
  const failOn = (options.failOn ?? policy.failOn ?? "error") as "error" | "warning";
  if (failOn !== "error" && failOn !== "warning") throw new CliError(`--fail-on must be error or warning, not '${options.failOn}'`);
  const now = options.now ? new Date(parseTime(options.now, "--now")) : undefined;

  const inputs: CheckInput[] = [];
  try {
    for (const file of files) inputs.push(readCheckFile(file, signal));
  } catch (err) {
    if (err instanceof InputError) throw new CliError(err.message);
    throw err;
  }
  if (topics.length > 0) {
    const config = loadConfig(options.brokers ? { ...env, BRAID_KAFKA_BROKERS: options.brokers } : env);
    const kafka = createKafka({ brokers: config.kafka.brokers, clientId: "braid-check", logger: createLogger("silent") });
    const forced: TopicRoute | undefined = signal ? { signal, topic: "", encoding: (signal === "app_logs" ? "app_log" : Encoding.parse(config.kafka[signal].encoding)) } : undefined;
    for (const topic of topics) {
      try {
        inputs.push(await sampleTopic(kafka, topic, sample, forced && { ...forced, topic }, topicRoutes(config), options.fromBeginning));
      } catch (err) {
        throw new CliError(`--kafka-topic ${topic} (brokers ${config.kafka.brokers.join(",")}): ${(err as Error).message}`);
      }
    }
  }

  const report = runCheck(inputs, { policy, failOn, now });
  const rendered = format === "json" ? `${JSON.stringify(report, null, 2)}\n` : format === "junit" ? renderJunit(report) : `${renderText(report, out.c).join("\n")}\n`;
  if (options.output) {
    try {
      writeFileSync(options.output, format === "text" ? `${renderText(report, out.c).join("\n")}\n`.replace(/\u001b\[[0-9;]*m/g, "") : rendered);
    } catch (err) {
      throw new CliError(`cannot write ${options.output}: ${(err as Error).message}`);
    }
    // The report went to the file: people still see the summary.
    out.lines(renderText(report, out.c));
  } else {
    out.raw(rendered);
  }
  return report.passed ? ExitCode.ok : ExitCode.findings;
}
