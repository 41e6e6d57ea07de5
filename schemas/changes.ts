// Change events: what CI/CD pipelines, deploy tools, configuration and feature-flag systems
// announce — a deploy, a config change, a flag flip — on the changes topic (JSON, one event per
// message) or through POST /api/v1/changes. Ingest stores them in braid_changes; the correlator
// shows the ones shortly before an incident's onset on its timeline and counts them toward the
// changed service. Exported as JSON Schema (schemas/json/change-event.schema.json) for pipelines.
import { createHash } from "node:crypto";
import { z } from "zod";

export const changeKinds = ["deploy", "config", "feature_flag", "infrastructure", "other"] as const;

export const ChangeEvent = z.strictObject({
  id: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe("a stable id (the pipeline run, the flag change): the same event sent twice is stored once; derived from the other fields when absent"),
  time: z
    .union([z.iso.datetime({ offset: true }), z.number().int().positive()])
    .describe("when the change took effect: ISO-8601 (with Z or an offset) or Unix milliseconds"),
  service: z.string().min(1).max(256).describe("the service.name the change applies to"),
  kind: z.enum(changeKinds),
  version: z.string().min(1).max(128).optional().describe("the version deployed"),
  previous_version: z.string().min(1).max(128).optional(),
  description: z.string().max(2000).default("").describe("what changed, in a line: a commit title, the flag and its new value"),
  author: z.string().max(256).optional(),
  source: z.string().max(256).optional().describe("what announced it: github-actions, argo-cd, launchdarkly, …"),
  url: z.url().max(2000).optional().describe("where to read more: the pipeline run, the pull request"),
  attributes: z.record(z.string().max(256), z.string().max(2000)).default({}),
});
export type ChangeEvent = z.infer<typeof ChangeEvent>;
export type ChangeEventInput = z.input<typeof ChangeEvent>;

/** The event's time in Unix milliseconds. */
export const changeTimeMs = (event: ChangeEvent) => (typeof event.time === "number" ? event.time : Date.parse(event.time));

/** The stored id: the event's own, or a hash of what identifies it. */
export function changeIdOf(event: ChangeEvent, tenant: string): string {
  if (event.id) return event.id;
  const key = [tenant, event.service, event.kind, String(changeTimeMs(event)), event.version ?? "", event.description].join("\u0000");
  return `chg_${createHash("sha1").update(key).digest("hex").slice(0, 20)}`;
}

/** Validates a change event; the error says which field is wrong. */
export function parseChangeEvent(data: unknown): ChangeEvent {
  const result = ChangeEvent.safeParse(data);
  if (result.success) return result.data;
  throw new Error(result.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`).join("; "));
}
