// GET /api/v1/glossary: the shared error glossary with its version (the same document as
// schemas/glossary/generated/glossary.json), for dashboards and services that map codes.
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { bundledGlossary } from "../../schemas/glossary/bundled.js";
import { ErrorClass, GlossaryEntry } from "../../schemas/glossary/schema.js";
import type { ApiDeps } from "../deps.js";
import { ErrorBody } from "../schemas.js";

const GlossaryQuery = z.object({
  class: ErrorClass.optional().describe("Only entries of this class"),
  retryable: z.enum(["true", "false"]).optional().describe("Only retryable (true) or non-retryable (false) entries"),
});

const GlossaryResponse = z.object({ version: z.string(), entries: z.array(GlossaryEntry) });

export async function glossaryRoutes(app: FastifyInstance, _deps: ApiDeps): Promise<void> {
  const glossary = bundledGlossary();
  app.withTypeProvider<ZodTypeProvider>().get(
    "/api/v1/glossary",
    {
      schema: {
        summary: "The shared error glossary: codes, meaning, retryable, class, severity, remedy and matchers, with its version",
        tags: ["errors"],
        querystring: GlossaryQuery,
        response: { 200: GlossaryResponse, 400: ErrorBody },
      },
    },
    async (request) => {
      const { class: errorClass, retryable } = request.query;
      const entries = glossary.entries.filter((entry) => (!errorClass || entry.class === errorClass) && (retryable === undefined || String(entry.retryable) === retryable));
      return { version: glossary.version, entries };
    },
  );
}
