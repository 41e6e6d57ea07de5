// Crash points for tests, as etcd's gofail or TiKV's fail-rs provide: with
// BRAID_INGEST_FAILPOINTS="after_insert=3" the process kills itself with SIGKILL the 3rd time it
// reaches `after_insert`, so a test can crash ingest at an exact step of storing a range and check
// that the restart stores every item exactly once. Unset (always, outside tests), they cost nothing.
//
//   after_planned       the plan is committed, nothing inserted (the replay inserts the range)
//   after_insert        rows inserted, the plan still committed (the replay must be dropped by the token)
//   after_dead_letters  rows and dead letters in, last+1 not committed (same, dead letters sent again)
//   after_split_part    a rejected insert is being split: one part of it is stored, others not yet
export type Failpoint = "after_planned" | "after_insert" | "after_dead_letters" | "after_split_part";

export type FailpointHook = (point: Failpoint) => void;

export function failpointsFromEnv(env: NodeJS.ProcessEnv = process.env): FailpointHook | undefined {
  const spec = env.BRAID_INGEST_FAILPOINTS;
  if (!spec) return undefined;
  const remaining = new Map<string, number>();
  for (const part of spec.split(",")) {
    const [name, count] = part.split("=");
    if (name) remaining.set(name.trim(), Number(count ?? 1));
  }
  return (point) => {
    const left = remaining.get(point);
    if (left === undefined) return;
    if (left <= 1) process.kill(process.pid, "SIGKILL");
    remaining.set(point, left - 1);
  };
}
