import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Fastify from "fastify";
import { afterAll, describe, expect, it } from "vitest";
import { pageContentSecurityPolicy, webRoutes } from "./web.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

async function appWith(files: Record<string, string>): Promise<{ app: ReturnType<typeof Fastify>; routes: { url: string; public: boolean }[]; dir: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "braid-web-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  const app = Fastify();
  const routes: { url: string; public: boolean }[] = [];
  app.addHook("onRoute", (route) => void routes.push({ url: route.url, public: Boolean((route.config as { public?: boolean } | undefined)?.public) }));
  await app.register(async (scope) => webRoutes(scope, { distDir: dir }));
  return { app, routes, dir };
}

describe("serving the web page", () => {
  it("answers every view's URL with the page, under a strict CSP and revalidated on each load", async () => {
    const { app, routes } = await appWith({ "index.html": "<!doctype html><title>Braid</title>", "assets/index-abc123.js": "console.log(1)" });
    for (const url of ["/ui/", "/ui/incidents", "/ui/incidents/inc_0123456789abcdef0123", "/ui/traces/0af7651916cd43dd8448eb211c80319c?span=b7ad6b7169203331"]) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(200);
      expect(response.body).toContain("<title>Braid</title>");
      expect(response.headers["content-security-policy"]).toBe(pageContentSecurityPolicy);
      expect(response.headers["cache-control"]).toBe("no-cache");
    }
    expect(pageContentSecurityPolicy).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    // The page loads without an API key; it asks for one when the API answers 401.
    expect([...new Set(routes.map((r) => r.url))].sort()).toEqual(["/", "/ui", "/ui/", "/ui/*", "/ui/assets/*"]);
    expect(routes.every((r) => r.public)).toBe(true);
  });

  it("serves hashed assets for a year, 404 for a missing one, and sends / to the page", async () => {
    const { app } = await appWith({ "index.html": "<!doctype html>", "assets/index-abc123.js": "console.log(1)" });
    const asset = await app.inject({ url: "/ui/assets/index-abc123.js" });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers["content-type"]).toMatch(/javascript/);
    expect(asset.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect((await app.inject({ url: "/ui/assets/index-missing.js" })).statusCode).toBe(404);
    expect((await app.inject({ url: "/ui/assets/../../index.html" })).statusCode).not.toBe(200);
    const root = await app.inject({ url: "/" });
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe("/ui/");
  });

  it("says how to build the page when it is not built, and serves it once it is, without a restart", async () => {
    const { app, dir } = await appWith({});
    const response = await app.inject({ url: "/ui/incidents" });
    expect(response.statusCode).toBe(503);
    expect(response.body).toContain("scripts/build-web.sh");
    writeFileSync(path.join(dir, "index.html"), "<!doctype html><title>rebuilt</title>");
    expect((await app.inject({ url: "/ui/incidents" })).body).toContain("rebuilt");
  });
});
