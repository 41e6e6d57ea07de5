// The on-call page in a real browser (Debian's Chromium driven by playwright-core) against a
// Braid holding a real scenario run: the Go and Rust shop with a panic in payments, through
// Kafka, ingest and the correlator (so the incident is Braid's own output), plus a 2,000-span
// trace sent through the same ingest. Every page loads; the incident list → incident → exemplar
// trace → critical path flow works by clicking; a log search finds a line and its trace link
// opens the trace; no page logs a console error. Screenshots go to test-artifacts/web/; render
// times are printed (measured, never asserted: the machines are noisy).
/// <reference lib="dom" />
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireServices, tempDir } from "../support/env.js";
import { startWebStore, type WebStore } from "../support/web-store.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const artifacts = path.join(repoRoot, "test-artifacts/web");
const chromiumPath = process.env.BRAID_CHROMIUM ?? "/usr/bin/chromium";
// As root, without a sandbox; no background networking (this machine's network is closed).
const chromiumArgs = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

const storage = tempDir("web-page");
let store: WebStore;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const consoleErrors: string[] = [];
const timings: Record<string, number> = {};

beforeAll(async () => {
  await requireServices();
  if (!existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath}: 'BRAID_WITH_TEST_TOOLS=1 bash scripts/setup.sh' installs Debian's chromium (scripts/test.sh does)`);
  execFileSync("bash", [path.join(repoRoot, "scripts/build-web.sh")], { cwd: repoRoot, stdio: "inherit" });
  mkdirSync(artifacts, { recursive: true });
  store = await startWebStore({ scenarioFile: path.join(repoRoot, "test/e2e/scenarios/e2e-payments-panic.yaml"), dir: storage.dir, log: () => {} });
  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
  context = await browser.newContext({ viewport: { width: 1440, height: 960 }, colorScheme: "dark" });
  page = await context.newPage();
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(`${page.url()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => consoleErrors.push(`${page.url()}: ${error.message}`));
});

afterAll(async () => {
  await browser?.close();
  await store?.braid.stop();
  storage.cleanup();
  if (Object.keys(timings).length > 0) writeFileSync(path.join(artifacts, "render-times.json"), `${JSON.stringify(timings, null, 2)}\n`);
});

const ui = (pathAndQuery: string) => `${store.apiAddress}/ui${pathAndQuery}`;
const shot = (name: string) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });

/** Milliseconds from navigation start until the view marked itself ready (braid:<view>-ready). */
async function readyAfterNavigation(view: string): Promise<number> {
  await page.waitForFunction((name) => performance.getEntriesByName(`braid:${name}-ready`).length > 0, view);
  return page.evaluate((name) => Math.round(performance.getEntriesByName(`braid:${name}-ready`)[0]!.startTime), view);
}

function report(what: string, ms: number) {
  timings[what] = ms;
  console.log(`[web] ${what}: ${ms} ms`);
}

describe("the on-call web page", () => {
  it("serves the page from the API role under a strict same-origin CSP, and asks for an API key, kept in the tab's session", async () => {
    const authorizations: (string | undefined)[] = [];
    page.on("request", (request) => {
      if (new URL(request.url()).pathname.startsWith("/api/v1/")) authorizations.push(request.headers().authorization);
    });
    const response = await page.goto(ui("/incidents"));
    expect(response?.status()).toBe(200);
    const csp = response!.headers()["content-security-policy"] ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain("unsafe-inline");

    // Braid runs with API keys: the API answers 401, the page asks for a key.
    const prompt = page.getByRole("dialog", { name: "API key required" });
    await prompt.waitFor();
    await shot("key-prompt");
    await prompt.getByLabel("API key").fill(store.readKey);
    await prompt.getByRole("button", { name: "Use key" }).click();
    await prompt.waitFor({ state: "detached" });
    await page.locator("tr.incident-row").first().waitFor();
    // The 401s before the key was given are the only console errors so far.
    expect(consoleErrors.every((error) => error.includes("status of 401"))).toBe(true);
    consoleErrors.length = 0;
    expect(authorizations.at(-1)).toBe(`Bearer ${store.readKey}`);
    expect(await page.evaluate(() => ({ session: sessionStorage.getItem("braid.apiKey"), local: localStorage.length, url: location.href }))).toEqual({
      session: store.readKey,
      local: 0,
      url: ui("/incidents"),
    });

    // Nothing the page loads comes from another origin.
    const origins = await page.evaluate(() => [...new Set(performance.getEntriesByType("resource").map((entry) => new URL(entry.name).origin))]);
    expect(origins).toEqual([new URL(store.apiAddress).origin]);
  });

  it("lists the incident, and opens it on a click: ranked causes with payments first, reasons, evidence and the glossary entry", async () => {
    const incident = store.score.incident!;
    expect(incident).toBeDefined();
    await page.goto(ui("/incidents"));
    const row = page.locator(`tr[data-incident="${incident.incidentId}"]`);
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain(incident.title);
    await expect(row.textContent()).resolves.toContain("INTERNAL.PANIC");
    await shot("incidents");

    const clicked = await page.evaluate(() => performance.now());
    await row.locator("a.incident-title").click();
    await page.locator("#root-causes .root-cause").first().waitFor();
    const causesShown = await page.evaluate(() => performance.now());
    await page.waitForFunction(() => {
      const figures = [...document.querySelectorAll("#anomalies figure.anomaly")];
      return figures.length > 0 && figures.every((figure) => figure.querySelector("canvas"));
    });
    const chartsDrawn = await page.evaluate(() => performance.now());
    report("incident page, click → ranked causes on screen", Math.round(causesShown - clicked));
    report("incident page, click → every anomaly chart drawn", Math.round(chartsDrawn - clicked));

    expect(page.url()).toBe(ui(`/incidents/${incident.incidentId}`));
    const first = page.locator("#root-causes .root-cause").first();
    expect(await first.getAttribute("data-node")).toBe("payments");
    await expect(first.locator(".code-badge").textContent()).resolves.toBe("INTERNAL.PANIC");
    await expect(first.locator(".reason").textContent()).resolves.toMatch(/INTERNAL\.PANIC/);
    expect(await page.locator("#root-causes .root-cause").count()).toBe(incident.rootCauses.length);
    await expect(page.locator('#glossary-entries [data-code="INTERNAL.PANIC"]').textContent()).resolves.toContain("Remedy");
    // The involved part of the service map, the root cause marked.
    await page.locator('#involved-map [data-node="payments"].node-marked').waitFor();
    expect(await page.locator("#anomalies figure.anomaly").count()).toBeGreaterThan(0);
    await shot("incident");
    await page.evaluate(() => scrollTo(0, 0));
    await page.screenshot({ path: path.join(artifacts, "incident-top.png") });
  });

  it("opens an exemplar trace on a click: the waterfall across Go and Rust with the critical path marked, and a span's details", async () => {
    // The exemplar traces are the top candidate's failing calls first, then its slowest: take one
    // where payments panicked (asked of the API, then clicked on the page).
    const exemplars = await page.locator("a.exemplar-trace").allTextContents();
    let traceId = exemplars[0]!.trim();
    for (const candidate of exemplars.map((id) => id.trim())) {
      const response = await fetch(`${store.apiAddress}/api/v1/traces/${candidate}`, { headers: { authorization: `Bearer ${store.readKey}` } });
      const spans = ((await response.json()) as { Spans: { ServiceName: string; StatusCode: string }[] }).Spans;
      if (spans.some((span) => span.ServiceName === "payments" && span.StatusCode === "Error")) {
        traceId = candidate;
        break;
      }
    }
    await page.locator(`a.exemplar-trace[href="/ui/traces/${traceId}"]`).click();
    await page.locator(".wf-span").first().waitFor();
    expect(page.url()).toBe(ui(`/traces/${traceId}`));
    expect(await page.locator(".wf-span.on-critical-path").count()).toBeGreaterThan(0);
    expect(await page.locator(".wf-critical").count()).toBeGreaterThan(0);
    const languages = await page.locator(".page-head .lang").allTextContents();
    expect(languages).toEqual(expect.arrayContaining(["go", "rust"]));
    expect(await page.locator("#attribution tbody tr").count()).toBeGreaterThan(1);

    // The failing payments span: its glossary code, attributes and the panic's stack trace.
    const failing = page.locator(".wf-span.failed", { hasText: "payments" }).first();
    await failing.click();
    const drawer = page.locator(".span-drawer");
    await drawer.waitFor();
    await expect(drawer.textContent()).resolves.toContain("INTERNAL.PANIC");
    expect(page.url()).toContain("span=");
    const stack = drawer.locator("details.stacktrace");
    if ((await stack.count()) > 0) {
      await stack.first().locator("summary").click();
      await expect(stack.first().locator("pre").isVisible()).resolves.toBe(true);
    }
    await shot("trace");
    await drawer.getByRole("button", { name: "Close the span's details" }).click();
    await drawer.waitFor({ state: "detached" });
  });

  it("renders a 2,000-span trace, with the clock skew between services adjusted and its budgets checked", async () => {
    await page.goto(ui(`/traces/${store.large.traceId}`));
    const total = await readyAfterNavigation("trace");
    const apiMs = await page.evaluate((id) => {
      const entry = performance.getEntriesByType("resource").find((e) => e.name.includes(`/api/v1/traces/${id}`)) as PerformanceResourceTiming | undefined;
      return entry ? { fetched: Math.round(entry.responseEnd), request: Math.round(entry.responseEnd - entry.startTime) } : undefined;
    }, store.large.traceId);
    report("2,000-span trace, navigation → waterfall on screen", total);
    if (apiMs) {
      report("2,000-span trace, API response (2,000 spans)", apiMs.request);
      report("2,000-span trace, response → waterfall on screen (rendering)", total - apiMs.fetched);
    }
    expect(await page.locator(".waterfall").getAttribute("aria-rowcount")).toBe("2000");
    await expect(page.locator(".page-head").textContent()).resolves.toContain("2000 spans");
    await expect(page.locator(".page-head").textContent()).resolves.toMatch(/clock skew adjusted on \d+ spans/);
    await expect(page.locator("#attribution").textContent()).resolves.toMatch(/POST \/orders: p99 < 40 ms; this request .* — (over budget|within)/);

    // Only the critical path, then back to all spans.
    await page.getByLabel("critical path only").check();
    const criticalRows = Number(await page.locator(".waterfall").getAttribute("aria-rowcount"));
    expect(criticalRows).toBeGreaterThan(1);
    expect(criticalRows).toBeLessThan(2000);
    expect(page.url()).toContain("critical=1");
    await shot("trace-2000-critical-path");
    await page.getByLabel("critical path only").uncheck();

    // A panicking payments span far down the trace: scroll to it through its shared URL.
    const panicking = await page.evaluate(async (id) => {
      const headers = { authorization: `Bearer ${sessionStorage.getItem("braid.apiKey")}` };
      const trace = (await (await fetch(`/api/v1/traces/${id}`, { headers })).json()) as { Spans: { SpanId: string; ServiceName: string; StatusCode: string }[] };
      return trace.Spans.find((span: { ServiceName: string; StatusCode: string }) => span.ServiceName === "payments" && span.StatusCode === "Error")!.SpanId;
    }, store.large.traceId);
    await page.goto(ui(`/traces/${store.large.traceId}?span=${panicking}`));
    const drawer = page.locator(".span-drawer");
    await drawer.waitFor();
    await drawer.locator("details.stacktrace summary").click();
    await expect(drawer.locator("details.stacktrace pre").textContent()).resolves.toContain("payments::charge::authorize");
    await page.locator(`.wf-span[data-span="${panicking}"]`).waitFor();
    await shot("trace-2000");
  });

  it("finds a log line by text and opens its trace from the trace link", async () => {
    await page.goto(ui("/logs?range=1h"));
    await page.getByLabel("Text").fill("panicked");
    await page.getByLabel("Severity at least").selectOption("error");
    await page.getByRole("button", { name: "Search" }).click();
    await page.waitForURL(/q=panicked/);
    const row = page.locator(".log-row", { hasText: "panicked", has: page.locator("a.trace-link") }).first();
    await row.waitFor();
    await expect(row.locator(".severity").textContent()).resolves.toMatch(/error/i);
    await shot("logs");
    await row.locator("a.trace-link").click();
    await page.locator(".wf-span").first().waitFor();
    expect(page.url()).toMatch(/\/ui\/traces\/[0-9a-f]{32}/);
    await page.locator(".span-drawer").waitFor();
  });

  it("shows the service map with databases, edges and anomaly colours, and a service's RED charts, operations, errors and incidents", async () => {
    await page.goto(ui("/services?range=1h"));
    await page.locator(".service-graph .node").first().waitFor();
    const nodes = await page.locator(".service-graph .node").evaluateAll((elements) => elements.map((e) => e.getAttribute("data-node")));
    expect(nodes).toEqual(expect.arrayContaining(["frontend", "checkout", "payments", "inventory"]));
    expect(await page.locator(".service-graph .node-database").count()).toBeGreaterThan(0);
    expect(await page.locator(".service-graph .edge").count()).toBeGreaterThan(2);
    await shot("service-map");

    await page.locator('.service-graph [data-node="payments"]').click();
    await page.waitForURL(/\/ui\/services\/payments/);
    await page.locator(".operations-table tbody tr").first().waitFor();
    await page.waitForFunction(() => document.querySelectorAll(".chart canvas").length >= 3);
    await expect(page.locator(".operations-table").textContent()).resolves.toContain("POST /charge");
    await page.getByText("INTERNAL.PANIC").first().waitFor();
    await page.locator(".page .status").first().waitFor();
    await shot("service");
  });

  it("counts errors by code, service and language, and lists UNKNOWN fingerprints", async () => {
    await page.goto(ui("/errors?range=1h"));
    await page.locator(".error-groups tbody tr").first().waitFor();
    await expect(page.locator(".page").textContent()).resolves.toContain("INTERNAL.PANIC");
    await page.locator("#unknown").waitFor();
    await shot("errors");
  });

  it("browses the glossary, one URL per code", async () => {
    await page.goto(ui("/glossary"));
    await page.locator(".glossary-table tbody tr").nth(10).waitFor();
    await page.goto(ui("/glossary/INTERNAL.PANIC"));
    await page.locator('.glossary-table tr[data-code="INTERNAL.PANIC"]').waitFor();
    expect(await page.locator(".glossary-table tbody tr").count()).toBe(1);
    await shot("glossary");
  });

  it("shows the alert that fired on payments, linked to the incident, its rule, and a silence", async () => {
    const incidentId = store.score.incident!.incidentId;
    // A silence through the public API, as an operator would create one.
    const created = await fetch(`${store.apiAddress}/api/v1/silences`, {
      method: "POST",
      headers: { authorization: `Bearer ${store.adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ matchers: [{ name: "alertname", value: "payments-errors" }], endsAt: new Date(Date.now() + 3_600_000).toISOString(), createdBy: "web-test", comment: "deploy of the fix in progress" }),
    });
    expect(created.status).toBe(201);
    await page.goto(ui("/alerts"));
    const alert = page.locator("#alerts tr.alert-firing, #alerts tr.alert-resolved", { hasText: "payments-errors" }).first();
    await alert.waitFor();
    await expect(alert.locator(".status").textContent()).resolves.toMatch(/firing|resolved/);
    await page.locator("#rules", { hasText: "payments-errors" }).waitFor();
    await page.locator("#silences", { hasText: "deploy of the fix in progress" }).waitFor();
    await shot("alerts");
    // The alert fired on payments while the incident was open: each links to the other.
    await alert.locator(`a[href="/ui/incidents/${incidentId}"]`).click();
    await page.locator("#incident-alerts", { hasText: "payments-errors" }).waitFor();
  });

  it("filters incidents by code in a shareable URL", async () => {
    await page.goto(ui("/incidents?range=24h&code=INTERNAL.PANIC"));
    await page.locator("tr.incident-row").first().waitFor();
    await page.goto(ui("/incidents?range=24h&code=NOT_FOUND.NO_ROWS"));
    await page.locator(".empty").waitFor();
  });

  it("logged no console error on any page", () => {
    expect(consoleErrors).toEqual([]);
  });
});
