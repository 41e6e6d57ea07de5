// A change event (schemas/changes.ts) as a braid_changes row.
import { changeIdOf, changeTimeMs, type ChangeEvent } from "../schemas/changes.js";
import type { ChangeRow } from "../schemas/rows.js";

export function normalizeChange(event: ChangeEvent, ctx: { tenant: string; ingestedAt: string }): ChangeRow {
  return {
    ChangeId: changeIdOf(event, ctx.tenant),
    At: (BigInt(changeTimeMs(event)) * 1_000_000n).toString(),
    Service: event.service,
    Kind: event.kind,
    Version: event.version ?? "",
    PreviousVersion: event.previous_version ?? "",
    Description: event.description,
    Author: event.author ?? "",
    Source: event.source ?? "",
    Url: event.url ?? "",
    Attributes: event.attributes,
    Tenant: ctx.tenant,
    IngestedAt: ctx.ingestedAt,
  };
}
