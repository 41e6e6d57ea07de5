// The ClickHouse server driver's transport settings, against a real HTTPS server (there is no
// ClickHouse server on this machine): an HTTPS endpoint that answers like ClickHouse, with a
// certificate from a CA made here, and one that requires a client certificate. It checks that
// Braid's settings reach the TLS handshake and the request (CA, client certificate, user and
// password), and that no error carries the password. ClickHouse's own TLS configuration and its
// certificate-based users are not exercised here (docs/security.md says how to set them up).
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../runtime/config.js";
import { ClickHouseStore, openStore } from "../../store/index.js";
import { tempDir } from "../support/env.js";

const run = promisify(execFile);
const dir = tempDir("clickhouse-tls");
const pem = (name: string) => path.join(dir.dir, name);
const seen: Record<string, string | string[] | undefined>[] = [];
let server: Server;
let mutual: Server;
const url = (s: Server) => `https://localhost:${(s.address() as AddressInfo).port}`;

async function openssl(...args: string[]) {
  await run("openssl", args, { cwd: dir.dir });
}

/** Answers the way ClickHouse's HTTP interface does, for the calls the driver makes. */
function clickhouseLike(request: import("node:http").IncomingMessage, response: import("node:http").ServerResponse) {
  seen.push(request.headers);
  if (request.headers["x-clickhouse-key"] !== "ch-secret") {
    response.writeHead(516, { "x-clickhouse-exception-code": "516" }).end("Code: 516. DB::Exception: braid: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)\n");
    return;
  }
  if (request.url?.startsWith("/ping")) response.writeHead(200).end("Ok.\n");
  else response.writeHead(200, { "content-type": "application/x-ndjson", "x-clickhouse-format": "JSONEachRow" }).end('{"ok":1}\n');
}

beforeAll(async () => {
  await openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2", "-subj", "/CN=test CA", "-keyout", "ca.key", "-out", "ca.pem");
  for (const [name, ext] of [["server", "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n"], ["client", "extendedKeyUsage=clientAuth\n"]] as const) {
    await openssl("req", "-newkey", "rsa:2048", "-nodes", "-sha256", "-subj", `/CN=${name === "server" ? "localhost" : "braid"}`, "-keyout", `${name}.key`, "-out", `${name}.csr`);
    await run("bash", ["-c", `printf '${ext.replaceAll("\n", "\\n")}' > ${name}.ext`], { cwd: dir.dir });
    await openssl("x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-sha256", "-extfile", `${name}.ext`, "-out", `${name}.pem`);
  }
  const tls = { key: readFileSync(pem("server.key")), cert: readFileSync(pem("server.pem")) };
  server = createServer(tls, clickhouseLike);
  mutual = createServer({ ...tls, ca: readFileSync(pem("ca.pem")), requestCert: true, rejectUnauthorized: true }, clickhouseLike);
  await Promise.all([server, mutual].map((s) => new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve))));
}, 60_000);

afterAll(async () => {
  await Promise.all([server, mutual].map((s) => new Promise((resolve) => s?.close(resolve))));
  dir.cleanup();
});

describe("ClickHouse over TLS", () => {
  it("verifies the server against BRAID_CLICKHOUSE_TLS_CA_FILE and sends the user and password (from a file)", async () => {
    const { writeFileSync } = await import("node:fs");
    writeFileSync(pem("password"), "ch-secret\n");
    const config = loadConfig({ BRAID_CLICKHOUSE_URL: url(server), BRAID_CLICKHOUSE_USER: "braid", BRAID_CLICKHOUSE_PASSWORD_FILE: pem("password"), BRAID_CLICKHOUSE_TLS_CA_FILE: pem("ca.pem") });
    const store = new ClickHouseStore({ url: config.store.clickhouseUrl!, database: "otel", username: config.store.clickhouseUser, password: config.store.clickhousePassword, tls: config.store.clickhouseTls });
    try {
      await store.ping();
      expect(await store.query("SELECT 1 AS ok")).toEqual([{ ok: 1 }]);
      expect(seen.at(-1)).toMatchObject({ "x-clickhouse-user": "braid", "x-clickhouse-key": "ch-secret" });
    } finally {
      await store.close();
    }
  });

  it("refuses a server whose certificate the system CAs do not vouch for", async () => {
    const store = new ClickHouseStore({ url: url(server), database: "otel", username: "braid", password: "ch-secret" });
    try {
      await expect(store.query("SELECT 1 AS ok")).rejects.toThrow(/self[- ]signed certificate|unable to verify/);
    } finally {
      await store.close();
    }
  });

  it("presents the client certificate to a server that requires one", async () => {
    const tls = { caFile: pem("ca.pem"), certFile: pem("client.pem"), keyFile: pem("client.key") };
    const withCert = new ClickHouseStore({ url: url(mutual), database: "otel", username: "braid", password: "ch-secret", tls });
    const withoutCert = new ClickHouseStore({ url: url(mutual), database: "otel", username: "braid", password: "ch-secret", tls: { caFile: pem("ca.pem") } });
    try {
      expect(await withCert.query("SELECT 1 AS ok")).toEqual([{ ok: 1 }]);
      // @clickhouse/client asks ClickHouse to authenticate the user by the certificate as well.
      expect(seen.at(-1)).toMatchObject({ "x-clickhouse-ssl-certificate-auth": "on" });
      await expect(withoutCert.query("SELECT 1 AS ok")).rejects.toThrow();
    } finally {
      await withCert.close();
      await withoutCert.close();
    }
  });

  it("never puts the password into an error: wrong password, credentials in the URL, unreachable server", async () => {
    const wrong = new ClickHouseStore({ url: url(server), database: "otel", username: "braid", password: "not-the-secret-42", tls: { caFile: pem("ca.pem") } });
    const inUrl = `https://braid:url-secret-43@127.0.0.1:1`;
    try {
      const error = await wrong.query("SELECT 1").then(() => undefined, (err: Error) => err);
      expect(error?.message).toContain("Authentication failed");
      expect(error?.message).not.toContain("not-the-secret-42");
      const opened = await openStore({ clickhouseUrl: inUrl, database: "otel", chdbDataDir: dir.dir }).then(() => undefined, (err: Error) => err);
      expect(opened).toBeInstanceOf(Error);
      expect(`${opened!.message} ${opened!.stack}`).not.toContain("url-secret-43");
    } finally {
      await wrong.close();
    }
  });

  it("names the file when a TLS file cannot be read, and wants the CA with a client certificate", () => {
    expect(() => new ClickHouseStore({ url: url(server), database: "otel", tls: { caFile: "/nonexistent/ca.pem" } })).toThrow("ClickHouse TLS: cannot read the CA file /nonexistent/ca.pem: ENOENT");
    expect(() => new ClickHouseStore({ url: url(server), database: "otel", tls: { certFile: pem("client.pem"), keyFile: pem("client.key") } })).toThrow(/needs caFile as well/);
  });
});
