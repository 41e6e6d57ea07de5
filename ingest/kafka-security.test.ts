import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { operatorLevel } from "./kafka-logs.js";
import { kafkaRefusal, kafkaSecurity, refusalMessage, type KafkaSettings } from "./kafka-security.js";

const plain: KafkaSettings = { brokers: ["k1:9094"], tls: { enabled: false, insecureSkipVerify: false }, sasl: undefined };

describe("Kafka TLS and SASL settings", () => {
  it("gives kafkajs nothing extra for a plaintext listener", () => {
    expect(kafkaSecurity(plain)).toEqual({});
  });

  it("reads the CA, client certificate and key from PEM files, with the passphrase, and verifies the broker", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "braid-kafka-tls-"));
    for (const name of ["ca.pem", "client.pem", "client.key"]) writeFileSync(path.join(dir, name), `-----BEGIN ${name}-----\n`);
    const security = kafkaSecurity({
      ...plain,
      tls: { enabled: true, caFile: path.join(dir, "ca.pem"), certFile: path.join(dir, "client.pem"), keyFile: path.join(dir, "client.key"), keyPassphrase: "pp", servername: "kafka.internal", insecureSkipVerify: false },
      sasl: { mechanism: "scram-sha-512", username: "braid", password: "pw" },
    });
    expect(security.ssl).toMatchObject({ rejectUnauthorized: true, passphrase: "pp", servername: "kafka.internal" });
    expect(String((security.ssl as { ca: Buffer[] }).ca[0])).toContain("ca.pem");
    expect(security.sasl).toEqual({ mechanism: "scram-sha-512", username: "braid", password: "pw" });
    expect(security.connectionTimeout).toBe(10_000);
  });

  it("names the file and the variable when a PEM file cannot be read, and wants a certificate with its key", () => {
    expect(() => kafkaSecurity({ ...plain, tls: { enabled: true, caFile: "/nonexistent/ca.pem", insecureSkipVerify: false } })).toThrow("Kafka TLS: cannot read the CA file /nonexistent/ca.pem (BRAID_KAFKA_TLS_CA_FILE): ENOENT");
    expect(() => kafkaSecurity({ ...plain, tls: { enabled: true, certFile: "/x.pem", insecureSkipVerify: false } })).toThrow(/needs both BRAID_KAFKA_TLS_CERT_FILE and BRAID_KAFKA_TLS_KEY_FILE/);
  });
});

describe("refusals by the broker", () => {
  const saslError = Object.assign(new Error("SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512"), { name: "KafkaJSSASLAuthenticationError" });
  const tlsError = Object.assign(new Error("Connection error: self-signed certificate in certificate chain"), { name: "KafkaJSNumberOfRetriesExceeded" });

  it("tells refused credentials and failed TLS handshakes from an unreachable broker", () => {
    expect(kafkaRefusal(saslError)).toBe("authentication");
    expect(kafkaRefusal(tlsError)).toBe("tls");
    expect(kafkaRefusal({ name: "KafkaJSNumberOfRetriesExceeded", message: "x", originalError: { message: "Connection error: unable to verify the first certificate" } })).toBe("tls");
    expect(kafkaRefusal(new Error("Connection error: connect ECONNREFUSED 127.0.0.1:9094"))).toBeUndefined();
  });

  it("says which settings to check, without the password", () => {
    const settings: KafkaSettings = { ...plain, sasl: { mechanism: "scram-sha-512", username: "braid", password: "hunter2" } };
    const message = refusalMessage("authentication", settings, saslError);
    expect(message).toContain("Kafka at k1:9094 rejected Braid's SASL credentials (SCRAM-SHA-512, user braid)");
    expect(message).toContain("BRAID_KAFKA_SASL_PASSWORD");
    expect(message).not.toContain("hunter2");
  });

  it("keeps kafkajs' own lines about a refusal at debug: Braid reports it once itself", () => {
    expect(operatorLevel("error", saslError.message, {}).level).toBe("debug");
    expect(operatorLevel("error", "Failed to connect to seed broker, trying another broker from the list: Connection error: self-signed certificate in certificate chain", {}).level).toBe("debug");
    expect(operatorLevel("error", "Response SaslAuthenticate(key: 36, version: 1)", { error: "Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512" }).level).toBe("debug");
  });
});
