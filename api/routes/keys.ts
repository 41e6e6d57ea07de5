// API key management (admin scope): create (the key is in the answer once, never again), list,
// show, revoke; and GET /api/v1/whoami for any key. An admin key of one tenant manages that
// tenant's keys only; another tenant's key answers 404, as if it did not exist.
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { allTenants, apiScopes, canSeeTenant, impliedScopes } from "../caller.js";
import type { ApiDeps } from "../deps.js";
import type { KeyRing } from "../auth/key-ring.js";
import { generateKey, keyIdPattern, tenantPattern } from "../auth/keys.js";
import { getKey, insertKey, listKeys, type KeyListing } from "../queries/keys.js";
import { paginationFields } from "../params.js";
import { ErrorBody } from "../schemas.js";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const maxExpiryMs = 10 * 365 * 86_400_000;

const ApiKey = z.object({
  KeyId: z.string(),
  Name: z.string(),
  Tenant: z.string().describe("The tenant the key reads and writes, or * for every tenant (an operator key)"),
  Scopes: z.array(z.enum(apiScopes)).describe("Granted scopes with the ones they imply (admin ⊃ write ⊃ read)"),
  CreatedBy: z.string().describe("Key id of the key that created it"),
  CreatedAt: z.string(),
  ExpiresAt: z.string().nullable(),
  LastUsedAt: z.string().nullable().describe("Last successful authentication (written every minute or so)"),
  RevokedAt: z.string().nullable(),
});

const CreateKeyBody = z
  .object({
    name: z.string().trim().min(1).max(128).describe("What the key is for, e.g. 'grafana' or 'alice (on-call)'"),
    tenant: z.string().regex(tenantPattern, "a tenant name ([A-Za-z0-9._:-], at most 128 characters) or *").optional().describe("Default: the creating key's tenant; required for an operator key"),
    scopes: z.array(z.enum(apiScopes)).min(1).max(3),
    expiresAt: z.iso.datetime({ offset: true }).optional().describe("ISO-8601; the key stops working then. Default: never"),
  })
  .strict();

const KeyParams = z.object({ keyId: z.string().regex(keyIdPattern, "a key id of 16 lowercase hex characters") });

const WhoAmI = z.object({ KeyId: z.string(), Name: z.string(), Tenant: z.string(), Scopes: z.array(z.enum(apiScopes)) });

