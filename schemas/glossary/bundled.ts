// The glossary without file I/O: validation of any in-memory glossary, and the bundled one (the
// data generated from glossary.yaml by `npm run glossary:generate`), so the pure normalizer can
// use it without reading files.
import { glossaryData } from "./generated/glossary.data.js";
import { Glossary, describeIssues } from "./schema.js";

/** Validates a glossary object (e.g. parsed YAML); throws with the path of every bad field. */
export function parseGlossary(input: unknown, source = "glossary"): Glossary {
  const result = Glossary.safeParse(input);
  if (!result.success) throw new Error(`invalid ${source}: ${describeIssues(result.error)}`);
  return result.data;
}

let bundled: Glossary | undefined;

/** The glossary shipped with this build (schemas/glossary/glossary.yaml as generated data). */
export function bundledGlossary(): Glossary {
  bundled ??= parseGlossary(glossaryData, "bundled glossary (run npm run glossary:generate)");
  return bundled;
}
