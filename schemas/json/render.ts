// JSON Schema documents generated from Braid's zod schemas (z.toJSONSchema), rendered here and
// written by scripts/export-schemas.ts next to this file.
import { z } from "zod";
import { CheckPolicy, CheckReport } from "../check.js";
import { AlertRuleFile, NotificationConfig } from "../alerting.js";
import { Glossary } from "../glossary/schema.js";
import { rowSchemasByTable } from "../rows.js";
import { ChangeEvent } from "../changes.js";
import { Scenario } from "../scenario.js";
import { Topology } from "../topology.js";

export interface JsonSchemaFile {
  name: string;
  content: string;
}

const base = "https://braid.dev/schemas/";

function render(name: string, title: string, description: string, schema: z.ZodType, io: "input" | "output"): JsonSchemaFile {
  const json = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as Record<string, unknown>;
  const document = { $id: base + name, title, description, ...json };
  return { name, content: JSON.stringify(document, null, 2) + "\n" };
}

export function jsonSchemaFiles(): JsonSchemaFile[] {
  const files: JsonSchemaFile[] = [];
  for (const [table, schema] of Object.entries(rowSchemasByTable)) {
    files.push(render(`${table}.row.schema.json`, `${table} row`, `One canonical row of the ClickHouse table ${table}, as Braid's normalizer produces it: column name → value. The store inserts it with JSONEachRow, writing times as UTC date-time text (store/row-encoding.ts).`, schema, "output"));
  }
  files.push(
    render("glossary.schema.json", "Braid error glossary", "The shared error glossary file (schemas/glossary/glossary.yaml, generated/glossary.json, GET /api/v1/glossary).", Glossary, "input"),
    render("check-policy.schema.json", "braid check policy", "The policy file of `braid check` (braid-check.yaml): required resource attributes, thresholds, severities and allowed exceptions. See docs/braid-check.md.", CheckPolicy, "input"),
    render("check-report.schema.json", "braid check report", "The report `braid check --format json` writes. See docs/braid-check.md.", CheckReport, "output"),
  );
  files.push(
    render("alert-rules.schema.json", "Braid alert rule file", "A file of the alert rules directory (alerting.rulesDir), also the body of POST /api/v1/rules (one rule).", AlertRuleFile, "input"),
    render("alert-notifications.schema.json", "Braid notification configuration", "Routes and receivers (alerting.notificationsFile), in Alertmanager's shape.", NotificationConfig, "input"),
  );
  files.push(
    render("change-event.schema.json", "Braid change event", "A deploy, configuration or feature-flag change, one JSON message on the changes topic (kafka.changes) or the body of POST /api/v1/changes.", ChangeEvent, "input"),
    render("topology.schema.json", "Braid example topology", "A system for the Go and Rust topology emitters (examples/topologies/*.yaml): services, operations, calls, databases, Kafka consumers.", Topology, "input"),
    render("scenario.schema.json", "Braid fault scenario", "A scenario of examples/scenarios: load, faults on a schedule, and the expected root cause(s).", Scenario, "input"),
  );
  return files;
}
