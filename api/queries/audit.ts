// SQL behind the audit log: one row per write or admin request (api/auth/plugin.ts writes them).
import type { Store } from "../../store/index.js";
import { tenantCondition } from "../caller.js";

export interface AuditRecord {
  /** Unix milliseconds. */
  at: number;
  eventId: string;
  /** The tenant the action concerned (the caller's, or the object's for an operator). */
  tenant: string;
  keyId: string;
  keyName: string;
  /** e.g. `keys.create`, or `METHOD route` for a route that names no action. */
  action: string;
  method: string;
  route: string;
  path: string;
  statusCode: number;
  outcome: "allowed" | "denied" | "failed";
  clientAddress: string;
  userAgent: string;
  requestId: string;
  detail: Record<string, unknown>;
}

export async function writeAudit(store: Store, records: readonly AuditRecord[]): Promise<void> {
  if (records.length === 0) return;
  await store.insert(
    "braid_audit_log",
    records.map((r) => ({
      At: new Date(r.at).toISOString(),
      EventId: r.eventId,
      Tenant: r.tenant,
      KeyId: r.keyId,
      KeyName: r.keyName,
      Action: r.action,
      Method: r.method,
      Route: r.route,
      Path: r.path,
      StatusCode: r.statusCode,
      Outcome: r.outcome,
      ClientAddress: r.clientAddress,
      UserAgent: r.userAgent,
      RequestId: r.requestId,
      Detail: JSON.stringify(r.detail),
    })),
  );
}

export interface AuditFilter {
  tenant: string;
  fromMs: number;
  toMs: number;
  keyId?: string;
  action?: string;
  outcome?: string;
  limit: number;
  offset: number;
}

interface AuditRow {
  AtMs: string; EventId: string; Tenant: string; KeyId: string; KeyName: string; Action: string; Method: string; Route: string; Path: string;
  StatusCode: number; Outcome: AuditRecord["outcome"]; ClientAddress: string; UserAgent: string; RequestId: string; Detail: string;
}

export async function readAudit(store: Store, filter: AuditFilter): Promise<AuditRecord[]> {
  const rows = await store.query<AuditRow>(
    `SELECT toUnixTimestamp64Milli(At) AS AtMs, EventId, Tenant, KeyId, KeyName, Action, Method, Route, Path, StatusCode, Outcome, ClientAddress, UserAgent, RequestId, Detail
     FROM {{db}}.braid_audit_log
     WHERE ${tenantCondition()} AND At >= fromUnixTimestamp64Milli({fromMs:Int64}) AND At < fromUnixTimestamp64Milli({toMs:Int64})
       AND ({keyId:String} = '' OR KeyId = {keyId:String}) AND ({action:String} = '' OR Action = {action:String})
       AND ({outcome:String} = '' OR Outcome = {outcome:String})
     ORDER BY At DESC, EventId LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
    { tenant: filter.tenant, fromMs: filter.fromMs, toMs: filter.toMs, keyId: filter.keyId ?? "", action: filter.action ?? "", outcome: filter.outcome ?? "", limit: filter.limit, offset: filter.offset },
  );
  return rows.map((row) => ({
    at: Number(row.AtMs),
    eventId: row.EventId,
    tenant: row.Tenant,
    keyId: row.KeyId,
    keyName: row.KeyName,
    action: row.Action,
    method: row.Method,
    route: row.Route,
    path: row.Path,
    statusCode: Number(row.StatusCode),
    outcome: row.Outcome,
    clientAddress: row.ClientAddress,
    userAgent: row.UserAgent,
    requestId: row.RequestId,
    detail: JSON.parse(row.Detail || "{}") as Record<string, unknown>,
  }));
}
