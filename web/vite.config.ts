// Builds the on-call page (web/src) into web/dist, which the API serves under /ui/ (api/routes/web.ts).
// Preact's JSX is compiled by Vite's own transform (Oxc): no Babel preset needed.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: "/ui/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: path.join(here, "dist"),
    emptyOutDir: true,
    assetsDir: "assets",
    // The page runs under a CSP without 'unsafe-inline': no inlined scripts, no data: modules.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: true,
    target: "es2022",
    chunkSizeWarningLimit: 400,
  },
  server: {
    // `npx vite --config web/vite.config.ts` for development: API calls go to a running Braid.
    proxy: { "/api": process.env.BRAID_API_URL ?? "http://127.0.0.1:8080" },
  },
});
