// Silences, in Alertmanager's v2 shape: matchers and a time range. A tenant's silence mutes only
// that tenant's alerts; creating and expiring need the write scope.
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { getSilence, listSilences, writeSilence, type SilenceRecord } from "../../correlator/alerting/index.js";
import { SilenceMatcher } from "../../schemas/alerting.js";
import { allTenants } from "../caller.js";
import type { ApiDeps } from "../deps.js";
import { ErrorBody } from "../schemas.js";

const Silence = z.object({
  id: z.string(),
  tenant: z.string(),
  matchers: z.array(z.object({ name: z.string(), value: z.string(), isRegex: z.boolean(), isEqual: z.boolean() })),
  startsAt: z.string(),
  endsAt: z.string(),
  createdBy: z.string(),
  comment: z.string(),
  updatedAt: z.string(),
  status: z.object({ state: z.enum(["pending", "active", "expired"]) }),
});

const SilenceBody = z.strictObject({
  matchers: z.array(SilenceMatcher).min(1, "a silence needs at least one matcher"),
  startsAt: z.iso.datetime({ offset: true }).optional().describe("default: now"),
  endsAt: z.iso.datetime({ offset: true }),
  createdBy: z.string().min(1).max(256).optional(),
  comment: z.string().max(4000).default(""),
  tenant: z.string().min(1).optional().describe("operators only: the tenant whose alerts it mutes (default: every tenant)"),
});

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

function apiSilence(s: SilenceRecord, now: number): z.infer<typeof Silence> {
  const state = now < s.startsAt ? "pending" : now < s.endsAt ? "active" : "expired";
  return { id: s.id, tenant: s.tenant, matchers: s.matchers, startsAt: iso(s.startsAt), endsAt: iso(s.endsAt), createdBy: s.createdBy, comment: s.comment, updatedAt: s.updatedAt, status: { state } };
}

export async function silenceRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const nowSeconds = () => Math.floor(Date.now() / 1000);

  api.get(
    "/api/v1/silences",
    {
      schema: {
        summary: "Silences: active and pending ones, expired ones too with expired=true",
        tags: ["alerts"],
        querystring: z.object({ expired: z.enum(["true", "false"]).default("false") }),
        response: { 200: z.object({ Silences: z.array(Silence) }), 400: ErrorBody },
      },
    },
    async (request) => {
      const now = nowSeconds();
      const rows = await listSilences(deps.store, request.caller.tenant, { includeExpired: request.query.expired === "true", at: now });
      return { Silences: rows.map((s) => apiSilence(s, now)) };
    },
  );

  api.get(
    "/api/v1/silences/:id",
    { schema: { summary: "One silence", tags: ["alerts"], params: z.object({ id: z.uuid() }), response: { 200: Silence, 400: ErrorBody, 404: ErrorBody } } },
    async (request, reply) => {
      const silence = await getSilence(deps.store, request.caller.tenant, request.params.id);
      if (!silence) return reply.code(404).send({ statusCode: 404, error: "Not Found", message: `silence ${request.params.id} was not found` });
      return apiSilence(silence, nowSeconds());
    },
  );

  api.post(
    "/api/v1/silences",
    {
      config: { scope: "write" },
      schema: { summary: "Create a silence", tags: ["alerts"], body: SilenceBody, response: { 201: Silence, 400: ErrorBody } },
    },
    async (request, reply) => {
      const body = request.body;
      const now = nowSeconds();
      const startsAt = body.startsAt ? Math.floor(Date.parse(body.startsAt) / 1000) : now;
      const endsAt = Math.floor(Date.parse(body.endsAt) / 1000);
      if (endsAt <= startsAt) return reply.code(400).send({ statusCode: 400, error: "Bad Request", message: "body.endsAt must be after startsAt" });
      if (endsAt <= now) return reply.code(400).send({ statusCode: 400, error: "Bad Request", message: "body.endsAt is in the past" });
      for (const [i, m] of body.matchers.entries()) {
        if (!m.isRegex) continue;
        try {
          new RegExp(`^(?:${m.value})$`);
        } catch (err) {
          return reply.code(400).send({ statusCode: 400, error: "Bad Request", message: `body.matchers.${i}.value: ${(err as Error).message}` });
        }
      }
      const caller = request.caller;
      if (caller.tenant !== allTenants && body.tenant !== undefined && body.tenant !== caller.tenant) {
        return reply.code(400).send({ statusCode: 400, error: "Bad Request", message: `body.tenant: a key of tenant ${caller.tenant} cannot silence tenant ${body.tenant}` });
      }
      const tenant = caller.tenant === allTenants ? (body.tenant ?? allTenants) : caller.tenant;
      const silence = await writeSilence(deps.store, { tenant, matchers: body.matchers, startsAt, endsAt, createdBy: body.createdBy ?? caller.name, comment: body.comment });
      return reply.code(201).send(apiSilence(silence, now));
    },
  );

  api.delete(
    "/api/v1/silences/:id",
    {
      config: { scope: "write" },
      schema: { summary: "Expire a silence now", tags: ["alerts"], params: z.object({ id: z.uuid() }), response: { 200: Silence, 400: ErrorBody, 404: ErrorBody } },
    },
    async (request, reply) => {
      const silence = await getSilence(deps.store, request.caller.tenant, request.params.id);
      if (!silence) return reply.code(404).send({ statusCode: 404, error: "Not Found", message: `silence ${request.params.id} was not found` });
      const now = nowSeconds();
      const expired = await writeSilence(deps.store, { ...silence, startsAt: Math.min(silence.startsAt, now), endsAt: now });
      return apiSilence(expired, now);
    },
  );
}
