// Log search reads its range in time slices from the newest backwards (api/queries/logs.ts): every
// page, wherever it falls across the slices' bounds, is exactly the page of one newest-first
// ordering of all matches, with and without a text filter.
import { afterAll, describe, expect, it } from "vitest";
import { searchLogs } from "../../api/queries/logs.js";
import { migrate } from "../../store/index.js";
import { tempDir, uniqueSuffix } from "../support/env.js";
import { withChdb } from "./ingest-support.js";

const storage = tempDir("log-search-slices");
const database = `log_slices_${uniqueSuffix()}`;
afterAll(() => storage.cleanup());

const nowSeconds = Math.floor(Date.now() / 1000);
/** Line k is 61·k seconds (and k ms) before now: 400 lines over 6.8 hours, across every slice bound. */
const lines = Array.from({ length: 400 }, (_, k) => ({ k, ns: (BigInt(nowSeconds - 61 * k) * 1000n - BigInt(k)) * 1_000_000n, body: k % 3 === 0 ? `request ${k} Upstream Call Failed` : `request ${k} ok` }));

describe("log search in time slices", () => {
  it("returns every page of the newest-first order, across slice bounds, with and without text", async () => {
    await withChdb(storage.dir, database, async (store) => {
      await migrate(store);
      const values = lines.map((l) => `(fromUnixTimestamp64Nano(toInt64(${l.ns})), 'checkout', 'INFO', 9, '${l.body}', 'default')`).join(", ");
      await store.exec(`INSERT INTO {{db}}.otel_logs (Timestamp, ServiceName, SeverityText, SeverityNumber, Body, Tenant) VALUES ${values}`);
      const range = { tenant: "default", fromSeconds: nowSeconds - 8 * 3600, toSeconds: nowSeconds + 1 };
      for (const text of [undefined, "upstream call failed"]) {
        const expected = lines.filter((l) => !text || l.body.toLowerCase().includes(text)).map((l) => `request ${l.k} `);
        for (const [limit, offset] of [[50, 0], [7, 3], [50, 37], [40, 120], [100, 250], [50, 390], [1000, 0]] as const) {
          const page = await searchLogs(store, { ...range, text, limit, offset });
          expect(page.map((row) => row.Body.replace(/(request \d+ ).*/, "$1")), `text ${text}, limit ${limit}, offset ${offset}`).toEqual(expected.slice(offset, offset + limit));
        }
      }
    });
  });
});
