#!/usr/bin/env -S npx tsx
// The `braid` command (the package's bin): `braid serve` runs Braid's roles; the other commands are
// for on-call engineers, operators and producers' CI. `braid --help` lists them; bin/cli/program.ts
// wires them.
import { runCli } from "./cli/program.js";

// `braid … | head` closes the pipe early: that ends the output, it is not a failure.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await runCli(process.argv);
