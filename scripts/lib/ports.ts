import { createServer } from "node:net";
import { freePort } from "../../examples/runner/processes.js";

/** `preferred` when it is free on 127.0.0.1, else a free port outside the ephemeral range. */
export async function freePortOr(preferred: number): Promise<number> {
  if (preferred === 0) return freePort();
  const free = await new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(preferred, "127.0.0.1", () => server.close(() => resolve(true)));
  });
  return free ? preferred : freePort();
}
