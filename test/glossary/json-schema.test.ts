// The committed JSON Schema files are what the zod schemas generate (npm run schemas:export),
// and a standard validator (Ajv, draft 2020-12) accepts real documents with them: the glossary
// JSON that services download and rows the normalizer produces.
import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { newNormalizeStats, normalizeAppLogLine } from "../../normalizer/index.js";
import { jsonSchemaFiles } from "../../schemas/json/render.js";
import { glossaryYamlPath } from "../../schemas/glossary/index.js";

const jsonDir = path.resolve(import.meta.dirname, "../../schemas/json");
const load = (name: string) => JSON.parse(readFileSync(path.join(jsonDir, name), "utf8")) as object;

describe("JSON Schema export", () => {
  it("has every committed file up to date (run npm run schemas:export after changing a zod schema)", () => {
    const files = jsonSchemaFiles();
    expect(files.map((f) => f.name)).toContain("glossary.schema.json");
    expect(files.map((f) => f.name)).toContain("otel_traces.row.schema.json");
    for (const file of files) expect(readFileSync(path.join(jsonDir, file.name), "utf8"), file.name).toBe(file.content);
  });

  it("validates the generated glossary.json and rejects a broken one", () => {
    const validate = new Ajv2020({ strict: false }).compile(load("glossary.schema.json"));
    const glossary = JSON.parse(readFileSync(path.join(path.dirname(glossaryYamlPath), "generated", "glossary.json"), "utf8"));
    expect(validate(glossary), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...glossary, version: "one" })).toBe(false);
    expect(validate({ ...glossary, entries: [{ ...glossary.entries[0], retryable: "yes" }] })).toBe(false);
  });

  it("validates a normalized log row and rejects one with a bad trace id", () => {
    const validate = new Ajv2020({ strict: false }).compile(load("otel_logs.row.schema.json"));
    const row = normalizeAppLogLine(`{"level":"error","ts":1705314600.5,"msg":"x","error":"context canceled","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}`, { tenant: "t", ingestedAt: "2024-01-15T10:31:00.000Z", nowNanos: 1705314660000000000n, stats: newNormalizeStats() });
    expect(validate(JSON.parse(JSON.stringify(row))), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...row, TraceId: "XYZ" })).toBe(false);
  });
});
