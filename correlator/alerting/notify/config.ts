// The notification configuration file (Alertmanager's route and receivers), re-read when it
// changes. A bad edit is reported and the last good configuration stays in force.
import { readFileSync, statSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { NotificationConfig } from "../../../schemas/alerting.js";

export const emptyNotificationConfig: NotificationConfig = NotificationConfig.parse({});

export interface NotificationConfigState {
  config: NotificationConfig;
  /** The last load's problem, if the file is bad (the previous good config is kept). */
  problem?: string;
  changed: boolean;
}

export function parseNotificationConfig(text: string, file: string): NotificationConfig {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new Error(`${file}: not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  const result = NotificationConfig.safeParse(data ?? {});
  if (!result.success) {
    throw new Error(`${file}: ${result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
  }
  return result.data;
}

export class NotificationConfigLoader {
  private signature = "";
  private current: NotificationConfig = emptyNotificationConfig;

  constructor(readonly file: string | undefined) {}

  read(): NotificationConfigState {
    if (!this.file) return { config: this.current, changed: false };
    let signature: string;
    try {
      const stat = statSync(this.file);
      signature = `${stat.size}:${stat.mtimeMs}`;
    } catch (err) {
      return { config: this.current, problem: `${this.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, changed: false };
    }
    if (signature === this.signature) return { config: this.current, changed: false };
    this.signature = signature;
    try {
      this.current = parseNotificationConfig(readFileSync(this.file, "utf8"), this.file);
      return { config: this.current, changed: true };
    } catch (err) {
      return { config: this.current, problem: (err as Error).message, changed: true };
    }
  }
}

/** The signing secret of a receiver integration: inline, from the environment, or from a file. */
export function resolveSecret(integration: { secret?: string; secret_env?: string; secret_file?: string }, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (integration.secret) return integration.secret;
  if (integration.secret_env) return env[integration.secret_env] || undefined;
  if (integration.secret_file) return readFileSync(integration.secret_file, "utf8").trim() || undefined;
  return undefined;
}
