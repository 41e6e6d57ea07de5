// Two tenants in one store, failing at the same time: "acme" runs the shop as it is, with
// postgres refusing connections; "globex" runs the same shop with some services named
// differently (so a leak of one tenant's names into the other's answers is visible) and redis
// failing. Both use the SAME trace and span ids (shopTraffic is deterministic): producers choose
// ids, so nothing may join rows of two tenants on ids alone.
import { RuleCatalogLoader, runAlertTick } from "../../correlator/alerting/index.js";
import { runCorrelation, runDetection, type Incident } from "../../correlator/index.js";
import { AlertingSettings } from "../../schemas/alerting.js";
import { CorrelatorSettings } from "../../schemas/config.js";
import type { LogRow, TraceRow } from "../../schemas/rows.js";
import type { Store } from "../../store/index.js";
import { shopTraffic } from "./rows.js";

export const start = 1_800_000_000;
export const faultStart = start + 600;
/** A range covering all of the traffic, as API query parameters. */
export const wholeRange = `from=${start * 1000}&to=${(faultStart + 300) * 1000}`;

const globexNames: Record<string, string> = { frontend: "storefront", payments: "billing", postgres: "orders-db" };
export const tenantNodes = {
  acme: ["frontend", "checkout", "payments", "inventory", "postgres", "redis"],
  globex: ["storefront", "checkout", "billing", "inventory", "orders-db", "redis"],
};
/** Names only one tenant has: seeing them in the other tenant's answers is a leak. */
export const ownNames = {
  acme: tenantNodes.acme.filter((name) => !tenantNodes.globex.includes(name)),
  globex: tenantNodes.globex.filter((name) => !tenantNodes.acme.includes(name)),
};

const rename = (row: TraceRow): TraceRow => ({
  ...row,
  ServiceName: globexNames[row.ServiceName] ?? row.ServiceName,
  SpanAttributes: Object.fromEntries(Object.entries(row.SpanAttributes).map(([key, value]) => [key, key === "peer.service" ? (globexNames[value] ?? value) : value])),
});

export function logRow(fields: Partial<LogRow>): LogRow {
  return {
    Timestamp: `${faultStart + 30}000000000`, TraceId: "", SpanId: "", TraceFlags: 0, SeverityText: "ERROR", SeverityNumber: 17, ServiceName: "payments", Body: "",
    ResourceSchemaUrl: "", ResourceAttributes: {}, ScopeSchemaUrl: "", ScopeName: "", ScopeVersion: "", ScopeAttributes: {}, LogAttributes: {}, EventName: "",
    LogFormat: "tracing-subscriber", ErrorCode: "", ErrorRetryable: false, ErrorFingerprint: "", ErrorMessage: "", SourceLanguage: "rust", Tenant: "default", IngestedAt: "2026-01-01T00:00:00.000Z",
    ...fields,
  };
}

export interface TwoTenants {
  acmeRows: TraceRow[];
  globexRows: TraceRow[];
  /** Every incident version the correlator wrote. */
  versions: Incident[];
}

/** Alert rules evaluated for every tenant, on a service both tenants run (one alert per tenant). */
export const everyTenantRules = `rules:
  - name: checkout-errors
    kind: error_rate
    target: { service: checkout }
    threshold: 0.05
    window: 30s
  - name: checkout-availability
    kind: slo
    target: { service: checkout }
    objective: 99.5
    period: 1h
    burn_rates: [{ severity: page, long: 1m, short: 20s, factor: 2 }]
`;

/**
 * Fills `store` (migrated) with both tenants' spans and logs, then runs the correlator over the
 * fault, and the alert rules of `rulesDir` when given.
 */
export async function seedTwoTenants(store: Store, options: { rulesDir?: string } = {}): Promise<TwoTenants> {
  const acmeRows = shopTraffic({ startSecond: start, seconds: 900, requestsPerSecond: 3, tenant: "acme", fault: { node: "postgres", kind: "error", errorCode: "UNAVAILABLE.CONNECTION_REFUSED", fromSecond: 600, toSecond: 780 } });
  const globexRows = shopTraffic({ startSecond: start, seconds: 900, requestsPerSecond: 3, tenant: "globex", fault: { node: "redis", kind: "error", errorCode: "UNAVAILABLE.CONNECTION_RESET", fromSecond: 600, toSecond: 780 } }).map(rename);
  const rows = [...acmeRows, ...globexRows];
  for (let i = 0; i < rows.length; i += 20_000) await store.insert("otel_traces", rows.slice(i, i + 20_000));
  const acmeFailing = acmeRows.find((row) => row.ServiceName === "payments" && row.StatusCode === "Error")!;
  const globexFailing = globexRows.find((row) => row.ServiceName === "inventory" && row.StatusCode === "Error")!;
  await store.insert("otel_logs", [
    logRow({ Tenant: "acme", TraceId: acmeFailing.TraceId, Body: "acme: query failed: Connection refused (os error 111)", ErrorCode: "UNAVAILABLE.CONNECTION_REFUSED" }),
    logRow({ Tenant: "acme", ServiceName: "checkout", SeverityText: "info", SeverityNumber: 9, Body: "acme: order placed", LogFormat: "zap", SourceLanguage: "go" }),
    logRow({ Tenant: "globex", TraceId: globexFailing.TraceId, ServiceName: "inventory", Body: "globex: redis: connection reset by peer", ErrorCode: "UNAVAILABLE.CONNECTION_RESET" }),
    logRow({ Tenant: "globex", ServiceName: "billing", SeverityText: "info", SeverityNumber: 9, Body: "globex: invoice sent", LogFormat: "zap", SourceLanguage: "go" }),
  ]);
  const settings = CorrelatorSettings.parse({});
  const versions: Incident[] = [];
  const alerting = AlertingSettings.parse({ ingestLagSeconds: 0 });
  const catalog = options.rulesDir ? new RuleCatalogLoader(store, options.rulesDir) : undefined;
  for (let now = faultStart - 30; now < faultStart + 120; now += settings.tickSeconds) {
    await runDetection(store, settings, now * 1000);
    versions.push(...(await runCorrelation(store, settings, now * 1000)).incidents);
    if (catalog) await runAlertTick(store, alerting, (await catalog.load()).rules, now);
  }
  return { acmeRows, globexRows, versions };
}
