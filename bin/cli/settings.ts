// Where the on-call commands find Braid: --url, else BRAID_URL, else the CLI config file, else
// http://127.0.0.1:8080; the API key from BRAID_API_KEY, else the config file (never a flag: a
// key on the command line ends up in shell history and in `ps`). The config file is YAML:
//
//   url: https://braid.example.com
//   apiKey: brd_…
//
// at $BRAID_CLI_CONFIG, else $XDG_CONFIG_HOME/braid/config.yaml, else ~/.config/braid/config.yaml.
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { CliError } from "./exit-codes.js";

export const CliConfigFile = z
  .object({
    url: z.url().optional().describe("Braid API base URL"),
    apiKey: z.string().min(1).optional().describe("API key sent as Authorization: Bearer"),
  })
  .strict();
export type CliConfigFile = z.infer<typeof CliConfigFile>;

export interface ApiSettings {
  url: string;
  apiKey?: string;
  /** Where the settings came from, for error messages. */
  source: { url: string; apiKey?: string };
}

export const defaultApiUrl = "http://127.0.0.1:8080";

export function cliConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BRAID_CLI_CONFIG) return env.BRAID_CLI_CONFIG;
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), ".config");
  return path.join(base, "braid", "config.yaml");
}

function readConfigFile(file: string, required: boolean): CliConfigFile {
  if (!existsSync(file)) {
    if (required) throw new CliError(`BRAID_CLI_CONFIG=${file}: no such file`);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, "utf8"));
  } catch (err) {
    throw new CliError(`${file}: ${(err as Error).message}`);
  }
  const result = CliConfigFile.safeParse(parsed ?? {});
  if (!result.success) throw new CliError(`${file}: ${result.error.issues.map((i) => `${i.path.join(".") || "(top level)"}: ${i.message}`).join("; ")}`);
  return result.data;
}

export function apiSettings(flags: { url?: string }, env: NodeJS.ProcessEnv = process.env): ApiSettings {
  const file = cliConfigPath(env);
  const fromFile = readConfigFile(file, Boolean(env.BRAID_CLI_CONFIG));
  const [url, urlSource] = flags.url ? [flags.url, "--url"] : env.BRAID_URL ? [env.BRAID_URL, "BRAID_URL"] : fromFile.url ? [fromFile.url, file] : [defaultApiUrl, "default"];
  try {
    new URL(url);
  } catch {
    throw new CliError(`${urlSource}: '${url}' is not a URL (e.g. http://127.0.0.1:8080)`);
  }
  const [apiKey, keySource] = env.BRAID_API_KEY ? [env.BRAID_API_KEY, "BRAID_API_KEY"] : fromFile.apiKey ? [fromFile.apiKey, file] : [undefined, undefined];
  return { url: url.replace(/\/+$/, ""), apiKey, source: { url: urlSource, apiKey: keySource } };
}
