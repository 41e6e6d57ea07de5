// The operator commands: API keys and rules (clients of the API, or of the rule files), and the
// commands that run against Braid's own store and Kafka with Braid's configuration (--config or
// BRAID_* variables, as `braid serve` reads them): replay, backfill, migrate.
import type { Command } from "commander";
import { CliError, ExitCode } from "../exit-codes.js";
import { ago } from "../output.js";
import type { Action, CommandTools } from "../program.js";
import { loadBraidConfig } from "../braid-config.js";

type Wrap = (action: Action) => (...args: unknown[]) => Promise<void>;

interface ApiKeyAnswer {
  KeyId: string;
  Name: string;
  Tenant: string;
  Scopes: string[];
  CreatedAt: string;
  ExpiresAt: string | null;
  LastUsedAt: string | null;
  RevokedAt: string | null;
  Key?: string;
}

async function keysCreate({ api, out, options }: CommandTools, name: unknown): Promise<number | void> {
  const scopes = String(options.scopes ?? "read").split(",").map((s) => s.trim()).filter(Boolean);
  const body: Record<string, unknown> = { name: String(name), scopes };
  if (options.tenant) body.tenant = options.tenant;
  if (options.expires) body.expiresAt = new Date(Date.parse(String(options.expires))).toISOString();
  if (options.expires && Number.isNaN(Date.parse(String(options.expires)))) throw new CliError(`--expires: '${String(options.expires)}' is not an ISO-8601 time`);
  const key = await api().post<ApiKeyAnswer>("/api/v1/keys", body);
  if (out.json) return void out.data(key);
  out.lines([
    `created key ${key.KeyId} "${key.Name}" for tenant ${key.Tenant} with scopes ${key.Scopes.join(", ")}${key.ExpiresAt ? `, expires ${key.ExpiresAt}` : ""}`,
    "",
    `  ${key.Key}`,
    "",
    "This is the only time the key is shown: Braid keeps only its hash. Use it as BRAID_API_KEY.",
  ]);
}

async function keysList({ api, out, options }: CommandTools): Promise<number | void> {
  const body = await api().get<{ Total: number; Keys: ApiKeyAnswer[] }>("/api/v1/keys", { includeRevoked: options.all ? "true" : undefined, limit: 500 });
  if (out.json) return void out.data(body);
  out.table(
    body.Keys,
    [
      { header: "KEY ID", value: (k) => k.KeyId },
      { header: "NAME", value: (k) => k.Name, max: 40 },
      { header: "TENANT", value: (k) => k.Tenant },
      { header: "SCOPES", value: (k) => k.Scopes.join(",") },
      { header: "CREATED", value: (k) => ago(k.CreatedAt) },
      { header: "LAST USED", value: (k) => (k.LastUsedAt ? ago(k.LastUsedAt) : "never") },
      { header: "EXPIRES", value: (k) => k.ExpiresAt ?? "never" },
      { header: "STATE", value: (k) => (k.RevokedAt ? out.c.red(`revoked ${ago(k.RevokedAt)}`) : k.ExpiresAt && Date.parse(k.ExpiresAt) < Date.now() ? out.c.yellow("expired") : out.c.green("active")) },
    ],
    "no keys",
  );
}

async function keysRevoke({ api, out }: CommandTools, keyId: unknown): Promise<number | void> {
  const id = String(keyId);
  if (!/^[0-9a-f]{16}$/.test(id)) throw new CliError(`'${id}' is not a key id (16 hex characters; braid keys list shows them)`);
  const key = await api().delete<ApiKeyAnswer>(`/api/v1/keys/${id}`);
  if (out.json) return void out.data(key);
  out.line(`revoked key ${key.KeyId} "${key.Name}" (tenant ${key.Tenant}) at ${key.RevokedAt}`);
}

interface RuleProblem {
  file?: string;
  rule?: string;
  field?: string;
  message: string;
}

