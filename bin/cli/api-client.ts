// The on-call commands' only way to Braid: its public HTTP API, as any client with a key would call
// it (DESIGN.md, On-call surfaces). Errors become CliErrors that say what to do: a 404 is "not
// found" (exit 1), anything else that stops the command exits 2 with the API's own message.
import { CliError, ExitCode } from "./exit-codes.js";
import type { ApiSettings } from "./settings.js";

export type Query = Record<string, string | number | boolean | undefined>;

export class ApiClient {
  constructor(
    readonly settings: ApiSettings,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  url(pathname: string, query: Query = {}): string {
    const url = new URL(this.settings.url + pathname);
    for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== "") url.searchParams.set(key, String(value));
    return url.toString();
  }

  get<T>(pathname: string, query?: Query): Promise<T> {
    return this.request<T>("GET", pathname, query);
  }

  post<T>(pathname: string, body: unknown): Promise<T> {
    return this.request<T>("POST", pathname, undefined, body);
  }

  delete<T>(pathname: string): Promise<T> {
    return this.request<T>("DELETE", pathname);
  }

  async request<T>(method: string, pathname: string, query?: Query, body?: unknown): Promise<T> {
    const url = this.url(pathname, query);
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.settings.apiKey) headers.authorization = `Bearer ${this.settings.apiKey}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await this.fetchImpl(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code === "ECONNREFUSED" ? "connection refused" : (cause?.message ?? (err as Error).message);
      throw new CliError(`cannot reach the Braid API at ${this.settings.url} (${why}); set --url or BRAID_URL (from ${this.settings.source.url})`);
    }
    const text = await response.text();
    let payload: unknown = undefined;
    try {
      payload = text ? JSON.parse(text) : undefined;
    } catch {
      payload = undefined;
    }
    if (response.ok) return payload as T;
    const message = (payload as { message?: string } | undefined)?.message ?? `${response.status} ${response.statusText}`;
    if (response.status === 404) throw new CliError(message, ExitCode.notFound);
    if (response.status === 401) throw new CliError(`${message} (the API wants a key: set BRAID_API_KEY${this.settings.source.apiKey ? `; the key from ${this.settings.source.apiKey} was refused` : ""})`);
    if (response.status === 403) throw new CliError(`${message} (the key${this.settings.source.apiKey ? ` from ${this.settings.source.apiKey}` : ""} lacks the scope this needs)`);
    throw new CliError(`${method} ${pathname}: ${message}`);
  }
}
