// The `braid` command: its subcommands, their arguments (commander) and how each run ends. Every
// command is a function of its parsed arguments and an API client (or, for the operator commands,
// of Braid's configuration), printing through the one Output; this file only wires them.
import { Command, CommanderError, Option } from "commander";
import { ApiClient } from "./api-client.js";
import { CliError, ExitCode, exitCodeHelp } from "./exit-codes.js";
import { Output } from "./output.js";
import { apiSettings } from "./settings.js";
import { registerOnCall } from "./commands/on-call.js";
import { registerOperators } from "./commands/operators.js";
// Command modules are imported when their command runs: `braid --help` and the on-call commands
// do not load Kafka, ClickHouse or the OTLP protos.
import type { CheckCommandOptions } from "./commands/check.js";
import type { ServeOptions } from "./commands/serve.js";

export interface CliContext {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  fetch?: typeof fetch;
}

export interface GlobalOptions {
  json?: boolean;
  url?: string;
  color?: boolean;
}

/** What a command's action is given besides its own arguments. */
export interface CommandTools {
  options: GlobalOptions & Record<string, unknown>;
  out: Output;
  /** The API client for --url / BRAID_URL / the config file, with BRAID_API_KEY. */
  api(): ApiClient;
  env: NodeJS.ProcessEnv;
  /** stderr is a terminal (where a progress bar may draw). */
  stderrIsTerminal: boolean;
  stderr: NodeJS.WritableStream;
}

export type Action = (tools: CommandTools, ...args: unknown[]) => Promise<number | void>;

export function buildProgram(ctx: CliContext, setExit: (code: number) => void): Command {
  const program = new Command("braid");
  program
    .description("Braid: Go and Rust telemetry from Kafka, correlated into incidents.\nOn-call commands talk to a Braid API (--url, BRAID_URL; key in BRAID_API_KEY); serve, replay, backfill and migrate run Braid's own roles and store.")
    .option("--json", "print JSON instead of tables (every command)")
    .option("--url <url>", "Braid API base URL (default: BRAID_URL, the CLI config file, or http://127.0.0.1:8080)")
    .option("--no-color", "no colours even on a terminal (colours are never used when output is not a terminal)")
    .addHelpText("after", `\n${exitCodeHelp}\n\nAPI key: BRAID_API_KEY, or apiKey in $BRAID_CLI_CONFIG (default ~/.config/braid/config.yaml).\nMore: docs/cli.md, docs/braid-check.md`)
    .showHelpAfterError("(run braid --help, or braid <command> --help)")
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) });

  const wrap =
    (action: Action) =>
    async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const options = command.optsWithGlobals() as GlobalOptions & Record<string, unknown>;
      const out = new Output({ json: Boolean(options.json), color: options.color === false ? false : undefined, stdout: ctx.stdout, stderr: ctx.stderr });
      const tools: CommandTools = {
        options,
        out,
        api: () => new ApiClient(apiSettings({ url: options.url }, ctx.env), ctx.fetch),
        env: ctx.env,
        stderrIsTerminal: ctx.stderr.isTTY === true,
        stderr: ctx.stderr,
      };
      const code = await action(tools, ...args.slice(0, -2));
      setExit(code ?? ExitCode.ok);
    };

  program
    .command("serve")
    .alias("start")
    .description("run Braid's roles (ingest, correlator, api) until SIGTERM/SIGINT; what npm start and the Docker image run")
    .option("--config <file>", "Braid configuration file (YAML or JSON; same as BRAID_CONFIG)")
    .option("--roles <roles>", "comma-separated roles (same as BRAID_ROLES; default ingest,correlator,api)")
    .action(wrap(async ({ options }) => void (await (await import("./commands/serve.js")).serve(options as ServeOptions))));

  program
    .command("check")
    .description("validate captured telemetry against Braid's contract with Braid's own decoders, normalizer and glossary (offline)")
    .argument("[files...]", "files of OTLP protobuf or OTLP/JSON export requests, or of JSON log lines")
    .option("--signal <signal>", "what the inputs hold: traces, metrics, logs or app_logs (default: from the content, then the file name)")
    .option("--kafka-topic <topic>", "also check a sample of this topic's newest messages (repeatable)", (value: string, previous: string[] = []) => [...previous, value])
    .option("--sample <n>", "messages to sample per --kafka-topic", "200")
    .option("--from-beginning", "sample a topic's oldest retained messages instead of its newest")
    .option("--brokers <list>", "Kafka brokers for --kafka-topic (default: BRAID_KAFKA_BROKERS or 127.0.0.1:9092)")
    .option("--policy <file>", "policy file: required attributes, thresholds, allowed exceptions (default: ./braid-check.yaml when present)")
    .addOption(new Option("--format <format>", "report format").choices(["text", "json", "junit"]).default("text"))
    .option("--output <file>", "write the report (in --format) to a file, and print the summary")
    .addOption(new Option("--fail-on <severity>", "lowest severity that fails the check (exit 1) (default: the policy's failOn, else error)").choices(["warning", "error"]))
    .option("--now <time>", "the time timestamps are judged against (ISO-8601 or Unix ms; default: now). For captures older than 30 days")
    .addHelpText("after", `\nExamples:\n  braid check captured/*.pb app.log --format junit --output braid-check.xml\n  braid check --kafka-topic otlp_spans --sample 500 --fail-on warning\n\nExit codes: 0 no finding at or above --fail-on, 1 findings, 2 could not run.`)
    .action(wrap(async ({ options, out, env }, files) => (await import("./commands/check.js")).check(files as string[], options as unknown as CheckCommandOptions, out, env)));

  registerOnCall(program, wrap);
  registerOperators(program, wrap);
  return program;
}

/** Runs `braid` with argv (node, script, ...args); resolves with the exit code. */
export async function runCli(argv: readonly string[], ctx: CliContext = { env: process.env, stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = buildProgram(ctx, (code) => (exitCode = code));
  if (argv.length <= 2) {
    program.outputHelp({ error: true });
    ctx.stderr.write("\nbraid: a command is required (`braid serve` runs Braid's roles, as plain `braid` did before).\n");
    return ExitCode.couldNotRun;
  }
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.help" || err.code === "commander.version") return ExitCode.ok;
      return ExitCode.couldNotRun;
    }
    if (err instanceof CliError) {
      ctx.stderr.write(`braid: ${err.message}\n`);
      return err.exitCode;
    }
    ctx.stderr.write(`braid: ${(err as Error).message ?? String(err)}\n`);
    if (ctx.env.BRAID_DEBUG) ctx.stderr.write(`${(err as Error).stack}\n`);
    return ExitCode.couldNotRun;
  }
}
