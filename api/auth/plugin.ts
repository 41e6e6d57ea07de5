// Authentication, authorization, rate limiting and the audit trail: one Fastify plugin, registered
// once in api/server.ts before any route. Per request:
//   1. onRequest (global): the presented key becomes request.caller (or an authentication failure);
//   2. onRequest (route):  the rate limit, per key, or per client address without a valid key;
//   3. onRequest (route):  401 without a valid key, 403 without the route's scope;
//   4. onResponse:         every write/admin request (allowed or not) is appended to the audit log.
// Routes declare what they need with `config: { scope }` (read when unset), `public` or
// `operatorOnly` (api/caller.ts); a route with an unknown scope fails at start.
import { randomUUID } from "node:crypto";
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import fp from "fastify-plugin";
import type { Logger } from "pino";
import type { Store } from "../../store/index.js";
import { allTenants, apiScopes, hasScope, openAccessCaller, type ApiScope, type Caller } from "../caller.js";
import { writeAudit, type AuditRecord } from "../queries/audit.js";
import { ErrorBody } from "../schemas.js";
import type { KeyRing } from "./key-ring.js";
import { presentedKey, type Authentication } from "./keys.js";

export interface AuthPluginOptions {
  mode: "keys" | "off";
  keyRing: KeyRing;
  store: Store;
  logger: Logger;
  rateLimitPerMinute: number;
}

/** What the route catalogue knows about each route: what it needs from a caller. */
export interface RouteAccess {
  method: string;
  url: string;
  scope: ApiScope;
  public: boolean;
  operatorOnly: boolean;
}

declare module "fastify" {
  interface FastifyInstance {
    /** Every route with the access it requires (the tenancy test matrix iterates over it). */
    routeAccess: RouteAccess[];
    /** Writes the audit records not yet written (they are written every second anyway). */
    flushAudit(): Promise<void>;
  }
  interface FastifyRequest {
    authFailure?: Extract<Authentication, { ok: false }>;
  }
}

/** The caller of a public route without a (valid) key: no tenant, no scope. */
const publicCaller: Caller = Object.freeze({ keyId: "public", name: "public", tenant: "", scopes: [] });

const readMethods = new Set(["GET", "HEAD", "OPTIONS"]);
const auditFlushMs = 1000;

function requiredScope(config: { scope?: unknown } | undefined, route: string): ApiScope {
  const scope = config?.scope ?? "read";
  if (!apiScopes.includes(scope as ApiScope)) throw new Error(`route ${route}: config.scope '${String(scope)}' is not one of ${apiScopes.join(", ")}`);
  return scope as ApiScope;
}

function isPublic(routeOptions: Pick<RouteOptions, "method" | "config">): boolean {
  const methods = [routeOptions.method].flat();
  return Boolean((routeOptions.config as { public?: boolean } | undefined)?.public) || methods.every((method) => method === "OPTIONS");
}

