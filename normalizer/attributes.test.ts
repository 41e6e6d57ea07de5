import { describe, expect, it } from "vitest";
import { anyValueToString, attributeMap } from "./attributes.js";
import { newNormalizeStats, TRUNCATION_MARKER } from "./context.js";

const limits = { maxAttributesPerItem: 100, maxAttributeValueLength: 1000 };
const kv = (key: string, value: object) => ({ key, value });

describe("attribute values", () => {
  it("stringifies every AnyValue kind like the exporter", () => {
    expect(anyValueToString({ stringValue: "x" })).toBe("x");
    expect(anyValueToString({ boolValue: false })).toBe("false");
    expect(anyValueToString({ intValue: "9007199254740993" })).toBe("9007199254740993");
    expect(anyValueToString({ doubleValue: 0.25 })).toBe("0.25");
    expect(anyValueToString({ bytesValue: new Uint8Array([1, 2, 255]) })).toBe("AQL/");
    expect(anyValueToString({ arrayValue: { values: [{ stringValue: "a" }, { intValue: "2" }] } })).toBe('["a",2]');
    expect(anyValueToString({ kvlistValue: { values: [kv("k", { boolValue: true })] } })).toBe('{"k":true}');
    expect(anyValueToString({})).toBe("");
  });
});

describe("semantic-convention names", () => {
  it("adds the current key and keeps the original (http.status_code → http.response.status_code, net.peer.name → server.address, db.statement → db.query.text)", () => {
    const attrs = attributeMap(
      [
        kv("http.status_code", { intValue: "503" }),
        kv("http.method", { stringValue: "GET" }),
        kv("net.peer.name", { stringValue: "db.internal" }),
        kv("db.statement", { stringValue: "SELECT 1" }),
        kv("http.target", { stringValue: "/orders?id=9" }),
      ],
      limits,
      undefined,
    );
    expect(attrs).toMatchObject({
      "http.status_code": "503",
      "http.response.status_code": "503",
      "http.method": "GET",
      "http.request.method": "GET",
      "net.peer.name": "db.internal",
      "server.address": "db.internal",
      "db.statement": "SELECT 1",
      "db.query.text": "SELECT 1",
      "url.path": "/orders",
      "url.query": "id=9",
    });
  });

  it("never overwrites a value already under the current key", () => {
    const attrs = attributeMap([kv("http.response.status_code", { intValue: "200" }), kv("http.status_code", { intValue: "500" })], limits, undefined);
    expect(attrs["http.response.status_code"]).toBe("200");
    expect(attrs["http.status_code"]).toBe("500");
  });
});

describe("limits", () => {
  it("drops attributes past the count limit and truncates long values with a marker, counting both", () => {
    const stats = newNormalizeStats();
    const attrs = attributeMap(
      [kv("a", { stringValue: "x".repeat(50) }), kv("b", { stringValue: "short" }), kv("c", { stringValue: "dropped" })],
      { maxAttributesPerItem: 2, maxAttributeValueLength: 20 },
      stats,
    );
    expect(Object.keys(attrs)).toEqual(["a", "b"]);
    expect(attrs.a).toHaveLength(20);
    expect(attrs.a!.endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(stats).toMatchObject({ droppedAttributes: 1, truncatedAttributes: 1 });
  });

  it("keeps keys that collide with Object.prototype names", () => {
    const attrs = attributeMap([kv("__proto__", { stringValue: "p" }), kv("constructor", { stringValue: "c" })], limits, undefined);
    expect(attrs["__proto__"]).toBe("p");
    expect(attrs["constructor"]).toBe("c");
    expect(JSON.parse(JSON.stringify(attrs))).toEqual({ ["__proto__"]: "p", constructor: "c" });
  });
});
