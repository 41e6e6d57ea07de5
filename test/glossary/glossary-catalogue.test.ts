// The catalogue itself: validated at load, covers what Go and Rust services report, generated
// files current, and a bad edit is rejected with the path of the field.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { glossaryArtifacts } from "../../schemas/glossary/codegen.js";
import { bundledGlossary, glossaryYamlPath, parseGlossary, parseGlossaryYaml, readGlossaryFile } from "../../schemas/glossary/index.js";

const glossary = readGlossaryFile();

describe("the glossary catalogue", () => {
  it("has a semantic version and at least 40 entries besides UNKNOWN", () => {
    expect(glossary.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(glossary.entries.filter((e) => e.code !== "UNKNOWN").length).toBeGreaterThanOrEqual(40);
  });

  it("has the codes the on-call vocabulary relies on (issue 4)", () => {
    const codes = new Set(glossary.entries.map((e) => e.code));
    for (const code of [
      "UNAVAILABLE.CONNECTION_REFUSED",
      "UNAVAILABLE.CONNECTION_RESET",
      "UNAVAILABLE.BROKEN_PIPE",
      "UNAVAILABLE.DNS",
      "UNAVAILABLE.UNEXPECTED_EOF",
      "DEADLINE_EXCEEDED.CLIENT_TIMEOUT",
      "DEADLINE_EXCEEDED.HTTP_CLIENT_TIMEOUT",
      "DEADLINE_EXCEEDED.IO_TIMEOUT",
      "CANCELLED.CLIENT",
      "INTERNAL.PANIC",
      "NOT_FOUND.NO_ROWS",
      "RESOURCE_EXHAUSTED.POOL_TIMEOUT",
      "RESOURCE_EXHAUSTED.OUT_OF_MEMORY",
      "UNAUTHENTICATED.TLS_CERT_EXPIRED",
      "INVALID_ARGUMENT.DESERIALIZE",
      "UNKNOWN",
    ]) {
      expect(codes.has(code), code).toBe(true);
    }
  });

  it("has a fallback entry for every non-OK gRPC code except UNKNOWN (so a bare status always maps)", () => {
    const byGrpc = new Set(glossary.entries.flatMap((e) => e.match.grpcCodes));
    for (const name of ["CANCELLED", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"]) {
      expect(byGrpc.has(name as never), name).toBe(true);
    }
  });

  it("marks transient classes retryable and server bugs not retryable", () => {
    for (const entry of glossary.entries) {
      if (entry.class === "server_bug") expect(entry.retryable, entry.code).toBe(false);
    }
    for (const entry of glossary.entries.filter((e) => e.class === "transient")) expect(entry.retryable, entry.code).toBe(true);
  });

  it("is the same as the bundled (generated) data", () => {
    expect(bundledGlossary()).toEqual(glossary);
  });

  it("has every generated file up to date (run npm run glossary:generate after editing glossary.yaml)", () => {
    const root = path.dirname(glossaryYamlPath);
    for (const file of glossaryArtifacts(glossary)) {
      expect(readFileSync(path.join(root, file.path), "utf8"), file.path).toBe(file.content);
    }
  });
});

describe("validation at load", () => {
  const valid = () => JSON.parse(JSON.stringify(glossary)) as { entries: Record<string, unknown>[] };

  it("rejects a duplicated code, naming the entry", () => {
    const data = valid();
    data.entries.push({ ...data.entries[0] });
    expect(() => parseGlossary(data)).toThrow(/entries\.\d+\.code: duplicate code UNAVAILABLE\.CONNECTION_REFUSED/);
  });

  it("rejects a regex that does not compile and an anchor that is not lowercase", () => {
    const data = valid();
    (data.entries[0]!.match as { any: unknown }).any = { messages: [{ regex: "([", anchor: "x(" }, { regex: "a", anchor: "ABC" }] };
    expect(() => parseGlossary(data)).toThrow(/entries\.0\.match\.any\.messages\.0\.regex: must be a valid JavaScript regular expression/);
    expect(() => parseGlossary(data)).toThrow(/entries\.0\.match\.any\.messages\.1\.anchor: must be lowercase/);
  });

  it("rejects a code that does not start with a gRPC code name and an unknown field", () => {
    const data = valid();
    data.entries[1]!.code = "NETWORK.RESET";
    data.entries[2]!.retriable = true;
    expect(() => parseGlossary(data)).toThrow(/entries\.1\.code: the code must start with a gRPC canonical code name/);
    expect(() => parseGlossary(data)).toThrow(/entries\.2/);
  });

  it("requires the UNKNOWN entry", () => {
    const data = valid();
    data.entries = data.entries.filter((e) => e.code !== "UNKNOWN");
    expect(() => parseGlossary(data)).toThrow(/UNKNOWN entry is required/);
  });

  it("reports YAML syntax errors with the source name", () => {
    expect(() => parseGlossaryYaml("version: [1", "custom.yaml")).toThrow(/custom\.yaml is not valid YAML/);
  });
});
