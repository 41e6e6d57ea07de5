// The query API for on-call engineers: Fastify with zod schemas on every route (validation,
// serialization and the OpenAPI document at /api/docs/openapi.json come from the same schemas).
import { STATUS_CODES } from "node:http";
import { SpanKind, SpanStatusCode, type Span, type Tracer } from "@opentelemetry/api";
import cors from "@fastify/cors";
import helmet from "@fastify/helmet";
import swagger from "@fastify/swagger";
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform, serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import type { Registry } from "prom-client";
import { ApiSettings } from "../schemas/config.js";
import { KeyRing } from "./auth/key-ring.js";
import { auth } from "./auth/plugin.js";
import { boundedStore, QueryTimeoutError } from "./bounded-store.js";
import type { Caller } from "./caller.js";
import type { ApiDeps } from "./deps.js";
import { auditRoutes } from "./routes/audit.js";
import { changeRoutes } from "./routes/changes.js";
import { keyRoutes } from "./routes/keys.js";
import { alertRoutes } from "./routes/alerts.js";
import { healthRoutes, type HealthCheck } from "./routes/health.js";
import { errorsRoutes } from "./routes/errors.js";
import { glossaryRoutes } from "./routes/glossary.js";
import { incidentRoutes } from "./routes/incidents.js";
import { logRoutes } from "./routes/logs.js";
import { ruleRoutes } from "./routes/rules.js";
import { serviceDetailRoutes, serviceRoutes } from "./routes/services.js";
import { silenceRoutes } from "./routes/silences.js";
import { traceRoutes } from "./routes/traces.js";
import { anomalyRoutes } from "./routes/anomalies.js";
import { webRoutes } from "./routes/web.js";

export interface ApiOptions {
  deps: ApiDeps;
  tracer: Tracer;
  registry: Registry;
  health: HealthCheck[];
  /**
   * Authentication and hardening (config.api). runtime/app.ts always passes the configuration;
   * when absent (tests that embed the API) authentication is off and the defaults apply.
   */
  settings?: ApiSettings;
  /** Route plugins added by other roles or features, registered after the built-in ones. */
  extraRoutes?: ((app: FastifyInstance, deps: ApiDeps) => Promise<void>)[];
}

declare module "fastify" {
  interface FastifyRequest {
    braidSpan?: Span;
  }
  interface FastifyInstance {
    /** The API keys this process authenticates with. */
    keyRing: KeyRing;
  }
}

