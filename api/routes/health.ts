import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { Registry } from "prom-client";
import { z } from "zod";

/** A dependency /healthz checks: resolves when reachable, throws with the reason when not. */
export interface HealthCheck {
  name: string;
  check(): Promise<void>;
}

const HealthResponse = z.object({
  status: z.enum(["ok", "degraded"]),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), latencyMs: z.number(), error: z.string().optional() })),
});

const checkTimeoutMs = 3000;

async function runCheck(check: HealthCheck) {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check.check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${checkTimeoutMs} ms`)), checkTimeoutMs);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export async function healthRoutes(app: FastifyInstance, options: { checks: HealthCheck[]; registry: Registry }): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get(
    "/healthz",
    {
      config: { public: true },
      schema: { summary: "Reachability of Kafka, Redis and the store; 503 when any is down (open: no key needed)", tags: ["operations"], response: { 200: HealthResponse, 503: HealthResponse } },
    },
    async (_request, reply) => {
      const results = await Promise.all(options.checks.map(async (check) => [check.name, await runCheck(check)] as const));
      const healthy = results.every(([, result]) => result.ok);
      return reply.code(healthy ? 200 : 503).send({ status: healthy ? "ok" : "degraded", checks: Object.fromEntries(results) });
    },
  );
  // Process-wide figures of every tenant: an operator key, or the separate listener (api.metricsPort).
  app.get("/metrics", { schema: { hide: true }, config: { scope: "read", operatorOnly: true } }, async (_request, reply) => {
    reply.header("content-type", options.registry.contentType);
    return options.registry.metrics();
  });
}