async function rulesValidate({ out }: CommandTools, dir: unknown): Promise<number> {
  const { validateRuleDirectory } = await import("../../../correlator/alerting/index.js");
  const report = validateRuleDirectory(String(dir));
  const problems = report.problems as RuleProblem[];
  if (out.json) {
    out.data({ dir: report.dir, files: report.files.map((f) => ({ file: f.file, rules: f.rules, problems: f.problems })), rules: report.rules.map((r) => ({ id: r.id, name: r.rule.name, kind: r.rule.kind, file: r.file })), problems, valid: problems.length === 0 });
  } else {
    for (const file of report.files) {
      const own = file.problems as RuleProblem[];
      out.line(`${own.length ? out.c.red("✗") : out.c.green("✓")} ${file.file}: ${file.rules} rule${file.rules === 1 ? "" : "s"}${own.length ? `, ${own.length} problem${own.length === 1 ? "" : "s"}` : ""}`);
      for (const problem of own) out.line(`    ${[problem.rule, problem.field].filter(Boolean).join(" ")}${problem.rule || problem.field ? ": " : ""}${problem.message}`);
    }
    const loose = problems.filter((p) => !report.files.some((f) => f.file === p.file));
    for (const problem of loose) out.line(`${out.c.red("✗")} ${problem.file ?? report.dir}: ${problem.message}`);
    out.line(problems.length ? out.c.red(`${problems.length} problem${problems.length === 1 ? "" : "s"} in ${report.dir}`) : out.c.green(`${report.rules.length} rules in ${report.files.length} files are valid`));
  }
  // A directory that cannot be read is "could not run"; bad rules are findings.
  if (problems.some((p) => p.file === report.dir && /cannot read the rules directory/.test(p.message))) return ExitCode.couldNotRun;
  return problems.length ? ExitCode.findings : ExitCode.ok;
}

async function migrateCommand({ out, options, stderr }: CommandTools): Promise<number | void> {
  const config = loadBraidConfig({ config: options.config as string | undefined });
  const { appliedMigrations, connectStore, CURRENT_LAYOUT, describeUpgradeEvent, detectLayout, loadMigrations, migrate, upgradeLayout } = await import("../../../store/index.js");
  let store;
  try {
    store = connectStore({ clickhouseUrl: config.store.clickhouseUrl, clickhouseUser: config.store.clickhouseUser, clickhousePassword: config.store.clickhousePassword, database: config.store.database, chdbDataDir: config.store.chdbPath });
  } catch (err) {
    if (!config.store.clickhouseUrl && /lock|Failed to create connection/i.test((err as Error).message)) throw new CliError(`the chDB directory ${config.store.chdbPath} is in use by a running Braid (chDB allows one process per directory); stop it first`);
    throw new CliError(`cannot open the store: ${(err as Error).message}`);
  }
  try {
    const migrations = loadMigrations();
    const where = config.store.clickhouseUrl ? `${config.store.clickhouseUrl} database ${config.store.database}` : `chDB ${config.store.chdbPath} database ${config.store.database}`;
    await store.exec(`CREATE DATABASE IF NOT EXISTS ${config.store.database}`);
    const had = await appliedMigrations(store);
    const pending = migrations.filter((m) => !had.has(m.version));
    const layoutBefore = (await detectLayout(store)).layout;
    const applied = options.dryRun ? [] : await migrate(store, { migrations });
    const names = new Map(migrations.map((m) => [m.version, m.name]));
    let upgrade: { from: string; to: string; alreadyCurrent: boolean; tables: { table: string; rows: number; backup?: string }[] } | undefined;
    if (options.layout && !options.dryRun) {
      // Progress of the copy goes to stderr, one line per step, as npm run store:upgrade-layout prints it.
      upgrade = await upgradeLayout(store, { dropBackups: Boolean(options.dropBackups), onProgress: (event) => void (describeUpgradeEvent(event) && stderr.write(`${describeUpgradeEvent(event)}\n`)) });
    }
    const layout = (await detectLayout(store)).layout;
    const result = {
      store: where,
      dryRun: Boolean(options.dryRun),
      applied: applied.map((v) => names.get(v)),
      pending: options.dryRun ? pending.map((m) => m.name) : [],
      alreadyApplied: migrations.filter((m) => had.has(m.version)).map((m) => m.name),
      layoutBefore,
      layout,
      layoutUpgrade: upgrade ?? null,
    };
    if (out.json) return void out.data(result);
    out.line(`store: ${where}`);
    if (options.dryRun) out.line(pending.length ? `would apply ${pending.length}: ${pending.map((m) => m.name).join(", ")}` : "nothing to apply: the schema is up to date");
    else if (applied.length) out.lines([`applied ${applied.length} migration${applied.length === 1 ? "" : "s"}:`, ...applied.map((v) => `  ${names.get(v)}`)]);
    else out.line(`nothing to apply: all ${migrations.length} migrations were applied before`);
    if (upgrade) out.line(upgrade.alreadyCurrent ? `table layout: already ${upgrade.to}` : `table layout: upgraded from ${upgrade.from} to ${upgrade.to} (${upgrade.tables.map((t) => `${t.table} ${t.rows} rows`).join(", ")})`);
    else out.line(`table layout: ${layout}${layout !== CURRENT_LAYOUT && layout !== "none" ? ` (braid migrate --layout moves it to ${CURRENT_LAYOUT})` : ""}`);
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`migration failed: ${(err as Error).message}`);
  } finally {
    await store.close().catch(() => {});
  }
}