export async function keyRoutes(app: FastifyInstance, deps: ApiDeps & { keyRing: KeyRing }): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { store, keyRing } = deps;
  const toApi = (key: KeyListing): z.infer<typeof ApiKey> => {
    const pending = keyRing.pendingLastUse(key.keyId);
    const lastUsed = Math.max(key.lastUsedAt ?? 0, pending ?? 0) || null;
    return {
      KeyId: key.keyId,
      Name: key.name,
      Tenant: key.tenant,
      Scopes: impliedScopes(key.scopes),
      CreatedBy: key.createdBy,
      CreatedAt: iso(key.createdAt)!,
      ExpiresAt: iso(key.expiresAt),
      LastUsedAt: iso(lastUsed),
      RevokedAt: iso(key.revokedAt),
    };
  };

  api.post(
    "/api/v1/keys",
    {
      config: { scope: "admin" },
      schema: {
        summary: "Create an API key; the answer holds the key itself, shown this once (Braid stores only its hash)",
        tags: ["keys"],
        body: CreateKeyBody,
        response: { 201: ApiKey.extend({ Key: z.string().describe("The API key: send it as `Authorization: Bearer <key>`") }), 400: ErrorBody, 403: ErrorBody },
      },
    },
    async (request, reply) => {
      const { caller } = request;
      const body = request.body;
      if (caller.tenant === allTenants && body.tenant === undefined) {
        return reply.code(400).send({ statusCode: 400, error: "Bad Request", message: "body.tenant: required when an operator key creates a key (a tenant name, or * for another operator key)" });
      }
      const tenant = body.tenant ?? caller.tenant;
      if (!canSeeTenant(caller, tenant)) {
        return reply.code(403).send({ statusCode: 403, error: "Forbidden", message: `a key of tenant ${caller.tenant} can only create keys of tenant ${caller.tenant}` });
      }
      const now = Date.now();
      const expiresAt = body.expiresAt === undefined ? null : Date.parse(body.expiresAt);
      if (expiresAt !== null && (expiresAt <= now || expiresAt > now + maxExpiryMs)) {
        return reply.code(400).send({ statusCode: 400, error: "Bad Request", message: "body.expiresAt: must be in the future and at most 10 years ahead" });
      }
      const { keyId, key, secretHash } = generateKey();
      const stored = { keyId, name: body.name, tenant, scopes: [...new Set(body.scopes)], secretHash, createdBy: caller.keyId, createdAt: now, expiresAt, revokedAt: null };
      await insertKey(store, stored, 1);
      await keyRing.reload();
      request.auditDetail = { action: "keys.create", keyId, name: body.name, tenant, scopes: stored.scopes, expiresAt: iso(expiresAt) };
      return reply.code(201).send({ ...toApi({ ...stored, lastUsedAt: null }), Key: key });
    },
  );

  api.get(
    "/api/v1/keys",
    {
      config: { scope: "admin" },
      schema: {
        summary: "API keys of the caller's tenant (every tenant for an operator key), newest first; never the keys themselves",
        tags: ["keys"],
        querystring: z.object({ ...paginationFields, includeRevoked: z.enum(["true", "false"]).default("false") }),
        response: { 200: z.object({ Total: z.number().int(), Limit: z.number().int(), Offset: z.number().int(), Keys: z.array(ApiKey) }), 400: ErrorBody },
      },
    },
    async (request) => {
      const { limit, offset, includeRevoked } = request.query;
      const { total, keys } = await listKeys(store, request.caller.tenant, { includeRevoked: includeRevoked === "true", limit, offset });
      return { Total: total, Limit: limit, Offset: offset, Keys: keys.map(toApi) };
    },
  );

  api.get(
    "/api/v1/keys/:keyId",
    {
      config: { scope: "admin" },
      schema: { summary: "One API key (not the key itself)", tags: ["keys"], params: KeyParams, response: { 200: ApiKey, 400: ErrorBody, 404: ErrorBody } },
    },
    async (request, reply) => {
      const key = await getKey(store, request.caller.tenant, request.params.keyId);
      if (!key) return reply.code(404).send({ statusCode: 404, error: "Not Found", message: `API key ${request.params.keyId} was not found` });
      return toApi(key);
    },
  );

  api.delete(
    "/api/v1/keys/:keyId",
    {
      config: { scope: "admin" },
      schema: {
        summary: "Revoke an API key: it stops working at once on this API process, within the key cache time on the others",
        tags: ["keys"],
        params: KeyParams,
        response: { 200: ApiKey, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const key = await getKey(store, request.caller.tenant, request.params.keyId);
      request.auditDetail = { action: "keys.revoke", keyId: request.params.keyId, ...(key ? { tenant: key.tenant, name: key.name } : {}) };
      if (!key) return reply.code(404).send({ statusCode: 404, error: "Not Found", message: `API key ${request.params.keyId} was not found` });
      if (key.revokedAt === null) {
        const revoked = { ...key, revokedAt: Date.now() };
        await insertKey(store, revoked, key.version + 1, request.caller.keyId);
        await keyRing.reload();
        return toApi(revoked);
      }
      return toApi(key);
    },
  );

  api.get(
    "/api/v1/whoami",
    { schema: { summary: "The key this request was made with: its id, name, tenant and scopes", tags: ["keys"], response: { 200: WhoAmI } } },
    async (request) => ({ KeyId: request.caller.keyId, Name: request.caller.name, Tenant: request.caller.tenant, Scopes: [...request.caller.scopes] }),
  );
}