async function authPlugin(app: FastifyInstance, options: AuthPluginOptions): Promise<void> {
  const { mode, keyRing } = options;
  // The catalogue is read after start-up, when every plugin's onRoute hooks have run.
  const registered: RouteOptions[] = [];
  app.decorate("routeAccess", {
    getter: () =>
      registered.flatMap((routeOptions) =>
        [routeOptions.method]
          .flat()
          .filter((method) => method !== "HEAD")
          .map((method) => ({
            method,
            url: routeOptions.url,
            scope: requiredScope(routeOptions.config as { scope?: unknown }, routeOptions.url),
            public: isPublic(routeOptions),
            operatorOnly: Boolean((routeOptions.config as { operatorOnly?: boolean })?.operatorOnly),
          })),
      ),
  });
  app.decorateRequest("authFailure", undefined);

  // The route catalogue, and the 401/403/429 answers documented on every protected route.
  app.addHook("onRoute", (routeOptions) => {
    registered.push(routeOptions);
    const scope = requiredScope(routeOptions.config as { scope?: unknown }, routeOptions.url);
    const open = isPublic(routeOptions);
    const schema = routeOptions.schema as Record<string, unknown> | undefined;
    if (schema && !schema.hide) {
      if (open) schema.security = [];
      else {
        const response = (schema.response ??= {}) as Record<string, unknown>;
        for (const [code, description] of [
          [401, "No API key, or a key that is unknown, revoked or expired"],
          [403, `The key lacks the '${scope}' scope${(routeOptions.config as { operatorOnly?: boolean })?.operatorOnly ? " or is not an operator key (tenant *)" : ""}`],
          [429, "Too many requests for this key; retry after the Retry-After seconds"],
        ] as const) {
          response[code] ??= ErrorBody.describe(description);
        }
      }
    }
  });

  app.addHook("onRequest", async (request) => {
    if (mode === "off") {
      request.caller = openAccessCaller;
      return;
    }
    const result = keyRing.authenticate(presentedKey(request.headers));
    if (result.ok) request.caller = result.caller;
    else {
      request.caller = publicCaller;
      request.authFailure = result;
    }
  });

  await app.register(rateLimit, {
    max: options.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => (request.caller && request.caller !== publicCaller && request.caller !== openAccessCaller ? `key:${request.caller.keyId}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) => Object.assign(new Error(`rate limit of ${context.max} requests per minute exceeded; retry in ${context.after}`), { statusCode: 429 }),
  });

  // Added after the rate limit's own onRoute hook, so it runs after it on every route.
  app.addHook("onRoute", (routeOptions) => {
    const scope = requiredScope(routeOptions.config as { scope?: unknown }, routeOptions.url);
    const operatorOnly = Boolean((routeOptions.config as { operatorOnly?: boolean })?.operatorOnly);
    const enforce = async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.routeOptions.config.public || request.method === "OPTIONS") return;
      if (request.authFailure) {
        reply.header("www-authenticate", `Bearer realm="braid"${request.authFailure.reason === "missing" ? "" : ', error="invalid_token"'}`);
        return reply.code(401).send({ statusCode: 401, error: "Unauthorized", message: request.authFailure.message });
      }
      if (!hasScope(request.caller, scope)) {
        return reply.code(403).send({ statusCode: 403, error: "Forbidden", message: `${request.method} ${routeOptions.url} needs the '${scope}' scope; key ${request.caller.keyId} has ${request.caller.scopes.join(", ") || "none"}` });
      }
      if (operatorOnly && request.caller.tenant !== allTenants) {
        return reply.code(403).send({ statusCode: 403, error: "Forbidden", message: `${request.method} ${routeOptions.url} covers every tenant: it needs an operator key (tenant *)` });
      }
    };
    routeOptions.onRequest = [routeOptions.onRequest ?? []].flat().concat(enforce);
  });

  // The audit trail, written in small batches (at most one insert a second).
  let pending: AuditRecord[] = [];
  let flushing: Promise<void> | undefined;
  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    try {
      await writeAudit(options.store, batch);
    } catch (err) {
      options.logger.error({ err: (err as Error).message, records: batch.length }, "writing the audit log failed; keeping the records for the next attempt");
      pending = batch.concat(pending);
    }
  };
  const flushOnce = () => (flushing ??= flush().finally(() => (flushing = undefined)));
  const timer = setInterval(() => void flushOnce(), auditFlushMs);
  timer.unref();
  app.decorate("flushAudit", async () => {
    await flushOnce();
    await flushOnce();
  });

  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url;
    if (!route || request.routeOptions.config?.public) return;
    const scope = (request.routeOptions.config?.scope ?? "read") as ApiScope;
    if (scope === "read" && readMethods.has(request.method)) return;
    const status = reply.statusCode;
    const detail = request.auditDetail ?? {};
    pending.push({
      at: Date.now(),
      eventId: randomUUID(),
      tenant: typeof detail.tenant === "string" && request.caller.tenant === allTenants ? detail.tenant : request.caller.tenant,
      keyId: request.caller.keyId,
      keyName: request.caller.name,
      action: typeof detail.action === "string" ? detail.action : `${request.method} ${route}`,
      method: request.method,
      route,
      path: request.url.split("?")[0]!,
      statusCode: status,
      outcome: status === 401 || status === 403 ? "denied" : status >= 400 ? "failed" : "allowed",
      clientAddress: request.ip,
      userAgent: String(request.headers["user-agent"] ?? "").slice(0, 256),
      requestId: request.id,
      detail,
    });
  });

  app.addHook("onClose", async () => {
    clearInterval(timer);
    await flushing;
    await flush();
  });
}

export const auth = fp(authPlugin, { name: "braid-auth", fastify: "5.x" });
