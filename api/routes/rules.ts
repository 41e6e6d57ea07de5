// Alert rules: the rule files of the configured directory (read-only here) and rules managed
// through the API (create, replace, delete: write scope). A rule body is the same YAML/JSON
// object a rule file lists, validated the same way; problems name the field.
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { collides, compileApiRules, compileRule, mergeCatalogs, readApiRules, validateRuleDirectory, writeApiRule, type LoadedRule, type RuleProblem } from "../../correlator/alerting/index.js";
import { allTenants } from "../caller.js";
import type { ApiDeps } from "../deps.js";
import { ruleActivity } from "../queries/alerts.js";
import { ErrorBody } from "../schemas.js";

const Problem = z.object({ File: z.string().nullable(), Rule: z.string().nullable(), Field: z.string().nullable(), Message: z.string() });
const Rule = z.object({
  Id: z.string(),
  Name: z.string(),
  Tenant: z.string().nullable().describe("null: evaluated for every tenant"),
  Kind: z.enum(["latency", "error_rate", "slo"]),
  Severity: z.string(),
  Origin: z.enum(["file", "api"]),
  File: z.string().nullable(),
  Definition: z.record(z.string(), z.unknown()).describe("the rule as validated (durations in seconds, defaults filled in)"),
  Firing: z.number(),
  Pending: z.number(),
  LastEvaluation: z.string().nullable(),
});
const RuleBody = z.looseObject({}).describe("an alert rule, as in a rule file (schemas/json/alert-rules.schema.json)");
const NameParam = z.object({ name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$/, "a rule name") });

const apiProblem = (p: RuleProblem) => ({ File: p.file ?? null, Rule: p.rule ?? null, Field: p.field ?? null, Message: p.message });
const problemText = (problems: RuleProblem[]) => problems.map((p) => `${p.field ? `${p.field}: ` : ""}${p.message}`).join("; ");

/** Whether a caller of `tenant` may see (and so manage) a rule scoped to `ruleTenant`. */
const visibleTo = (tenant: string, ruleTenant: string | undefined) => tenant === allTenants || ruleTenant === undefined || ruleTenant === tenant;

