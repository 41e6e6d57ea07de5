// The on-call commands against a real Braid (the process wiring of `braid serve`, API role, a chDB
// store holding an incident the correlator opened from shop traffic), each run as the real `braid`
// command in a child process; the printed output is checked, not only the exit code.
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBraid, type BraidProcess } from "../../runtime/app.js";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { runCorrelation, runDetection } from "../../correlator/index.js";
import { RuleCatalogLoader, runAlertTick } from "../../correlator/alerting/index.js";
import { AlertingSettings } from "../../schemas/alerting.js";
import { CorrelatorSettings } from "../../schemas/config.js";
import type { LogRow } from "../../schemas/rows.js";
import { runBraid } from "../support/cli.js";
import { isolatedConfig, requireServices, tempDir, uniqueSuffix } from "../support/env.js";
import { shopTraffic } from "../support/rows.js";

const storage = tempDir("cli-on-call");
const settings = CorrelatorSettings.parse({});
// Traffic over the last 16 minutes with a fault in its last 6: the commands' default ranges see it.
const start = Math.floor(Date.now() / 1000) - 16 * 60;
const faultStart = start + 600;
let braid: BraidProcess;
let url: string;
let failingTrace: string;
let incidentId: string;

function logRow(fields: Partial<LogRow>): LogRow {
  return {
    Timestamp: `${faultStart + 30}000000000`, TraceId: "", SpanId: "", TraceFlags: 0, SeverityText: "ERROR", SeverityNumber: 17, ServiceName: "payments", Body: "",
    ResourceSchemaUrl: "", ResourceAttributes: {}, ScopeSchemaUrl: "", ScopeName: "", ScopeVersion: "", ScopeAttributes: {}, LogAttributes: {}, EventName: "",
    LogFormat: "tracing-subscriber", ErrorCode: "", ErrorRetryable: false, ErrorFingerprint: "", ErrorMessage: "", SourceLanguage: "rust", Tenant: "default", IngestedAt: new Date().toISOString(),
    ...fields,
  };
}

// The API runs with keys, as in production; the bootstrap admin key creates the on-call key.
const bootstrapKey = "b0075712a9c0ffee".repeat(4);
let readKey = "";
const braidCli = (args: string[], env: NodeJS.ProcessEnv = {}) => runBraid(args, { env: { BRAID_URL: url, BRAID_API_KEY: readKey, ...env } });

beforeAll(async () => {
  await requireServices();
  const suffix = uniqueSuffix();
  const rulesDir = path.join(storage.dir, "rules");
  mkdirSync(rulesDir);
  writeFileSync(
    path.join(rulesDir, "shop.yaml"),
    `rules:\n  - name: payments-errors\n    kind: error_rate\n    target: { service: payments }\n    threshold: 0.05\n    window: 30s\n    for: 20s\n    severity: page\n    annotations:\n      summary: "payments errors {{ $value | humanizePercentage }}"\n`,
  );
  braid = await startBraid(isolatedConfig(suffix, path.join(storage.dir, "chdb"), { roles: ["api"], alerting: { rulesDir }, api: { auth: { mode: "keys", bootstrapKey } } }));
  url = braid.apiAddress!;
  const rows = shopTraffic({ startSecond: start, seconds: 780, requestsPerSecond: 3, fault: { node: "postgres", kind: "error", errorCode: "UNAVAILABLE.CONNECTION_REFUSED", fromSecond: 600, toSecond: 780 } });
  for (let i = 0; i < rows.length; i += 20_000) await braid.store.insert("otel_traces", rows.slice(i, i + 20_000));
  failingTrace = rows.find((row) => row.ServiceName === "payments" && row.StatusCode === "Error")!.TraceId;
  await braid.store.insert("otel_logs", [
    logRow({ TraceId: failingTrace, Body: "query failed: error connecting to server: Connection refused (os error 111)", ErrorCode: "UNAVAILABLE.CONNECTION_REFUSED", ErrorFingerprint: "aad698b841db200f" }),
    logRow({ ServiceName: "checkout", SeverityText: "INFO", SeverityNumber: 9, Body: "order placed", LogFormat: "zap", SourceLanguage: "go", Timestamp: `${faultStart + 31}000000000` }),
  ]);
  const alerting = AlertingSettings.parse({ ingestLagSeconds: 0 });
  const catalog = new RuleCatalogLoader(braid.store, rulesDir);
  for (let now = faultStart - 30; now < faultStart + 120; now += 10) {
    await runDetection(braid.store, settings, now * 1000);
    await runCorrelation(braid.store, settings, now * 1000);
    await runAlertTick(braid.store, alerting, (await catalog.load()).rules, now);
  }
});

