// The Kafka admin and producer most integration tests need, connected before the file's tests
// and disconnected after them (the hooks are registered in the calling file or describe block).
import { Kafka, Partitioners, logLevel } from "kafkajs";
import { afterAll, beforeAll } from "vitest";
import { registerCompressionCodecs } from "../../ingest/index.js";
import { kafkaBrokers, requireServices } from "./env.js";

export function useKafkaClients(clientId: string) {
  registerCompressionCodecs();
  const kafka = new Kafka({ clientId, brokers: [kafkaBrokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  beforeAll(async () => {
    await requireServices();
    await Promise.all([admin.connect(), producer.connect()]);
  });
  afterAll(async () => {
    await producer.disconnect();
    await admin.disconnect();
  });
  return { kafka, admin, producer };
}
