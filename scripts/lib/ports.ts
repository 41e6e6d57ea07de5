import { freePort, listenable } from "../../examples/runner/processes.js";

/** `preferred` when it is free on 127.0.0.1, else a free port outside the ephemeral range. */
export async function freePortOr(preferred: number): Promise<number> {
  return (preferred === 0 ? undefined : await listenable(preferred)) ?? freePort();
}
