// Progress of long operator commands (replay, backfill): a bar with messages, items, items/s and the
// time left on a terminal (cli-progress), plain progress lines otherwise (CI logs, pipes), at most
// one every few seconds. Always on stderr, so --json output on stdout stays a document.
import cliProgress from "cli-progress";

export interface Progress {
  /** `done` messages of `total` processed so far, `items` items stored. */
  update(done: number, items: number): void;
  stop(): void;
}

const formatSeconds = (s: number) => {
  if (!Number.isFinite(s)) return "?";
  const r = Math.max(0, Math.round(s));
  return r < 60 ? `${r}s` : r < 3600 ? `${Math.floor(r / 60)}m${String(r % 60).padStart(2, "0")}s` : `${Math.floor(r / 3600)}h${String(Math.floor((r % 3600) / 60)).padStart(2, "0")}m`;
};

export function createProgress(options: { label: string; total: number; stream: NodeJS.WritableStream; terminal: boolean; quiet?: boolean; intervalMs?: number; now?: () => number }): Progress {
  const now = options.now ?? Date.now;
  const started = now();
  const rates = (done: number, items: number) => {
    const seconds = Math.max(0.001, (now() - started) / 1000);
    const itemRate = items / seconds;
    const left = done > 0 ? ((options.total - done) * seconds) / done : Number.NaN;
    return { itemRate, left };
  };
  if (options.quiet) return { update() {}, stop() {} };
  if (options.terminal) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${options.label} {bar} {percentage}% | {value}/{total} messages | {items} items | {rate} items/s | {left} left`,
        hideCursor: true,
        stream: options.stream as NodeJS.WriteStream,
        etaBuffer: 50,
        fps: 10,
        noTTYOutput: false,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(options.total, 0, { items: 0, rate: "0", left: "?" });
    return {
      update(done, items) {
        const { itemRate, left } = rates(done, items);
        bar.update(done, { items, rate: itemRate.toFixed(0), left: formatSeconds(left) });
      },
      stop() {
        bar.stop();
      },
    };
  }
  const intervalMs = options.intervalMs ?? 5_000;
  let lastLine = 0;
  let last: [number, number] = [0, 0];
  const line = (done: number, items: number) => {
    const { itemRate, left } = rates(done, items);
    const percent = options.total > 0 ? Math.floor((done / options.total) * 100) : 100;
    options.stream.write(`${options.label}: ${done}/${options.total} messages (${percent}%), ${items} items, ${itemRate.toFixed(0)} items/s, ${formatSeconds(left)} left\n`);
  };
  return {
    update(done, items) {
      last = [done, items];
      if (now() - lastLine >= intervalMs) {
        lastLine = now();
        line(done, items);
      }
    },
    stop() {
      line(...last);
    },
  };
}
