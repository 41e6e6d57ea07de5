// How numbers and times read on the page: durations in the unit that fits, local times, rates.

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  const abs = Math.abs(ms);
  if (abs === 0) return "0 ms";
  if (abs < 0.001) return `${Math.round(ms * 1e6)} ns`;
  if (abs < 1) return `${trim(ms * 1000)} µs`;
  if (abs < 1000) return `${trim(ms)} ms`;
  if (abs < 60_000) return `${trim(ms / 1000)} s`;
  const totalSeconds = Math.round(abs / 1000);
  const sign = ms < 0 ? "-" : "";
  if (totalSeconds < 3600) return `${sign}${Math.floor(totalSeconds / 60)}m ${totalSeconds % 60}s`;
  const hours = Math.floor(totalSeconds / 3600);
  if (hours < 48) return `${sign}${hours}h ${Math.floor((totalSeconds % 3600) / 60)}m`;
  return `${sign}${Math.floor(hours / 24)}d ${hours % 24}h`;
}

export const formatNs = (ns: number | string) => formatMs(Number(ns) / 1e6);

/** Three significant digits at most, no trailing zeros. */
function trim(value: number): string {
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return String(Number(value.toFixed(digits)));
}

export function formatPercent(ratio: number | null | undefined, digits = 1): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return "–";
  if (ratio > 0 && ratio < 0.001) return "<0.1%";
  return `${Number((ratio * 100).toFixed(digits))}%`;
}

export function formatRate(perSecond: number): string {
  if (perSecond >= 100) return `${Math.round(perSecond)}/s`;
  if (perSecond >= 1) return `${Number(perSecond.toFixed(1))}/s`;
  if (perSecond > 0) return `${Number((perSecond * 60).toFixed(1))}/min`;
  return "0/s";
}

export function formatCount(n: number): string {
  if (n >= 1e6) return `${Number((n / 1e6).toFixed(1))}M`;
  if (n >= 1e4) return `${Number((n / 1e3).toFixed(1))}k`;
  return String(n);
}

/** A time the API gives as ISO-8601, ClickHouse text ("2026-01-01 10:00:00.123456789", UTC) or epoch ms. */
export function toDate(value: string | number): Date {
  if (typeof value === "number") return new Date(value);
  if (/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/.test(value)) {
    const [date, time] = value.split(" ");
    return new Date(`${date}T${time!.slice(0, 12)}Z`);
  }
  // Nanoseconds since the epoch (TimestampNs): to milliseconds without losing precision to a float.
  if (/^\d{16,19}$/.test(value)) return new Date(Number(value.slice(0, -6)));
  return new Date(value);
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** Local time; the date too when it is not today. */
export function formatTime(value: string | number | Date, withMs = false): string {
  const date = value instanceof Date ? value : toDate(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}${withMs ? `.${pad(date.getMilliseconds(), 3)}` : ""}`;
  const today = new Date();
  const sameDay = date.getFullYear() === today.getFullYear() && date.getMonth() === today.getMonth() && date.getDate() === today.getDate();
  return sameDay ? time : `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${time}`;
}

export function formatDateTime(value: string | number | Date): string {
  const date = value instanceof Date ? value : toDate(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export function formatAgo(value: string | number | Date, now = Date.now()): string {
  const date = value instanceof Date ? value : toDate(value);
  const ms = now - date.getTime();
  if (ms < 5000) return "just now";
  return `${formatMs(ms).replace(/ s$/, "s")} ago`;
}

/** Value for <input type="datetime-local"> in local time. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