const configOption = "Braid configuration file (YAML or JSON; same as BRAID_CONFIG); the BRAID_* variables apply as for braid serve";

export function registerOperators(program: Command, wrap: Wrap): void {
  const keys = program.command("keys").description("API keys (admin scope): create, list, revoke");
  keys
    .command("create")
    .description("create an API key; the key is printed once")
    .argument("<name>", "what the key is for, e.g. grafana or 'alice (on-call)'")
    .option("--scopes <list>", "comma-separated: read, write, admin", "read")
    .option("--tenant <tenant>", "the key's tenant, or * for an operator key (default: yours)")
    .option("--expires <time>", "ISO-8601 time the key stops working (default: never)")
    .action(wrap(keysCreate));
  keys.command("list").description("API keys of your tenant (every tenant for an operator key)").option("--all", "include revoked keys").action(wrap(keysList));
  keys.command("revoke").description("revoke a key: it stops working at once").argument("<keyId>", "16 hex characters").action(wrap(keysRevoke));

  const rules = program.command("rules").description("alert rule files");
  rules
    .command("validate")
    .description("validate every rule file (*.yaml, *.yml, *.json) of a directory, as the evaluator loads them")
    .argument("<dir>", "the rules directory")
    .addHelpText("after", "\nExit codes: 0 all rules valid, 1 problems (each printed with file, rule and field), 2 the directory cannot be read.")
    .action(wrap(rulesValidate));

  program
    .command("replay")
    .description("re-ingest a range of a Kafka topic into the store, through ingest's own batch processing; running it again stores nothing twice")
    .requiredOption("--topic <topic>", "the topic (one of Braid's signal topics, or use --signal)")
    .option("--partition <n...>", "partitions (default: all)")
    .option("--from <offset|time>", "first offset, earliest, or a time (ISO-8601, @unix-ms, 2h)", "earliest")
    .option("--to <offset|time>", "last offset (inclusive), latest, or a time (messages before it)", "latest")
    .option("--signal <signal>", "what the topic holds when it is not one of Braid's topics: traces, metrics, logs, app_logs")
    .option("--chunk <n>", "offsets per insert (and per deduplication token)", "1000")
    .option("--journal-group <group>", "consumer group whose commit metadata records what was replayed (default: <ingest group>.replay)")
    .option("--force", "insert the ranges earlier replays recorded too (with their own tokens: the store drops what it has)")
    .option("--config <file>", configOption)
    .option("--quiet", "no progress output")
    .addHelpText("after", "\nThe store is Braid's (BRAID_CLICKHOUSE_URL, or the chDB directory, which a running Braid holds: stop it first).\nExit codes: 0 replayed, 1 some messages could not be decoded (listed), 2 could not run.")
    .action(wrap((tools) => import("./reingest.js").then((m) => m.replay(tools))));

  program
    .command("backfill")
    .description("ingest files of OTLP requests or JSON log lines into the store, through ingest's own batch processing; running it again stores nothing twice")
    .argument("<files...>", "files as braid check reads them (OTLP protobuf or OTLP/JSON requests, JSON log lines)")
    .option("--signal <signal>", "what the files hold (default: from the content, then the name)")
    .option("--tenant <tenant>", "tenant of items without a braid.tenant resource attribute (default: tenancy.default)")
    .option("--now <time>", "the time timestamps are judged against (for archives older than 30 days)")
    .option("--chunk <n>", "messages per insert", "500")
    .option("--config <file>", configOption)
    .option("--quiet", "no progress output")
    .addHelpText("after", "\nExit codes: 0 stored, 1 some messages could not be decoded (listed), 2 could not run.")
    .action(wrap((tools, files) => import("./reingest.js").then((m) => m.backfill(tools, files))));

  program
    .command("migrate")
    .description("apply the store's pending schema migrations and say what ran")
    .option("--dry-run", "only list the pending migrations")
    .option("--layout", "also move the signal tables to the current exporter layout: copies and verifies every row, then swaps (stop ingest first; resumes when run again)")
    .option("--drop-backups", "with --layout: drop the old tables once the new ones are verified (default: keep them as *__exporter_v0150)")
    .option("--config <file>", configOption)
    .action(wrap(migrateCommand));
}
