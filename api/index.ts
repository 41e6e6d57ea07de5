export { buildApi, type ApiOptions } from "./server.js";
export type { ApiDeps } from "./deps.js";
export type { HealthCheck } from "./routes/health.js";
export { allTenants, apiScopes, canSeeTenant, hasScope, impliedScopes, openAccessCaller, tenantCondition, type ApiScope, type Caller } from "./caller.js";
export { startMetricsListener } from "./metrics-listener.js";
export { generateKey, hashKey } from "./auth/keys.js";
export type { RouteAccess } from "./auth/plugin.js";
