// npm run schemas:export — writes JSON Schema (draft 2020-12) generated from the zod schemas into
// schemas/json/, committed, so Go and Rust teams can validate what they send and read: the
// canonical rows (one per ClickHouse table) and the error glossary. A test fails when the
// committed files differ from what this script would write.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { jsonSchemaFiles } from "../schemas/json/render.js";

const outDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "schemas", "json");
mkdirSync(outDir, { recursive: true });
for (const file of jsonSchemaFiles()) {
  writeFileSync(path.join(outDir, file.name), file.content);
  console.log(`wrote schemas/json/${file.name}`);
}
