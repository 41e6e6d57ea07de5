// The shared error glossary: schema, the bundled catalogue, and loading a glossary file (the only
// I/O here; the normalizer imports bundled.ts and schema.ts, never this file's reader).
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { parseGlossary } from "./bundled.js";
import type { Glossary } from "./schema.js";

export * from "./schema.js";
export { bundledGlossary, parseGlossary } from "./bundled.js";

/** schemas/glossary/glossary.yaml: the source of truth that the generated files come from. */
export const glossaryYamlPath = path.join(path.dirname(fileURLToPath(import.meta.url)), "glossary.yaml");

/** Parses and validates glossary YAML text. */
export function parseGlossaryYaml(text: string, source = "glossary YAML"): Glossary {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new Error(`${source} is not valid YAML: ${(err as Error).message}`);
  }
  return parseGlossary(data, source);
}

/** Reads and validates a glossary file (default: the repository's glossary.yaml). */
export function readGlossaryFile(file: string = glossaryYamlPath): Glossary {
  return parseGlossaryYaml(readFileSync(file, "utf8"), file);
}
