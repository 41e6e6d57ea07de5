export { buildApi, type ApiOptions } from "./server.js";
export type { ApiDeps } from "./deps.js";
export type { HealthCheck } from "./routes/health.js";
export { allTenants, apiScopes, openAccessCaller, tenantCondition, type ApiScope, type Caller } from "./caller.js";