/** A route's URL (`/api/v1/keys/:keyId`, `/ui/*`) as a regular expression over request paths. */
function routePattern(url: string): RegExp {
  const escaped = url.split("/").map((part) => (part.startsWith(":") ? "[^/]+" : part === "*" ? ".*" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  return new RegExp(`^${escaped.join("/")}$`);
}

export async function buildApi(options: ApiOptions): Promise<FastifyInstance> {
  const settings = options.settings ?? ApiSettings.parse({ auth: { mode: "off" } });
  // Routes query through a store whose SELECTs stop after the request timeout.
  const deps: ApiDeps = { ...options.deps, store: boundedStore(options.deps.store, settings.requestTimeoutSeconds) };
  const app = Fastify({
    loggerInstance: options.deps.logger.child({ role: "api" }) as FastifyBaseLogger,
    bodyLimit: settings.bodyLimitBytes,
    // Time for a request's headers and body to arrive (slow-loris); queries are bounded in the store.
    requestTimeout: settings.requestTimeoutSeconds * 1000,
    connectionTimeout: settings.requestTimeoutSeconds * 2000,
    trustProxy: settings.trustProxy,
    return503OnClosing: true,
    // Path parameters are validated by their schemas (a 400 naming the field), not cut at 100 characters (a bare 414).
    routerOptions: { maxParamLength: 2048 },
    // Room for the longest request the documented limits allow (glossary/match: 8,192 characters of
    // message, each up to 9 bytes percent-encoded), so that it gets its 200 or 400, not Node's bare
    // 431 at the default 16 KiB.
    http: { maxHeaderSize: 128 * 1024 },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  const keyRing = new KeyRing({
    store: options.deps.store,
    logger: options.deps.logger,
    bootstrapKey: settings.auth.bootstrapKey,
    reloadSeconds: settings.auth.keyCacheSeconds,
    lastUseFlushSeconds: settings.auth.lastUseFlushSeconds,
  });
  await keyRing.start();
  app.decorate("keyRing", keyRing);
  app.addHook("onClose", () => keyRing.stop());
  app.decorateRequest("caller", null as unknown as Caller);
  // Authentication, scopes, rate limits and the audit trail for every route registered below.
  await app.register(auth, { mode: settings.auth.mode, keyRing, store: options.deps.store, logger: options.deps.logger, rateLimitPerMinute: settings.rateLimitPerMinute });
  // Security headers; the CSP allows the same-origin web page (its own scripts and styles only).
  // upgrade-insecure-requests is left out: on a plain-HTTP address it would break the page.
  await app.register(helmet, { contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
  // CORS is closed (no headers at all) unless origins are configured.
  if (settings.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: settings.corsOrigins.includes("*") ? "*" : settings.corsOrigins,
      methods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
      allowedHeaders: ["authorization", "x-api-key", "content-type"],
      maxAge: 600,
    });
  }

  // One span per request, named by route template (low cardinality), as HTTP server spans are.
  app.addHook("onRequest", async (request) => {
    request.braidSpan = options.tracer.startSpan(`${request.method} ${request.routeOptions.url ?? "unmatched"}`, {
      kind: SpanKind.SERVER,
      attributes: { "http.request.method": request.method, "url.path": request.url.split("?")[0]!, "http.route": request.routeOptions.url ?? "" },
    });
  });
  app.addHook("onResponse", async (request, reply) => {
    const span = request.braidSpan;
    if (!span) return;
    span.setAttribute("http.response.status_code", reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const problems = error.validation.map((issue) => {
        const field = issue.instancePath.replace(/^\//, "").replaceAll("/", ".");
        return `${error.validationContext ?? "request"}${field ? `.${field}` : ""}: ${issue.message}`;
      });
      return reply.code(400).send({ statusCode: 400, error: "Bad Request", message: problems.join("; ") });
    }
    if (error instanceof QueryTimeoutError) {
      request.log.warn({ url: request.url }, "query stopped at the time limit");
      return reply.code(503).header("retry-after", "30").send({ statusCode: 503, error: "Service Unavailable", message: error.message });
    }
    const statusCode = error.statusCode && error.statusCode < 600 ? error.statusCode : 500;
    if (statusCode >= 500) {
      request.log.error({ err: error, url: request.url }, "request failed");
      request.braidSpan?.recordException(error);
      return reply.code(statusCode).send({ statusCode, error: "Internal Server Error", message: "the request failed inside Braid; see the server log" });
    }
    return reply.code(statusCode).send({ statusCode, error: STATUS_CODES[statusCode] ?? "Error", message: error.message });
  });
  // A path that exists under other methods is a 405 with Allow (RFC 9110), not a 404.
  let routePatterns: { method: string; pattern: RegExp }[] | undefined;
  const notFound = (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split("?")[0]!;
    routePatterns ??= app.routeAccess.map((route) => ({ method: route.method, pattern: routePattern(route.url) }));
    const allowed = [...new Set(routePatterns.filter((route) => route.pattern.test(path)).map((route) => route.method))];
    if (allowed.length > 0) {
      const allow = allowed.includes("GET") ? [...allowed, "HEAD"] : allowed;
      return reply.code(405).header("allow", allow.join(", ")).send({ statusCode: 405, error: "Method Not Allowed", message: `${request.method} is not allowed on ${path}; allowed: ${allow.join(", ")}` });
    }
    return reply.code(404).send({ statusCode: 404, error: "Not Found", message: `no route ${request.method} ${path}` });
  };
  // Answered before any body parsing: a QUERY or TRACE request to a known path gets its 405.
  app.addHook("onRequest", async (request, reply) => {
    if (request.is404) return notFound(request, reply);
  });
  app.setNotFoundHandler(notFound);

  await app.register(swagger, {
    openapi: {
      info: { title: "Braid API", version: "1" },
      tags: [{ name: "incidents" }, { name: "traces" }, { name: "services" }, { name: "logs" }, { name: "errors" }, { name: "alerts" }, { name: "changes" }, { name: "keys" }, { name: "operations" }],
      components: {
        securitySchemes: {
          bearerAuth: { type: "http", scheme: "bearer", description: "An API key: `Authorization: Bearer braid_…`" },
          apiKeyHeader: { type: "apiKey", in: "header", name: "X-API-Key", description: "The same API key in the X-API-Key header" },
        },
      },
      security: [{ bearerAuth: [] }, { apiKeyHeader: [] }],
    },
    transform: jsonSchemaTransform,
  });
  app.get("/api/docs/openapi.json", { schema: { hide: true }, config: { public: true } }, async () => app.swagger());

  await app.register(async (scope) => healthRoutes(scope, { checks: options.health, registry: options.registry }));
  for (const routes of [traceRoutes, incidentRoutes, anomalyRoutes, serviceRoutes, serviceDetailRoutes, logRoutes, errorsRoutes, glossaryRoutes, alertRoutes, ruleRoutes, silenceRoutes, auditRoutes, changeRoutes]) {
    await app.register(async (scope) => routes(scope, deps));
  }
  await app.register(async (scope) => keyRoutes(scope, { ...deps, keyRing }));
  for (const routes of options.extraRoutes ?? []) await app.register(async (scope) => routes(scope, deps));
  // The on-call page: static files built from web/, same origin as the API it calls.
  await app.register(async (scope) => webRoutes(scope));
  return app;
}
