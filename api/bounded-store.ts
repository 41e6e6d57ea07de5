// The store as the API's routes see it: every SELECT they run stops after a time limit
// (ClickHouse's max_execution_time), so one expensive request (a week of logs searched for a
// word) cannot hold the store for everyone. A query that hits the limit fails with
// QueryTimeoutError, which the API answers 503 with advice instead of passing the error through.
import type { QueryParams, Store } from "../store/index.js";

export class QueryTimeoutError extends Error {
  readonly statusCode = 503;
  constructor(seconds: number) {
    super(`the query took longer than ${seconds} s and was stopped: narrow the time range or add filters`);
    this.name = "QueryTimeoutError";
  }
}

const timedOut = (err: unknown) => /TIMEOUT_EXCEEDED|Code: 159\b/.test(String((err as Error)?.message));

export function boundedStore(store: Store, maxExecutionSeconds: number): Store {
  const settings = ` SETTINGS max_execution_time = ${Math.max(1, Math.floor(maxExecutionSeconds))}, timeout_overflow_mode = 'throw'`;
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property !== "query") return Reflect.get(target, property, receiver);
      return async <T>(sql: string, params?: QueryParams): Promise<T[]> => {
        // A query that sets its own SETTINGS keeps them (and knows its cost).
        const bounded = /\bSETTINGS\b/i.test(sql) ? sql : sql.replace(/[\s;]*$/, "") + settings;
        try {
          return await target.query<T>(bounded, params);
        } catch (err) {
          if (timedOut(err)) throw new QueryTimeoutError(maxExecutionSeconds);
          throw err;
        }
      };
    },
  });
}
