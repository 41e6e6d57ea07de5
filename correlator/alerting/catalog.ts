// The rules in force: the rule files of the configured directory plus the rules created through
// the API (stored in ClickHouse, so every Braid process sees the same ones). A rule id is
// tenant/name; a name may be used once per tenant, a rule without tenant counting for all.
import type { Store } from "../../store/index.js";
import type { AlertRuleInput } from "../../schemas/alerting.js";
import { compileRule, RuleDirectoryWatcher, type RuleProblem } from "./rule-files.js";
import type { LoadedRule } from "./types.js";

export interface RuleCatalog {
  rules: LoadedRule[];
  problems: RuleProblem[];
}

export interface ApiRuleRecord {
  tenant: string;
  name: string;
  definition: AlertRuleInput;
  updatedAt: string;
  updatedBy: string;
}

export async function readApiRules(store: Store, tenant = "*"): Promise<ApiRuleRecord[]> {
  const rows = await store.query<{ Tenant: string; Name: string; Definition: string; UpdatedAt: string; UpdatedBy: string }>(
    `SELECT Tenant, Name, Definition, UpdatedAt, UpdatedBy FROM {{db}}.braid_alert_rules FINAL
     WHERE Deleted = 0 AND ({tenant:String} = '*' OR Tenant = {tenant:String} OR Tenant = '*') ORDER BY Tenant, Name`,
    { tenant },
  );
  return rows.map((row) => ({ tenant: row.Tenant, name: row.Name, definition: JSON.parse(row.Definition) as AlertRuleInput, updatedAt: row.UpdatedAt, updatedBy: row.UpdatedBy }));
}

export async function writeApiRule(store: Store, record: { tenant: string; name: string; definition: unknown; deleted?: boolean; updatedBy: string }): Promise<void> {
  const now = Date.now();
  await store.insert("braid_alert_rules", [
    { Tenant: record.tenant, Name: record.name, Definition: JSON.stringify(record.definition ?? {}), Deleted: record.deleted ? 1 : 0, UpdatedAt: new Date(now).toISOString(), UpdatedBy: record.updatedBy, Version: now * 1000 + Math.floor(Math.random() * 1000) },
  ]);
}

/** Compiles stored API rules; a stored rule that no longer validates is a problem, not a crash. */
export function compileApiRules(records: readonly ApiRuleRecord[]): RuleCatalog {
  const catalog: RuleCatalog = { rules: [], problems: [] };
  for (const record of records) {
    const compiled = compileRule(record.definition, "api");
    if (compiled.rule) catalog.rules.push(compiled.rule);
    for (const problem of compiled.problems) catalog.problems.push({ ...problem, rule: problem.rule ?? record.name, message: `API rule: ${problem.message}` });
  }
  return catalog;
}

/** Two rules collide when they share a name and could apply to the same tenant. */
export function collides(a: { tenant?: string; name: string }, b: { tenant?: string; name: string }): boolean {
  return a.name === b.name && (a.tenant === undefined || b.tenant === undefined || a.tenant === b.tenant);
}

export function mergeCatalogs(files: RuleCatalog, api: RuleCatalog): RuleCatalog {
  const rules = [...files.rules];
  const problems = [...files.problems, ...api.problems];
  for (const rule of api.rules) {
    const clash = rules.find((existing) => collides(existing.rule, rule.rule));
    if (clash) {
      problems.push({ rule: rule.rule.name, field: "name", message: `API rule ${rule.id} is ignored: ${clash.origin === "file" ? `the rule file ${clash.file}` : "another API rule"} defines ${clash.id}` });
      continue;
    }
    rules.push(rule);
  }
  return { rules, problems };
}

/** Loads the catalog; keeps one directory watcher so unchanged files are not re-parsed. */
export class RuleCatalogLoader {
  private readonly watcher?: RuleDirectoryWatcher;

  constructor(
    private readonly store: Store,
    rulesDir: string | undefined,
  ) {
    if (rulesDir) this.watcher = new RuleDirectoryWatcher(rulesDir);
  }

  async load(): Promise<RuleCatalog & { filesChanged: boolean }> {
    const read = this.watcher?.read();
    const files: RuleCatalog = read ? { rules: read.report.rules, problems: read.report.problems } : { rules: [], problems: [] };
    const api = compileApiRules(await readApiRules(this.store));
    return { ...mergeCatalogs(files, api), filesChanged: read?.changed ?? false };
  }
}
