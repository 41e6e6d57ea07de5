// `braid check --kafka-topic T --sample N`: the newest N messages of a topic (spread over its
// partitions), with their real headers and timestamps, as the check's input. The topic's signal
// and encoding come from --signal or from Braid's own topic configuration (BRAID_*_TOPIC).
import type { Kafka } from "kafkajs";
import { routeFor, type TopicRoute } from "../../ingest/index.js";
import { partitionOffsets, readRanges, type PartitionRange } from "../reingest/kafka-range.js";
import { InputError, type CheckInput, type CheckMessage } from "./inputs.js";

export async function sampleTopic(kafka: Kafka, topic: string, sample: number, route: TopicRoute | undefined, routes: readonly TopicRoute[], fromBeginning = false): Promise<CheckInput> {
  const chosen = route ?? routeFor(routes, topic);
  if (!chosen) throw new InputError(`topic ${topic} is not one of Braid's signal topics (BRAID_TRACES_TOPIC, …); pass --signal traces|metrics|logs|app_logs`);
  const admin = kafka.admin();
  await admin.connect();
  let offsets;
  try {
    offsets = await partitionOffsets(admin, topic);
  } catch (err) {
    throw new InputError(`cannot read topic ${topic}: ${(err as Error).message}`);
  } finally {
    await admin.disconnect();
  }
  const nonEmpty = offsets.filter((p) => p.high > p.low);
  const perPartition = BigInt(Math.max(1, Math.ceil(sample / Math.max(1, nonEmpty.length))));
  const ranges: PartitionRange[] = nonEmpty.map((p) => {
    const from = fromBeginning ? p.low : p.high - perPartition > p.low ? p.high - perPartition : p.low;
    const to = fromBeginning ? (p.low + perPartition - 1n < p.high - 1n ? p.low + perPartition - 1n : p.high - 1n) : p.high - 1n;
    return { partition: p.partition, from, to };
  });
  const messages: CheckMessage[] = [];
  await readRanges(kafka, topic, ranges, {
    onMessages(partition, batch) {
      for (const m of batch) {
        if (!m.value) continue;
        // Headers are kept: a content-type header decides the encoding per message, as in ingest.
        messages.push({ value: m.value, location: `${topic}/${partition}@${m.offset}`, headers: m.headers, timestampMs: Number(m.timestamp), key: m.key });
      }
    },
  });
  messages.sort((a, b) => a.location.localeCompare(b.location, undefined, { numeric: true }));
  return { name: topic, signal: chosen.signal, encoding: chosen.encoding, format: "kafka", messages: messages.slice(-sample) };
}
