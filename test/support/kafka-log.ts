// Reads the record batches a topic holds straight from the broker's log segments (the broker runs
// on this machine), so a test can check how a producer really wrote them (compression codec,
// records per batch) instead of trusting the producer's settings. Record batch v2 layout: KIP-98.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import kafkajs, { type Admin } from "kafkajs";

export const codecNames = ["none", "gzip", "snappy", "lz4", "zstd"] as const;

export interface RecordBatchOnDisk {
  partition: number;
  baseOffset: bigint;
  records: number;
  codec: (typeof codecNames)[number];
  /** The batch's records section as written (compressed unless codec is none). */
  payload: Buffer;
}

/** The broker's log directory (log.dirs), asked over the admin API. */
export async function brokerLogDir(admin: Admin): Promise<string> {
  const { brokers } = await admin.describeCluster();
  const { resources } = await admin.describeConfigs({
    resources: [{ type: kafkajs.ConfigResourceTypes.BROKER, name: String(brokers[0]!.nodeId), configNames: ["log.dirs"] }],
    includeSynonyms: false,
  });
  const value = resources[0]?.configEntries.find((entry) => entry.configName === "log.dirs")?.configValue;
  if (!value) throw new Error("the broker did not say its log.dirs");
  return value.split(",")[0]!;
}

/** Every record batch of every partition of `topic`, in offset order per partition. */
export function recordBatchesOnDisk(logDir: string, topic: string): RecordBatchOnDisk[] {
  const batches: RecordBatchOnDisk[] = [];
  const partitionDirs = readdirSync(logDir).filter((name) => name.startsWith(`${topic}-`) && /^\d+$/.test(name.slice(topic.length + 1)));
  for (const dir of partitionDirs) {
    const partition = Number(dir.slice(topic.length + 1));
    for (const segment of readdirSync(path.join(logDir, dir)).filter((name) => name.endsWith(".log")).sort()) {
      const bytes = readFileSync(path.join(logDir, dir, segment));
      for (let at = 0; at + 61 <= bytes.length; ) {
        const length = bytes.readInt32BE(at + 8);
        const end = at + 12 + length;
        if (length <= 0 || end > bytes.length) break; // the end of what is written so far
        const magic = bytes.readInt8(at + 16);
        if (magic !== 2) throw new Error(`${dir}/${segment}: record batch at byte ${at} has magic ${magic}, expected 2`);
        batches.push({
          partition,
          baseOffset: bytes.readBigInt64BE(at),
          records: bytes.readInt32BE(at + 57),
          codec: codecNames[bytes.readInt16BE(at + 21) & 0x07]!,
          payload: bytes.subarray(at + 61, end),
        });
        at = end;
      }
    }
  }
  return batches;
}
