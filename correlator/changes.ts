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
