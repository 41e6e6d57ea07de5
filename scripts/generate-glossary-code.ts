// npm run glossary:generate — validates schemas/glossary/glossary.yaml and writes the files
// generated from it (TypeScript data bundled by the normalizer, JSON for services, Go and Rust
// constants). A test fails when they are out of date.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { glossaryArtifacts } from "../schemas/glossary/codegen.js";
import { glossaryYamlPath, readGlossaryFile } from "../schemas/glossary/index.js";

const glossary = readGlossaryFile(glossaryYamlPath);
const root = path.dirname(glossaryYamlPath);
for (const file of glossaryArtifacts(glossary)) {
  const target = path.join(root, file.path);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, file.content);
  console.log(`wrote ${path.relative(process.cwd(), target)}`);
}
console.log(`glossary ${glossary.version}: ${glossary.entries.length} entries`);
