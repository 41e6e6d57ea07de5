// Every view's state lives in its URL (path and query), so any view can be shared or reloaded:
// filters, the time range, the selected span.
import { useLocation } from "preact-iso";
import { useEffect, useState } from "preact/hooks";

export const uiBase = "/ui";

export function href(path: string, query: Record<string, string | number | undefined | null> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  const search = params.toString();
  return `${uiBase}${path}${search ? `?${search}` : ""}`;
}

/** The query of the current URL, and a setter that replaces it (a filter change is not a new history step). */
export function useQueryState(): [Record<string, string>, (patch: Record<string, string | number | undefined | null>, push?: boolean) => void] {
  const location = useLocation();
  const set = (patch: Record<string, string | number | undefined | null>, push = false) => {
    const next: Record<string, string | number | undefined | null> = { ...location.query, ...patch };
    location.route(href(location.path.slice(uiBase.length), next), !push);
  };
  return [location.query, set];
}

export const relativeRanges = { "15m": 15 * 60_000, "1h": 3_600_000, "3h": 3 * 3_600_000, "6h": 6 * 3_600_000, "12h": 12 * 3_600_000, "24h": 24 * 3_600_000, "2d": 2 * 86_400_000, "7d": 7 * 86_400_000 } as const;
export type RelativeRange = keyof typeof relativeRanges;

export interface TimeRange {
  fromMs: number;
  toMs: number;
  /** "1h" for a range relative to now, null for fixed from/to. */
  relative: RelativeRange | null;
}

/**
 * The range a view shows: `from`/`to` (Unix ms) when the URL fixes them, else `range` (e.g. 1h)
 * back from now. A relative range moves with the clock every `refreshMs`, which is how live
 * views refresh.
 */
export function useTimeRange(defaultRange: RelativeRange, refreshMs = 0): TimeRange {
  const [query] = useQueryState();
  const now = useNow(refreshMs);
  const from = Number(query.from);
  const to = Number(query.to);
  if (Number.isFinite(from) && Number.isFinite(to) && from > 0 && to > from) return { fromMs: from, toMs: to, relative: null };
  const relative = (query.range && query.range in relativeRanges ? query.range : defaultRange) as RelativeRange;
  return { fromMs: now - relativeRanges[relative], toMs: now, relative };
}

/** Date.now(), updated every `intervalMs` while the tab is visible (0: fixed at mount). */
export function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!intervalMs) return;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") setNow(Date.now());
    }, intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/** The nodeType query parameter of a node's page: absent for a service. */
export const nodeTypeParam = (nodeType: string) => (nodeType === "service" ? undefined : nodeType);
