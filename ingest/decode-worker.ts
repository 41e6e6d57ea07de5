// A decode worker thread (decode-pool.ts): prepares ranges (prepare.ts) and hands the blocks back
// without copying them (transferred).
import { parentPort, workerData } from "node:worker_threads";
import { newNormalizeStats } from "../normalizer/index.js";
import { nativeLayout, type NativeLayout } from "../store/native-format.js";
import type { SignalTable } from "../schemas/rows.js";
import type { BatchOptions } from "./batch.js";
import type { IngestMessage } from "./message.js";
import { prepareRange } from "./prepare.js";
import type { DecodeRequest, DecodeResponse, DecodeWorkerData } from "./decode-pool.js";

const init = workerData as DecodeWorkerData;
const layouts = new Map<string, NativeLayout>();
for (const [table, columns] of Object.entries(init.columns)) {
  const layout = nativeLayout(columns);
  if (layout) layouts.set(table, layout);
}
const stats = newNormalizeStats();
const options: BatchOptions = { ...init.options, stats };

parentPort!.on("message", (request: DecodeRequest) => {
  try {
    const values = Buffer.from(request.values.buffer, request.values.byteOffset, request.values.byteLength);
    const messages: IngestMessage[] = request.messages.map((m) => ({ ...m, key: null, value: m.valueEnd < 0 ? null : values.subarray(m.valueStart, m.valueEnd) }));
    const prepared = prepareRange(messages, options, layouts, request.only as SignalTable | undefined);
    const snapshot = { ...stats };
    for (const key of Object.keys(stats) as (keyof typeof stats)[]) stats[key] = 0;
    const transfer = prepared.tables.flatMap((t) => (t.block ? [t.block.data.buffer as ArrayBuffer] : []));
    parentPort!.postMessage({ id: request.id, prepared, stats: snapshot } satisfies DecodeResponse, transfer);
  } catch (err) {
    parentPort!.postMessage({ id: request.id, error: (err as Error).stack ?? String(err) } satisfies DecodeResponse);
  }
});