export async function ruleRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const rulesDir = deps.alerting?.rulesDir;

  async function catalog(tenant: string) {
    const files = rulesDir ? validateRuleDirectory(rulesDir) : { rules: [], problems: [] };
    const merged = mergeCatalogs(files, compileApiRules(await readApiRules(deps.store, tenant)));
    return { rules: merged.rules.filter((r) => visibleTo(tenant, r.rule.tenant)), problems: tenant === allTenants ? merged.problems : [] };
  }

  async function apiRule(rule: LoadedRule, tenant: string) {
    const activity = (await ruleActivity(deps.store, tenant)).get(rule.id);
    return toApi(rule, activity);
  }
  const toApi = (rule: LoadedRule, activity?: { firing: number; pending: number; lastEvalAt: number }): z.infer<typeof Rule> => ({
    Id: rule.id, Name: rule.rule.name, Tenant: rule.rule.tenant ?? null, Kind: rule.rule.kind, Severity: rule.rule.severity, Origin: rule.origin, File: rule.file ?? null,
    Definition: rule.rule as unknown as Record<string, unknown>, Firing: activity?.firing ?? 0, Pending: activity?.pending ?? 0,
    LastEvaluation: activity ? new Date(activity.lastEvalAt * 1000).toISOString() : null,
  });

  api.get(
    "/api/v1/rules",
    {
      schema: {
        summary: "Alert rules in force (files and API), with their alert counts, and the problems of rules that did not load",
        tags: ["alerts"],
        response: { 200: z.object({ Rules: z.array(Rule), Problems: z.array(Problem) }), 400: ErrorBody },
      },
    },
    async (request) => {
      const { rules, problems } = await catalog(request.caller.tenant);
      const activity = await ruleActivity(deps.store, request.caller.tenant);
      return { Rules: rules.map((r) => toApi(r, activity.get(r.id))), Problems: problems.map(apiProblem) };
    },
  );

  api.get(
    "/api/v1/rules/:name",
    { schema: { summary: "One alert rule", tags: ["alerts"], params: NameParam, response: { 200: Rule, 400: ErrorBody, 404: ErrorBody } } },
    async (request, reply) => {
      const { rules } = await catalog(request.caller.tenant);
      const rule = rules.find((r) => r.rule.name === request.params.name);
      if (!rule) return reply.code(404).send({ statusCode: 404, error: "Not Found", message: `no rule named ${request.params.name}` });
      return apiRule(rule, request.caller.tenant);
    },
  );

  /** Validates a body for the caller; the rule's tenant is the caller's unless the caller is an operator. */
  function compileForCaller(body: Record<string, unknown>, tenant: string, name?: string) {
    if (name !== undefined && body.name !== undefined && body.name !== name) return { error: `body.name "${String(body.name)}" differs from the rule name in the path (${name})` };
    const definition: Record<string, unknown> = { ...body, ...(name !== undefined ? { name } : {}) };
    if (tenant !== allTenants) {
      if (definition.tenant !== undefined && definition.tenant !== tenant) return { error: `body.tenant: a key of tenant ${tenant} cannot create rules for tenant ${String(definition.tenant)}` };
      definition.tenant = tenant;
    }
    const compiled = compileRule(definition, "api");
    if (!compiled.rule) return { error: `the rule is not valid: ${problemText(compiled.problems)}` };
    return { rule: compiled.rule, definition };
  }

  /** Why the rule cannot be written: a file rule or another API rule of the same name applies to the same tenant. */
  async function conflict(rule: LoadedRule, replacing: boolean, callerTenant: string) {
    const files = rulesDir ? validateRuleDirectory(rulesDir).rules : [];
    const file = files.find((f) => collides(f.rule, rule.rule));
    if (file) return `a rule named ${rule.rule.name} is defined in the rule file ${file.file}; change it there`;
    const scope = rule.rule.tenant ?? allTenants;
    for (const existing of compileApiRules(await readApiRules(deps.store)).rules) {
      if (!collides(existing.rule, rule.rule)) continue;
      const existingScope = existing.rule.tenant ?? allTenants;
      // Replacing one's own rule is the point of PUT; an operator may also move a rule between scopes.
      if (replacing && (existingScope === scope || callerTenant === allTenants)) continue;
      return `a rule named ${rule.rule.name} already exists (${existing.id})`;
    }
    return undefined;
  }

  api.post(
    "/api/v1/rules",
    {
      config: { scope: "write" },
      schema: { summary: "Create an alert rule", tags: ["alerts"], body: RuleBody, response: { 201: Rule, 400: ErrorBody, 409: ErrorBody } },
    },
    async (request, reply) => {
      const compiled = compileForCaller(request.body, request.caller.tenant);
      if ("error" in compiled) return reply.code(400).send({ statusCode: 400, error: "Bad Request", message: compiled.error! });
      const clash = await conflict(compiled.rule, false, request.caller.tenant);
      if (clash) return reply.code(409).send({ statusCode: 409, error: "Conflict", message: clash });
      await writeApiRule(deps.store, { tenant: compiled.rule.rule.tenant ?? allTenants, name: compiled.rule.rule.name, definition: compiled.definition, updatedBy: request.caller.name });
      return reply.code(201).send(toApi(compiled.rule));
    },
  );

  api.put(
    "/api/v1/rules/:name",
    {
      config: { scope: "write" },
      schema: { summary: "Create or replace an API-managed alert rule", tags: ["alerts"], params: NameParam, body: RuleBody, response: { 200: Rule, 400: ErrorBody, 409: ErrorBody } },
    },
    async (request, reply) => {
      const compiled = compileForCaller(request.body, request.caller.tenant, request.params.name);
      if ("error" in compiled) return reply.code(400).send({ statusCode: 400, error: "Bad Request", message: compiled.error! });
      const clash = await conflict(compiled.rule, true, request.caller.tenant);
      if (clash) return reply.code(409).send({ statusCode: 409, error: "Conflict", message: clash });
      // A tenant key may not replace (and so remove) a rule that evaluates for every tenant.
      const existing = await readApiRules(deps.store, request.caller.tenant);
      if (request.caller.tenant !== allTenants && existing.some((old) => old.name === compiled.rule.rule.name && old.tenant === allTenants)) {
        return reply.code(409).send({ statusCode: 409, error: "Conflict", message: `the rule ${compiled.rule.rule.name} applies to every tenant: only an operator key (tenant *) can replace it` });
      }
      // Replacing a rule under another scope would leave the old one evaluating: remove it.
      for (const old of existing) {
        if (old.name === compiled.rule.rule.name && old.tenant !== (compiled.rule.rule.tenant ?? allTenants)) await writeApiRule(deps.store, { tenant: old.tenant, name: old.name, definition: {}, deleted: true, updatedBy: request.caller.name });
      }
      await writeApiRule(deps.store, { tenant: compiled.rule.rule.tenant ?? allTenants, name: compiled.rule.rule.name, definition: compiled.definition, updatedBy: request.caller.name });
      return toApi(compiled.rule);
    },
  );

  api.delete(
    "/api/v1/rules/:name",
    {
      config: { scope: "write" },
      schema: { summary: "Delete an API-managed alert rule (its alerts resolve at the next evaluation)", tags: ["alerts"], params: NameParam, response: { 204: z.null(), 400: ErrorBody, 404: ErrorBody, 409: ErrorBody } },
    },
    async (request, reply) => {
      const mine = (await readApiRules(deps.store, request.caller.tenant)).filter((r) => r.name === request.params.name && (request.caller.tenant === allTenants || r.tenant === request.caller.tenant));
      if (mine.length === 0) {
        const files = rulesDir ? validateRuleDirectory(rulesDir).rules : [];
        if (files.some((f) => f.rule.name === request.params.name)) return reply.code(409).send({ statusCode: 409, error: "Conflict", message: `${request.params.name} is defined in a rule file; remove it there` });
        return reply.code(404).send({ statusCode: 404, error: "Not Found", message: `no API rule named ${request.params.name}` });
      }
      for (const record of mine) await writeApiRule(deps.store, { tenant: record.tenant, name: record.name, definition: {}, deleted: true, updatedBy: request.caller.name });
      return reply.code(204).send(null);
    },
  );
}
