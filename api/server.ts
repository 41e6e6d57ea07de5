// The query API for on-call engineers: Fastify with zod schemas on every route (validation,
// serialization and the OpenAPI document at /api/docs/openapi.json come from the same schemas).
import { SpanKind, SpanStatusCode, type Span, type Tracer } from "@opentelemetry/api";
import swagger from "@fastify/swagger";
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from "fastify";
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform, serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import type { Registry } from "prom-client";
import { openAccessCaller, type Caller } from "./caller.js";
import type { ApiDeps } from "./deps.js";
import { alertRoutes } from "./routes/alerts.js";
import { healthRoutes, type HealthCheck } from "./routes/health.js";
import { errorsRoutes } from "./routes/errors.js";
import { glossaryRoutes } from "./routes/glossary.js";
import { incidentRoutes } from "./routes/incidents.js";
import { logRoutes } from "./routes/logs.js";
import { ruleRoutes } from "./routes/rules.js";
import { serviceRoutes } from "./routes/services.js";
import { silenceRoutes } from "./routes/silences.js";
import { traceRoutes } from "./routes/traces.js";

export interface ApiOptions {
  deps: ApiDeps;
  tracer: Tracer;
  registry: Registry;
  health: HealthCheck[];
  /** Route plugins added by other roles or features, registered after the built-in ones. */
  extraRoutes?: ((app: FastifyInstance, deps: ApiDeps) => Promise<void>)[];
}

declare module "fastify" {
  interface FastifyRequest {
    braidSpan?: Span;
  }
}

export async function buildApi(options: ApiOptions): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: options.deps.logger.child({ role: "api" }) as FastifyBaseLogger, bodyLimit: 1024 * 1024 });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.decorateRequest("caller", null as unknown as Caller);
  app.addHook("onRequest", async (request) => {
    request.caller = openAccessCaller;
  });

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
    const statusCode = error.statusCode && error.statusCode < 600 ? error.statusCode : 500;
    if (statusCode >= 500) {
      request.log.error({ err: error, url: request.url }, "request failed");
      request.braidSpan?.recordException(error);
      return reply.code(statusCode).send({ statusCode, error: "Internal Server Error", message: "the request failed inside Braid; see the server log" });
    }
    return reply.code(statusCode).send({ statusCode, error: error.name, message: error.message });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ statusCode: 404, error: "Not Found", message: `no route ${request.method} ${request.url.split("?")[0]}` }),
  );

  await app.register(swagger, {
    openapi: { info: { title: "Braid API", version: "1" }, tags: [{ name: "incidents" }, { name: "traces" }, { name: "services" }, { name: "logs" }, { name: "errors" }, { name: "alerts" }, { name: "operations" }] },
    transform: jsonSchemaTransform,
  });
  app.get("/api/docs/openapi.json", { schema: { hide: true } }, async () => app.swagger());

  await app.register(async (scope) => healthRoutes(scope, { checks: options.health, registry: options.registry }));
  for (const routes of [traceRoutes, incidentRoutes, serviceRoutes, logRoutes, errorsRoutes, glossaryRoutes, alertRoutes, ruleRoutes, silenceRoutes]) {
    await app.register(async (scope) => routes(scope, options.deps));
  }
  for (const routes of options.extraRoutes ?? []) await app.register(async (scope) => routes(scope, options.deps));
  return app;
}
