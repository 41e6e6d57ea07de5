// The progress bar of `braid backfill`, in a real terminal: tmux runs the command in a pane and the
// test reads the screen (capture-pane), as a person would see it. Without a terminal the same
// command prints progress lines instead (test/integration/cli-operators.test.ts).
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { encodeTraces, newSpanId, newTraceId, traceRequest } from "../../scripts/lib/otlp-builder.js";
import { repoRoot } from "../support/cli.js";
import { eventually, isolatedConfig, tempDir, uniqueSuffix } from "../support/env.js";

const storage = tempDir("cli-tty");
const session = `braid-cli-${uniqueSuffix()}`;
const tmux = (...args: string[]) => execFileSync("tmux", args, { encoding: "utf8" });
afterAll(() => {
  try {
    tmux("kill-session", "-t", session);
  } catch {
    // already gone
  }
  storage.cleanup();
});

describe("braid backfill in a terminal", () => {
  it("draws a progress bar with messages, items, items/s and the time left, ending at 100%", async () => {
    const config = isolatedConfig(uniqueSuffix(), path.join(storage.dir, "chdb"));
    const configFile = path.join(storage.dir, "braid.json");
    writeFileSync(configFile, JSON.stringify(config));
    // 200 requests of 20 spans, varint-delimited (the OTLP file format).
    const now = BigInt(Date.now()) * 1_000_000n;
    const frames = Array.from({ length: 200 }, (_, i) => {
      const traceId = newTraceId();
      const message = encodeTraces(traceRequest("tty", Array.from({ length: 20 }, (_, j) => ({ traceId, spanId: newSpanId(), name: `op-${j % 3}`, kind: 2, startNs: now + BigInt(i * 1000 + j), durationNs: 1000n }))));
      const length = message.length;
      const varint = length < 128 ? Buffer.from([length]) : Buffer.from([(length & 0x7f) | 0x80, length >> 7]);
      return Buffer.concat([varint, message]);
    });
    const file = path.join(storage.dir, "spans.binpb");
    writeFileSync(file, Buffer.concat(frames));
    const command = `cd ${repoRoot} && node --import tsx bin/braid.ts backfill ${file} --chunk 5 --config ${configFile}; echo "exit=$?"; sleep 600`;
    tmux("new-session", "-d", "-s", session, "-x", "150", "-y", "12", "-e", "TERM=xterm-256color", command);
    const screens = new Set<string>();
    const screen = await eventually(
      async () => {
        const text = tmux("capture-pane", "-p", "-t", session);
        screens.add(text);
        return text;
      },
      (text) => /^exit=\d+$/m.test(text),
      "braid backfill to finish in the tmux pane",
      240_000,
    );
    expect(screen).toMatch(/^exit=0$/m);
    const bar = /^backfill ([█░]{40}) (\d+)% \| (\d+)\/200 messages \| (\d+) items \| (\d+) items\/s \| (\S+) left$/m;
    const final = bar.exec(screen);
    expect(final, screen).not.toBeNull();
    expect(final![1]).toBe("█".repeat(40));
    expect([final![2], final![3], final![4]]).toEqual(["100", "200", "4000"]);
    expect(Number(final![5])).toBeGreaterThan(0);
    expect(screen).toMatch(/^backfilled 200 messages in 40 chunks: 4000 items \(4000 traces\)$/m);
    // Any screen caught mid-way shows a partial bar with the same fields.
    for (const text of screens) {
      const seen = bar.exec(text);
      if (seen && seen[2] !== "100") expect(seen[1]).toMatch(/^█*░+$/);
    }
  });
});
