// Changes as evidence. Most incidents follow a change: a deploy, a configuration or feature-flag
// change. Two sources: a resource attribute (service.version, or a configured one such as a
// deployment id) taking a new value in a node's spans — visible without anyone announcing it —
// and change events announced on Kafka or through the API (schemas/changes.ts). A change counts
// when it happened within the look-back before the incident's onset (or just after it).
// Pure: sightings and events in, changes out.
import { createHash } from "node:crypto";
import type { ChangeEvidence } from "./types.js";

/** One value of a resource attribute in one service's spans over a time range. */
export interface AttributeSighting {
  service: string;
  attribute: string;
  value: string;
  firstSeen: number;
  lastSeen: number;
  spans: number;
}

const changeId = (parts: string[]) => `chg_${createHash("sha1").update(parts.join("\u0000")).digest("hex").slice(0, 20)}`;

/**
 * New values of a resource attribute: a value first seen after `from` (not there when the look-back
 * began) in a service that reported another value before it. A rolling deploy shows both values
 * for a while; the change is when the new one appeared.
 */
export function attributeChanges(sightings: readonly AttributeSighting[], from: number): ChangeEvidence[] {
  const groups = new Map<string, AttributeSighting[]>();
  for (const s of sightings) {
    const key = `${s.service}\u0000${s.attribute}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const changes: ChangeEvidence[] = [];
  for (const list of groups.values()) {
    const sorted = [...list].sort((a, b) => a.firstSeen - b.firstSeen || a.value.localeCompare(b.value));
    for (let i = 1; i < sorted.length; i++) {
      const next = sorted[i]!;
      if (next.firstSeen <= from) continue;
      // What it replaced: the value most seen among those that came before it.
      const previous = sorted.slice(0, i).sort((a, b) => b.spans - a.spans || b.lastSeen - a.lastSeen)[0]!;
      const label = next.attribute === "service.version" ? "" : `${next.attribute} `;
      changes.push({
        changeId: changeId([next.service, next.attribute, next.value, String(next.firstSeen)]),
        node: next.service,
        at: next.firstSeen,
        kind: "version",
        what: `${label}went from ${previous.value} to ${next.value}`,
        detail: { attribute: next.attribute, from: previous.value, to: next.value },
      });
    }
  }
  return changes.sort((a, b) => a.at - b.at || a.node.localeCompare(b.node));
}

/** Changes close enough to an onset to be evidence: within `lookBackSeconds` before it, or up to `afterSeconds` after. */
export function changesNear(changes: readonly ChangeEvidence[], onset: number, lookBackSeconds: number, afterSeconds = 30): ChangeEvidence[] {
  return changes.filter((c) => c.at >= onset - lookBackSeconds && c.at <= onset + afterSeconds);
}

/** A change event as stored in braid_changes. */
export interface AnnouncedChange {
  changeId: string;
  at: number;
  service: string;
  kind: string;
  version: string;
  previousVersion: string;
  description: string;
  author: string;
  source: string;
  url: string;
}

const kinds = new Set<ChangeEvidence["kind"]>(["deploy", "config", "feature_flag", "infrastructure", "other"]);

/** An announced change as evidence: "deploy 1.4.3 (was 1.4.2) by ci via github-actions: raise the pool size". */
export function announcedChange(change: AnnouncedChange): ChangeEvidence {
  const kind = kinds.has(change.kind as ChangeEvidence["kind"]) ? (change.kind as ChangeEvidence["kind"]) : "other";
  const label = { deploy: "deploy", config: "config change", feature_flag: "feature-flag change", infrastructure: "infrastructure change", other: "change", version: "version" }[kind];
  const parts = [
    label,
    change.version ? ` ${change.version}${change.previousVersion ? ` (was ${change.previousVersion})` : ""}` : "",
    change.author ? ` by ${change.author}` : "",
    change.source ? ` via ${change.source}` : "",
    change.description ? `: ${change.description}` : "",
  ];
  const detail: Record<string, string> = { source: change.source, author: change.author, url: change.url, version: change.version, previousVersion: change.previousVersion };
  for (const key of Object.keys(detail)) if (!detail[key]) delete detail[key];
  return { changeId: change.changeId, node: change.service, at: change.at, kind, what: `had a ${parts.join("")}`, detail };
}

/**
 * Announced changes and the version changes seen in the spans, the same deploy once: a version
 * change to the version an announced deploy of that service names, within 10 minutes of it, is
 * that deploy (the announcement says more).
 */
export function mergeChanges(announced: readonly ChangeEvidence[], seen: readonly ChangeEvidence[]): ChangeEvidence[] {
  const isAnnounced = (c: ChangeEvidence) =>
    announced.some((a) => a.node === c.node && a.detail.version !== undefined && a.detail.version === c.detail.to && Math.abs(a.at - c.at) <= 600);
  return [...announced, ...seen.filter((c) => !isAnnounced(c))].sort((a, b) => a.at - b.at || a.node.localeCompare(b.node));
}
