// One HTTP delivery of a notification: the body as planned (byte for byte on every retry), an
// HMAC-SHA256 signature of it with the receiver's secret, and the notification id as the
// Idempotency-Key, so a receiver that sees a retry of something it already took can drop it.
import { createHmac } from "node:crypto";

export const signatureHeader = "x-braid-signature-256";
export const idempotencyHeader = "idempotency-key";

/** "sha256=<hex>" of the body, as GitHub-style webhook signatures are written. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export interface DeliveryOutcome {
  ok: boolean;
  /** Whether trying again may help (5xx, 408, 429, timeouts, connection errors). */
  retryable: boolean;
  status?: number;
  error?: string;
}

export async function postNotification(request: { url: string; body: string; id: string; secret?: string; timeoutSeconds: number }): Promise<DeliveryOutcome> {
  const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "Braid-Alerting/1", [idempotencyHeader]: request.id };
  if (request.secret) headers[signatureHeader] = signBody(request.body, request.secret);
  try {
    const response = await fetch(request.url, { method: "POST", headers, body: request.body, signal: AbortSignal.timeout(request.timeoutSeconds * 1000), redirect: "error" });
    await response.arrayBuffer().catch(() => undefined);
    if (response.ok) return { ok: true, retryable: false, status: response.status };
    const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
    return { ok: false, retryable, status: response.status, error: `HTTP ${response.status} ${response.statusText}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const detail = e.name === "TimeoutError" ? `no answer within ${request.timeoutSeconds}s` : (e.cause?.code ?? e.cause?.message ?? e.message);
    return { ok: false, retryable: true, error: detail };
  }
}

/** Capped exponential backoff with ±20% jitter: base·2^(n−1), at most cap. */
export function backoffMs(attemptsMade: number, baseSeconds: number, capSeconds: number, random = Math.random): number {
  const raw = Math.min(capSeconds, baseSeconds * 2 ** Math.max(0, attemptsMade - 1)) * 1000;
  return Math.round(raw * (0.8 + 0.4 * random()));
}
