// Who is asking. Every request gets a Caller before its handler runs (from its API key, see
// api/auth/), and every query a route makes is scoped to the caller's tenant. Routes and queries
// are written against this contract only.
export const apiScopes = ["read", "write", "admin"] as const;
export type ApiScope = (typeof apiScopes)[number];

/** The tenant of an operator key: all tenants. */
export const allTenants = "*";

export interface Caller {
  /** The API key's id; "bootstrap" for the configured bootstrap key, "anonymous" while authentication is off. */
  keyId: string;
  name: string;
  /** One tenant, or `allTenants`. */
  tenant: string;
  /** Granted scopes, implied ones included (admin implies write, write implies read). */
  scopes: readonly ApiScope[];
}

/** The caller while authentication is off (`BRAID_API_AUTH=off`): every tenant, every scope. */
export const openAccessCaller: Caller = Object.freeze({ keyId: "anonymous", name: "anonymous", tenant: allTenants, scopes: apiScopes });

/** Scopes a granted scope implies: admin ⊃ write ⊃ read. */
export function impliedScopes(granted: readonly ApiScope[]): ApiScope[] {
  const rank = Math.max(...granted.map((scope) => apiScopes.indexOf(scope)));
  return apiScopes.filter((_, i) => i <= rank);
}

export function hasScope(caller: Caller, scope: ApiScope): boolean {
  return caller.scopes.includes(scope);
}

/** True when the caller may see `tenant`'s objects. */
export function canSeeTenant(caller: Caller, tenant: string): boolean {
  return caller.tenant === allTenants || caller.tenant === tenant;
}

declare module "fastify" {
  interface FastifyRequest {
    caller: Caller;
    /** What a write or admin route did, for its audit record (object ids, names; never secrets). */
    auditDetail?: Record<string, unknown>;
  }
  interface FastifyContextConfig {
    /** The scope a route requires (read when unset). */
    scope?: ApiScope;
    /** Open to anyone, without a key (/healthz, the OpenAPI document, the web page's static files). */
    public?: boolean;
    /** Only for keys of tenant `*` (data of every tenant, e.g. process metrics). */
    operatorOnly?: boolean;
  }
}

/**
 * SQL condition restricting `column` to the tenant bound as the {tenant:String} parameter; the
 * operator value '*' passes every tenant. Pass `tenant: caller.tenant` in the query's parameters.
 */
export function tenantCondition(column = "Tenant"): string {
  return `({tenant:String} = '${allTenants}' OR ${column} = {tenant:String})`;
}
