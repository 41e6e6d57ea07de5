// Child processes of a scenario run: free loopback ports, starting a binary with its output
// in a log file, waiting for health, and stopping with SIGTERM (then SIGKILL).
import { spawn, type ChildProcess } from "node:child_process";
import { openSync, closeSync, readFileSync } from "node:fs";
import net from "node:net";

/** The ports the kernel hands out to outgoing connections (Linux; the IANA range elsewhere). */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (low && high) return [low, high];
  } catch {
    // not Linux
  }
  return [49152, 65535];
}

/** The port if 127.0.0.1:port can be listened on now (0: the one the OS picks), else undefined. */
export function listenable(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once("error", () => resolve(undefined));
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : undefined));
    });
  });
}

/**
 * A loopback port that was free a moment ago, outside the ephemeral range. A port the OS picks for
 * listen(0) comes from the range it also gives outgoing connections, and between choosing it and
 * the service binding it a Kafka or HTTP client's connection can take it (a scenario run once
 * failed with "bind: address already in use").
 */
export async function freePort(): Promise<number> {
  const [low, high] = ephemeralRange();
  const [from, to] = low > 11_000 ? [10_000, low - 1] : [high + 1, 65_535];
  for (let attempt = 0; attempt < 50 && to > from; attempt++) {
    const port = await listenable(from + Math.floor(Math.random() * (to - from + 1)));
    if (port !== undefined) return port;
  }
  const port = await listenable(0);
  if (port === undefined) throw new Error("no free loopback port");
  return port;
}

export interface Child {
  name: string;
  process: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
}

/** Starts binary with args; stdout and stderr go to logFile. */
export function startChild(name: string, binary: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): Child {
  const fd = openSync(logFile, "a");
  const child = spawn(binary, args, { env, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : null)));
    child.once("error", () => resolve(null));
  });
  return { name, process: child, logFile, exited };
}

/** Polls url until it answers 200, the child exits, or timeoutMs passes. */
export async function waitHealthy(child: Child, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${child.name} exited during start-up (exit ${child.process.exitCode}); see ${child.logFile}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${child.name} did not answer ${url} within ${timeoutMs} ms; see ${child.logFile}`);
}

/** SIGTERM (the services flush their telemetry on it), then SIGKILL after graceMs. */
export async function stopChild(child: Child, graceMs = 15_000): Promise<number | null> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return child.exited;
  child.process.kill("SIGTERM");
  const timer = setTimeout(() => child.process.kill("SIGKILL"), graceMs);
  try {
    return await child.exited;
  } finally {
    clearTimeout(timer);
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
