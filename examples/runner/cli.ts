// npm run scenario -- examples/scenarios/<file>.yaml [--time-scale 0.2] [--no-build] [--brokers host:port]
// Runs one scenario and prints the run (times of the load and faults, load results, messages
// per topic) as JSON on stdout; progress goes to stderr.
import { parseArgs } from "node:util";
import { runScenario } from "./index.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    "time-scale": { type: "string" },
    "no-build": { type: "boolean" },
    brokers: { type: "string" },
    "log-dir": { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help || positionals.length !== 1) {
  process.stderr.write("usage: npm run scenario -- examples/scenarios/<file>.yaml [--time-scale N] [--no-build] [--brokers host:port] [--log-dir DIR]\n");
  process.exit(values.help ? 0 : 2);
}
try {
  const result = await runScenario(positionals[0]!, {
    timeScale: values["time-scale"] ? Number(values["time-scale"]) : undefined,
    build: !values["no-build"],
    brokers: values.brokers,
    logDir: values["log-dir"],
  });
  const { scenario, ...run } = result;
  process.stdout.write(JSON.stringify({ scenario: scenario.name, expect: scenario.expect, ...run }, null, 2) + "\n");
  const failedService = result.services.find((s) => s.exitCode !== 0);
  if (failedService) {
    process.stderr.write(`[scenario] ${failedService.name} exited with ${failedService.exitCode}; see ${failedService.logFile}\n`);
    process.exitCode = 1;
  }
  if (result.aborted) process.exitCode = 130;
} catch (err) {
  process.stderr.write(`[scenario] ${(err as Error).message}\n`);
  process.exitCode = 1;
}
