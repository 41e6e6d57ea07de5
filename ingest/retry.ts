// Capped exponential backoff with jitter for store and Kafka writes that must eventually succeed.
// This is ingest's backpressure: while a write fails, the batch holding it waits here, kafkajs
// fetches nothing more until the batches of its last fetch are done (memory stays bounded by one
// fetch), and no offset moves past the unstored data. When the write succeeds, ingest goes on.

export interface RetryControl {
  /** False once the batch must be abandoned (shutdown or rebalance): stop retrying. */
  shouldContinue(): boolean;
  /** Called while waiting, so the consumer group does not evict a member that is only waiting. */
  heartbeat(): Promise<void>;
  onRetry(error: unknown, attempt: number, delayMs: number): void;
  /** Errors that retrying cannot fix (e.g. the group moved on): thrown at once. */
  giveUp?(error: unknown): boolean;
  /** Backoff of the first retry and the most it grows to. */
  baseMs?: number;
  capMs?: number;
}

export class BatchAbandoned extends Error {
  constructor(reason: string) {
    super(`batch abandoned: ${reason}`);
    this.name = "BatchAbandoned";
  }
}

/** Full-jitter-above-half backoff: between half and all of min(cap, base * 2^attempt). */
export function backoffDelay(attempt: number, baseMs = 100, capMs = 30_000, random = Math.random): number {
  const exponential = Math.min(capMs, baseMs * 2 ** attempt);
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries `operation` until it succeeds or the control says to stop (then BatchAbandoned). */
export async function retryUntilDone<T>(operation: () => Promise<T>, control: RetryControl): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (err) {
      if (control.giveUp?.(err)) throw err;
      if (!control.shouldContinue()) throw new BatchAbandoned((err as Error).message);
      const delay = backoffDelay(attempt, control.baseMs, control.capMs);
      control.onRetry(err, attempt + 1, delay);
      // Wait in slices so heartbeats keep flowing and shutdown or a rebalance is noticed promptly.
      for (let waited = 0; waited < delay; waited += 500) {
        await sleep(Math.min(500, delay - waited));
        await control.heartbeat().catch(() => {});
        if (!control.shouldContinue()) throw new BatchAbandoned((err as Error).message);
      }
    }
  }
}
