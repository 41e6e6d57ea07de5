// The page's only way to data: the public Braid API, same origin, as any client would call it.
// An API key, when the server asks for one, is kept in sessionStorage (this tab's session only)
// and sent as `Authorization: Bearer`.
import { useEffect, useRef, useState } from "preact/hooks";

const keyStorageName = "braid.apiKey";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

type Listener = () => void;
const keyListeners = new Set<Listener>();
let keyRequested: string | null = null;
/** Bumped when the key changes, so every view fetches again with it. */
let keyRevision = 0;

export const apiKeyState = {
  /** Why a key is needed (the server's 401 message), or null while none is asked for. */
  get requested() {
    return keyRequested;
  },
  get revision() {
    return keyRevision;
  },
  get hasKey() {
    return Boolean(readKey());
  },
  subscribe(listener: Listener) {
    keyListeners.add(listener);
    return () => keyListeners.delete(listener);
  },
  setKey(key: string) {
    try {
      if (key) sessionStorage.setItem(keyStorageName, key);
      else sessionStorage.removeItem(keyStorageName);
    } catch {
      // Storage disabled: the key lives in memory for this page view only.
      memoryKey = key;
    }
    keyRequested = null;
    keyRevision++;
    for (const listener of keyListeners) listener();
  },
  dismiss() {
    keyRequested = null;
    for (const listener of keyListeners) listener();
  },
};

let memoryKey = "";
function readKey(): string {
  try {
    return sessionStorage.getItem(keyStorageName) ?? memoryKey;
  } catch {
    return memoryKey;
  }
}

export type QueryValue = string | number | boolean | undefined | null;

export function apiUrl(path: string, query: Record<string, QueryValue> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

export async function apiGet<T>(path: string, query: Record<string, QueryValue> = {}, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  const key = readKey();
  if (key) headers.authorization = `Bearer ${key}`;
  const response = await fetch(apiUrl(path, query), { headers, signal });
  const body = (await response.json().catch(() => undefined)) as { message?: string } | undefined;
  if (response.status === 401) {
    keyRequested = body?.message ?? "This Braid requires an API key.";
    for (const listener of keyListeners) listener();
  }
  if (!response.ok) throw new ApiError(response.status, body?.message ?? `${response.status} ${response.statusText}`);
  return body as T;
}

export interface ApiState<T> {
  data?: T;
  error?: ApiError | Error;
  loading: boolean;
  /** When the data was last fetched (ms). */
  fetchedAt?: number;
  reload(): void;
}

/**
 * GET `path` with `query`, again whenever either changes, the API key changes, or every
 * `refreshMs` while the tab is visible (live views). A null path fetches nothing.
 */
export function useApi<T>(path: string | null, query: Record<string, QueryValue> = {}, options: { refreshMs?: number } = {}): ApiState<T> {
  const [state, setState] = useState<Omit<ApiState<T>, "reload">>({ loading: path !== null });
  const [tick, setTick] = useState(0);
  const [revision, setRevision] = useState(keyRevision);
  const url = path === null ? null : apiUrl(path, query);
  const latest = useRef(url);
  latest.current = url;

  useEffect(() => apiKeyState.subscribe(() => setRevision(keyRevision)), []);

  useEffect(() => {
    if (url === null || path === null) return;
    const controller = new AbortController();
    setState((previous) => ({ ...previous, loading: true }));
    apiGet<T>(path, query, controller.signal).then(
      (data) => latest.current === url && setState({ data, loading: false, fetchedAt: Date.now() }),
      (error: Error) => {
        if (controller.signal.aborted) return;
        setState((previous) => ({ ...previous, error, loading: false }));
      },
    );
    return () => controller.abort();
    // `query` is part of `url`.
  }, [url, tick, revision]);

  useEffect(() => {
    if (!options.refreshMs || url === null) return;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") setTick((n) => n + 1);
    }, options.refreshMs);
    return () => clearInterval(timer);
  }, [options.refreshMs, url]);

  return { ...state, reload: () => setTick((n) => n + 1) };
}
