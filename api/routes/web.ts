// The on-call web page, served by the API role itself from the files set-up builds out of web/
// (scripts/build-web.sh → web/dist). Hashed assets are cached for a year; every other path
// under /ui/ is a view of the single-page app and gets index.html, so a shared URL opens the
// view it names. The page calls only the public API, same origin, and runs under a strict CSP.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Served without an API key (the page's files: the page asks for a key when the API wants one). */
    public?: boolean;
  }
}

/** Where scripts/build-web.sh writes the page (Vite's output). */
export const webDistDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../web/dist");

/** Same origin only, no inline script or style, nothing from another host (the page works offline). */
export const pageContentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export async function webRoutes(app: FastifyInstance, options: { distDir?: string } = {}): Promise<void> {
  const distDir = options.distDir ?? webDistDir;
  const indexFile = path.join(distDir, "index.html");
  const page = { schema: { hide: true }, config: { public: true } };
  app.get("/", page, async (_request, reply) => reply.redirect("/ui/"));
  app.get("/ui", page, async (_request, reply) => reply.redirect("/ui/"));

  // Read on every load (a small file): after a rebuild, the next load gets the new page and the
  // asset names it refers to, without restarting Braid.
  const sendPage = async (_request: unknown, reply: FastifyReply) => {
    let indexHtml: Buffer;
    try {
      indexHtml = await readFile(indexFile);
    } catch {
      return reply
        .code(503)
        .type("text/plain; charset=utf-8")
        .send(`The web page is not built (no ${path.relative(process.cwd(), indexFile) || indexFile}). Run 'bash scripts/build-web.sh' (scripts/setup.sh does it).\n`);
    }
    return reply.header("cache-control", "no-cache").header("content-security-policy", pageContentSecurityPolicy).header("x-content-type-options", "nosniff").type("text/html; charset=utf-8").send(indexHtml);
  };

  // reply.sendFile only (serve: false), so the asset route is declared here, public like the page.
  await app.register(fastifyStatic, { root: path.join(distDir, "assets"), serve: false });
  app.get("/ui/assets/*", page, async (request: FastifyRequest<{ Params: { "*": string } }>, reply) =>
    // File names carry a content hash: a new build is a new name. send refuses paths outside the root.
    reply.sendFile(request.params["*"], { immutable: true, maxAge: "365d" }),
  );
  app.get("/ui/", page, sendPage);
  app.get("/ui/*", page, sendPage);
}