afterAll(async () => {
  await braid?.stop();
  storage.cleanup();
});

describe("on-call commands against a real Braid", () => {
  it("braid keys: an admin creates the on-call key (shown once), lists it; a read key cannot manage keys", async () => {
    const admin = (args: string[]) => runBraid(args, { env: { BRAID_URL: url, BRAID_API_KEY: bootstrapKey } });
    const created = await admin(["keys", "create", "alice (on-call)", "--scopes", "read", "--tenant", "default"]);
    expect(created.code).toBe(0);
    const match = /^created key ([0-9a-f]{16}) "alice \(on-call\)" for tenant default with scopes read\n\n  (\S+)\n\nThis is the only time the key is shown/.exec(created.stdout);
    expect(match, created.stdout).not.toBeNull();
    readKey = match![2]!;
    const listed = await admin(["keys", "list"]);
    expect(listed.stdout).toMatch(new RegExp(`^${match![1]}\\s+alice \\(on-call\\)\\s+default\\s+read\\s+\\d+s ago\\s+never\\s+never\\s+active$`, "m"));
    const denied = await braidCli(["keys", "list"]);
    expect(denied.code).toBe(2);
    expect(denied.stderr).toMatch(/^braid: .* \(the key from BRAID_API_KEY lacks the scope this needs\)$/m);
    const anonymous = await runBraid(["incidents"], { env: { BRAID_URL: url } });
    expect(anonymous.code).toBe(2);
    expect(anonymous.stderr).toMatch(/the API wants a key: set BRAID_API_KEY/);
  }, 600_000);

  it("braid incidents: a table of incidents with status, title, services, top cause and codes", async () => {
    const run = await braidCli(["incidents"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+STARTED\s+TITLE\s+SERVICES\s+TOP CAUSE\s+CODES$/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^inc_[0-9a-f]{20}\s+open\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.000 \(\d+m ago\)\s+.+\s+postgres UNAVAILABLE\.CONNECTION_REFUSED\s+UNAVAILABLE\.\S+ ×\d+/);
    incidentId = /^(inc_[0-9a-f]{20})/.exec(lines[1]!)![1]!;
    const filtered = await braidCli(["incidents", "--status", "resolved"]);
    expect(filtered.stdout.trim()).toBe("no incidents in this range");
    const json = await braidCli(["incidents", "--service", "payments", "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ Total: 1, Incidents: [{ IncidentId: incidentId, Status: "open" }] });
  }, 600_000);

  it("braid incident ID: root causes with reasons, timeline, anomalies, exemplar trace and logs; 1 when not found", async () => {
    const run = await braidCli(["incident", incidentId]);
    expect(run.code).toBe(0);
    const out = run.stdout;
    expect(out).toMatch(new RegExp(`^Incident ${incidentId}  OPEN  .+$`, "m"));
    expect(out).toMatch(/^  error codes: .*UNAVAILABLE\.CONNECTION_REFUSED ×\d+/m);
    expect(out).toMatch(/^Root-cause candidates\n  1\. postgres \(database, score [\d.]+\)  UNAVAILABLE\.CONNECTION_REFUSED\n     .*calls from payments to it fail with UNAVAILABLE\.CONNECTION_REFUSED/m);
    expect(out).toMatch(/^Timeline\n  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d  opened /m);
    expect(out).toMatch(/^Anomalies\n  .*errors \d+\.\d% \(baseline \d+\.\d%\)/m);
    expect(out).toMatch(/^Exemplar trace: [0-9a-f]{32}  \(braid trace [0-9a-f]{32}\)$/m);
    expect(out).toMatch(/^Sample logs\n  .* payments ERROR UNAVAILABLE\.CONNECTION_REFUSED  query failed: error connecting to server: Connection refused \(os error 111\)$/m);
    const missing = await braidCli(["incident", "inc_00000000000000000000"]);
    expect([missing.code, missing.stderr.trim()]).toEqual([1, "braid: incident inc_00000000000000000000 was not found"]);
    const bad = await braidCli(["incident", "42"]);
    expect(bad.code).toBe(2);
  }, 600_000);

  it("braid trace ID: the span tree with services, codes, bars and durations", async () => {
    const run = await braidCli(["trace", failingTrace], { COLUMNS: "140" });
    expect(run.code).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines[0]).toMatch(new RegExp(`^Trace ${failingTrace}  [\\d.]+m?s, \\d+ spans, \\d+ with errors$`));
    expect(lines[1]).toMatch(/^  services: frontend \(go, \d+ errors\), .*payments \(rust, \d+ errors\)/);
    expect(lines[2]).toBe("  ● on the critical path");
    const tree = lines.filter((line) => /█/.test(line));
    expect(tree[0]).toMatch(/^● frontend \S.*█+.*\s+[\d.]+(ms|s|µs)$/);
    expect(tree.some((line) => /^(● |  )(│  |   )*[├└]─ payments .*\[UNAVAILABLE\.CONNECTION_REFUSED\]/.test(line)), tree.join("\n")).toBe(true);
    expect(tree.length).toBeGreaterThanOrEqual(4);
    expect(run.stdout).toMatch(/^Logs \(1\)\n  .* payments ERROR UNAVAILABLE\.CONNECTION_REFUSED  query failed/m);
    expect(run.stdout).toMatch(/^Critical path by service\n(  \S+\s+[\d.]+(ns|µs|ms|s)\s+\d+\.\d%\n)+/m);
    const missing = await braidCli(["trace", "0af7651916cd43dd8448eb211c80ffff"]);
    expect([missing.code, missing.stderr.trim()]).toEqual([1, "braid: trace 0af7651916cd43dd8448eb211c80ffff was not found"]);
  }, 600_000);

  it("braid logs: oldest first, filtered by service and severity; --follow prints records as they arrive", async () => {
    const run = await braidCli(["logs", "--severity", "error"]);
    expect(run.code).toBe(0);
    expect(run.stdout.trimEnd().split("\n")).toEqual([expect.stringMatching(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.000 payments ERROR UNAVAILABLE\\.CONNECTION_REFUSED query failed: error connecting to server: Connection refused \\(os error 111\\) trace=${failingTrace}$`))]);
    const checkout = await braidCli(["logs", "--service", "checkout"]);
    expect(checkout.stdout).toMatch(/^\S+ \S+ checkout INFO  order placed$/m);
    const following = braidCli(["logs", "--service", "inventory", "--follow", "--interval", "0.5", "--since", "5m"], { BRAID_CLI_FOLLOW_FOR_MS: "8000" });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const nowNs = `${Date.now()}000000`;
    await braid.store.insert("otel_logs", [logRow({ ServiceName: "inventory", SeverityText: "WARN", SeverityNumber: 13, Body: "stock low for sku-1", Timestamp: nowNs, LogFormat: "tracing-subscriber" })]);
    const followed = await following;
    expect(followed.code).toBe(0);
    expect(followed.stdout.trimEnd().split("\n")).toEqual([expect.stringMatching(/^\S+ \S+ inventory WARN  stock low for sku-1$/)]);
  }, 600_000);

  it("braid errors: counts per code and service with a sample message", async () => {
    const run = await braidCli(["errors", "--since", "30m"]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^CODE\s+SERVICE\s+LANG\s+COUNT\s+SPANS\/LOGS\s+RETRY\s+LAST SEEN\s+SAMPLE$/);
    expect(lines.some((line) => /^UNAVAILABLE\.CONNECTION_REFUSED\s+payments\s+rust\s+\d+\s+\d+\/1\s+no\s+\d+[sm] ago/.test(line))).toBe(true);
    expect(run.stderr).toMatch(/^errors from .* to .*, glossary \d+\.\d+\.\d+$/m);
  }, 600_000);

  it("braid glossary lookup: the code and why (matcher, pattern, language); UNKNOWN with the nearest codes", async () => {
    const go = await braidCli(["glossary", "lookup", "dial tcp 10.0.0.7:5432: connect: connection refused", "--lang", "go"]);
    expect(go.code).toBe(0);
    expect(go.stdout).toMatch(/^UNAVAILABLE\.CONNECTION_REFUSED  Connection refused  \(transient, retryable, severity error; glossary \d+\.\d+\.\d+\)$/m);
    expect(go.stdout).toMatch(/^  why:     a message pattern: connect: connection refused \(go patterns\)$/m);
    expect(go.stdout).toMatch(/^  fingerprint [0-9a-f]{16} of: dial tcp <addr>: connect: connection refused$/m);
    const rust = await braidCli(["glossary", "lookup", "Connection refused (os error 111)", "--lang", "rust", "--json"]);
    expect(JSON.parse(rust.stdout)).toMatchObject({ Code: "UNAVAILABLE.CONNECTION_REFUSED", MatchedBy: "message", Pattern: "connection refused (os error 111)", PatternLanguage: "rust" });
    const keyword = await braidCli(["glossary", "lookup", "request handler panicked"]);
    expect(keyword.stdout).toMatch(/^  why:     a keyword \(the last resort before UNKNOWN\): panicked$/m);
    const unknown = await braidCli(["glossary", "lookup", "ledger rejected entry 4412: insufficient funds"]);
    expect(unknown.stdout).toMatch(/^UNKNOWN  /m);
    expect(unknown.stdout).toMatch(/^  why:     no glossary pattern matches: Braid stores it as UNKNOWN with fingerprint [0-9a-f]{16}$/m);
    expect(unknown.stdout).toMatch(/^  nearest codes:\n    [A-Z_]+\.[A-Z_]+  .+  \(shares: [a-z, ]+; score [\d.]+\)$/m);
    const show = await braidCli(["glossary", "show", "NOT_FOUND.NO_ROWS"]);
    expect(show.stdout).toMatch(/^NOT_FOUND\.NO_ROWS  No rows$/m);
    expect((await braidCli(["glossary", "show", "NO.SUCH"])).code).toBe(1);
  }, 600_000);

  it("braid alerts: the firing alert with its value, services and incident", async () => {
    const run = await braidCli(["alerts"]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^STATE\s+RULE\s+SINCE\s+VALUE\s+SERVICES\s+SUMMARY\s+INCIDENTS$/);
    expect(lines[1]).toMatch(new RegExp(`^firing\\s+payments-errors\\s+\\d{4}-\\d\\d-\\d\\d \\S+ \\(\\d+m ago\\)\\s+(1|0\\.\\d+)\\s+payments\\s+payments errors \\d+(\\.\\d+)?%\\s+${incidentId}$`));
    expect(JSON.parse((await braidCli(["alerts", "--state", "pending", "--json"])).stdout)).toMatchObject({ Total: 0, Alerts: [] });
  }, 600_000);

  it("braid keys revoke: the key stops working at once", async () => {
    const admin = (args: string[]) => runBraid(args, { env: { BRAID_URL: url, BRAID_API_KEY: bootstrapKey } });
    const created = await admin(["keys", "create", "temporary", "--tenant", "default", "--json"]);
    const { KeyId, Key } = JSON.parse(created.stdout) as { KeyId: string; Key: string };
    expect((await runBraid(["incidents"], { env: { BRAID_URL: url, BRAID_API_KEY: Key } })).code).toBe(0);
    const revoked = await admin(["keys", "revoke", KeyId]);
    expect(revoked.stdout).toMatch(new RegExp(`^revoked key ${KeyId} "temporary" \\(tenant default\\) at \\d{4}-`));
    const after = await runBraid(["incidents"], { env: { BRAID_URL: url, BRAID_API_KEY: Key } });
    expect(after.code).toBe(2);
    expect(after.stderr).toMatch(/the key from BRAID_API_KEY was refused/);
    expect((await admin(["keys", "list", "--all"])).stdout).toMatch(new RegExp(`^${KeyId}\\s+temporary\\s+.*revoked \\d+s ago$`, "m"));
  }, 600_000);

  it("exits 2 with what to do when the API cannot be reached", async () => {
    const server = createServer();
    const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));
    await new Promise((resolve) => server.close(resolve));
    const run = await runBraid(["incidents", "--url", `http://127.0.0.1:${port}`]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(`braid: cannot reach the Braid API at http://127.0.0.1:${port} (connection refused); set --url or BRAID_URL (from --url)`);
  }, 600_000);
});
