// Who is asking. Every request gets a Caller before its handler runs (today an open-access operator;
// the API-key plugin replaces it), and every query a route makes is scoped to the caller's tenant.
// Routes and queries written against this contract need no change when authentication lands.
export const apiScopes = ["read", "write", "admin"] as const;
export type ApiScope = (typeof apiScopes)[number];

/** The tenant of an operator key: all tenants. */
export const allTenants = "*";

export interface Caller {
  /** The API key's id, or "anonymous" while authentication is off. */
  keyId: string;
  name: string;
  /** One tenant, or `allTenants`. */
  tenant: string;
  scopes: readonly ApiScope[];
}

/** The caller while no API keys are configured: every tenant, every scope. */
export const openAccessCaller: Caller = Object.freeze({ keyId: "anonymous", name: "anonymous", tenant: allTenants, scopes: apiScopes });

declare module "fastify" {
  interface FastifyRequest {
    caller: Caller;
  }
  interface FastifyContextConfig {
    /** The scope a route requires (read when unset). */
    scope?: ApiScope;
  }
}

/**
 * SQL condition restricting `column` to the tenant bound as the {tenant:String} parameter; the
 * operator value '*' passes every tenant. Pass `tenant: caller.tenant` in the query's parameters.
 */
export function tenantCondition(column = "Tenant"): string {
  return `({tenant:String} = '${allTenants}' OR ${column} = {tenant:String})`;
}
