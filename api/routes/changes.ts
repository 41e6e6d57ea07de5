// Change events through the API: POST /api/v1/changes (write scope) announces a deploy, a config
// or a feature-flag change the way a CI/CD pipeline would on the changes topic — the API puts it
// on that topic, and ingest stores it like any other (one path into the store, deduplicated by
// the event's id); GET /api/v1/changes lists the stored ones of the caller's tenant.
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { ChangeEvent } from "../../schemas/changes.js";
import { allTenants } from "../caller.js";
import type { ApiDeps } from "../deps.js";
import { checkRange, paginationFields, resolveRange, seconds, timeRangeFields } from "../params.js";
import { listChanges, StoredChange } from "../queries/changes.js";
import { ErrorBody } from "../schemas.js";

const ListQuery = checkRange(z.object({ ...timeRangeFields, ...paginationFields, service: z.string().min(1).max(256).optional() }));

export async function changeRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.post(
    "/api/v1/changes",
    {
      config: { scope: "write" },
      schema: {
        summary: "Announce a change (deploy, config, feature flag): it goes on the changes topic and is stored by ingest",
        tags: ["changes"],
        querystring: z.object({ tenant: z.string().min(1).max(128).optional().describe("For an operator key: the tenant the change belongs to (default: the default tenant)") }),
        body: ChangeEvent,
        response: { 202: z.object({ ChangeId: z.string(), Tenant: z.string(), Topic: z.string() }), 400: ErrorBody, 503: ErrorBody },
      },
    },
    async (request, reply) => {
      if (!deps.publishChange) return reply.code(503).send({ statusCode: 503, error: "Service Unavailable", message: "this Braid process cannot publish change events (no Kafka producer)" });
      const caller = request.caller;
      const tenant = caller.tenant === allTenants ? request.query.tenant : caller.tenant;
      // The broker unreachable or refusing: the pipeline may retry later (it is idempotent by id).
      const published = await deps.publishChange(request.body, tenant).catch((err: Error) => err);
      if (published instanceof Error) {
        // The broker's own words stay in Braid's log: they name internal addresses.
        request.log.warn({ err: published }, "could not publish a change event");
        return reply.code(503).send({ statusCode: 503, error: "Service Unavailable", message: "Kafka did not take the change (Braid's log says why); send it again: the same id is stored once" });
      }
      request.auditDetail = { action: "changes.create", changeId: published.changeId, service: request.body.service, kind: request.body.kind };
      return reply.code(202).send({ ChangeId: published.changeId, Tenant: published.tenant, Topic: published.topic });
    },
  );

  api.get(
    "/api/v1/changes",
    {
      schema: {
        summary: "Stored change events of a time range, newest first",
        tags: ["changes"],
        querystring: ListQuery,
        response: { 200: z.object({ Total: z.number(), Changes: z.array(StoredChange) }), 400: ErrorBody },
      },
    },
    async (request) => {
      const { fromMs, toMs } = resolveRange(request.query);
      const { total, changes } = await listChanges(deps.store, {
        tenant: request.caller.tenant, service: request.query.service, fromSeconds: seconds(fromMs), toSeconds: seconds(toMs) + 1, limit: request.query.limit, offset: request.query.offset,
      });
      return { Total: total, Changes: changes };
    },
  );
}

