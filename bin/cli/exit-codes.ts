// Exit codes of every `braid` command (documented in `braid --help` and docs/cli.md):
//   0  done; nothing to report (check: no finding at or above --fail-on)
//   1  findings (check), or what was asked for does not exist (an incident, a trace, a key)
//   2  could not run: bad arguments or configuration, unreadable input, Braid or Kafka unreachable,
//      an API error, a store that cannot be opened
export const ExitCode = { ok: 0, findings: 1, notFound: 1, couldNotRun: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error that ends a command with its message (no stack) and an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.couldNotRun,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export const exitCodeHelp = `Exit codes:
  0  done (braid check: no finding at or above --fail-on)
  1  findings (braid check), or the incident, trace, key… asked for does not exist
  2  could not run: bad arguments or configuration, unreadable input, Braid API or Kafka
     unreachable, an API error, a store that cannot be opened`;
