// What POST /api/v1/changes does with an announced change: it goes on the changes topic (keyed by
// its id, tenant in the tenancy header) and ingest stores it like any event a pipeline produced.
import type { Producer } from "kafkajs";
import { changeIdOf, type ChangeEvent } from "../schemas/changes.js";

export interface ChangePublisherSettings {
  /** kafka.changes.topic: one topic (a pattern can be consumed, not published to). */
  topic: string;
  /** tenancy.default: the tenant of a change an operator key announces without naming one. */
  defaultTenant: string;
  /** tenancy.header: the record header ingest reads the tenant from. */
  tenantHeader: string;
}

export function createChangePublisher(producer: Producer, settings: ChangePublisherSettings) {
  const { topic, defaultTenant, tenantHeader } = settings;
  return async (event: ChangeEvent, requested: string | undefined) => {
    if (topic.startsWith("^")) throw new Error("kafka.changes.topic is a pattern: name one topic to publish change events to");
    const tenant = requested ?? defaultTenant;
    const changeId = changeIdOf(event, tenant);
    await producer.send({ topic, acks: -1, messages: [{ key: changeId, value: JSON.stringify({ ...event, id: changeId }), headers: { "content-type": "application/json", [tenantHeader]: tenant } }] });
    return { changeId, tenant, topic };
  };
}
