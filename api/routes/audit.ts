// GET /api/v1/audit (admin scope): the audit log of write and admin requests, newest first, of
// the caller's tenant (every tenant for an operator key).
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ApiDeps } from "../deps.js";
import { checkRange, paginationFields, resolveRange, timeRangeFields } from "../params.js";
import { readAudit } from "../queries/audit.js";
import { ErrorBody } from "../schemas.js";

const AuditEvent = z.object({
  At: z.string(),
  EventId: z.string(),
  Tenant: z.string(),
  KeyId: z.string().describe("Who: the key used ('anonymous' while authentication is off, 'public' without a valid key)"),
  KeyName: z.string(),
  Action: z.string().describe("What: e.g. keys.create, keys.revoke, or METHOD route"),
  Method: z.string(),
  Route: z.string(),
  Path: z.string(),
  StatusCode: z.number().int(),
  Outcome: z.enum(["allowed", "denied", "failed"]),
  ClientAddress: z.string().describe("From where: the client's address (the proxy's unless api.trustProxy is set)"),
  UserAgent: z.string(),
  RequestId: z.string(),
  Detail: z.record(z.string(), z.unknown()),
});

const AuditQuery = checkRange(
  z.object({
    ...timeRangeFields,
    ...paginationFields,
    keyId: z.string().regex(/^([0-9a-f]{16}|bootstrap|anonymous|public)$/, "a key id").optional(),
    action: z.string().regex(/^[A-Za-z0-9._:/ {}-]{1,200}$/, "an action such as keys.create").optional(),
    outcome: z.enum(["allowed", "denied", "failed"]).optional(),
  }),
);

export async function auditRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get(
    "/api/v1/audit",
    {
      config: { scope: "admin" },
      schema: {
        summary: "Audit log of write and admin requests (who, what, when, from where, outcome), newest first",
        tags: ["keys"],
        querystring: AuditQuery,
        response: { 200: z.object({ Limit: z.number().int(), Offset: z.number().int(), Events: z.array(AuditEvent) }), 400: ErrorBody },
      },
    },
    async (request) => {
      const { fromMs, toMs } = resolveRange(request.query);
      const { keyId, action, outcome, limit, offset } = request.query;
      const events = await readAudit(deps.store, { tenant: request.caller.tenant, fromMs, toMs, keyId, action, outcome, limit, offset });
      return {
        Limit: limit,
        Offset: offset,
        Events: events.map((e) => ({
          At: new Date(e.at).toISOString(), EventId: e.eventId, Tenant: e.tenant, KeyId: e.keyId, KeyName: e.keyName, Action: e.action, Method: e.method,
          Route: e.route, Path: e.path, StatusCode: e.statusCode, Outcome: e.outcome, ClientAddress: e.clientAddress, UserAgent: e.userAgent, RequestId: e.requestId, Detail: e.detail,
        })),
      };
    },
  );
}
