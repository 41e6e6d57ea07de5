// /metrics on an address of its own, without a key: for Prometheus on a private network (the
// API's own /metrics needs an operator key). Plain node:http, it serves one path.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export async function startMetricsListener(registry: Registry, host: string, port: number): Promise<{ address: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    if (request.method !== "GET" || request.url?.split("?")[0] !== "/metrics") {
      response.writeHead(404, { "content-type": "text/plain" }).end("only GET /metrics is served here\n");
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { "content-type": registry.contentType }).end(text),
      (err: Error) => response.writeHead(500, { "content-type": "text/plain" }).end(`collecting metrics failed: ${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const { address, port: bound } = server.address() as AddressInfo;
  return {
    address: `http://${address.includes(":") ? `[${address}]` : address}:${bound}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
