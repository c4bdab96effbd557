/**
 * `npm run bench:audit`: what the audit entry costs the store alone, without HTTP, on the SQLite
 * driver. One process, one store on a fresh file seeded like `npm run bench` (one tenant, app and
 * status; `--users` users), driven as the batch load drives it: 24 calls in each event-loop turn
 * (one group commit), batch_open then batch_close of 50 users each, as 50 open_ids. Each round runs
 * the same calls three ways, in a rotated order: with no entry, with a header-only entry (no users
 * nor results), and with the full entry the service writes (its users and per-user results). It
 * prints the CPU time per call of the whole process (main thread and checkpoint worker, user +
 * system: what is left of a call's cost when other work shares the machine) and the wall time, the
 * medians of the rounds, and each as a ratio of no entry. Writes nothing.
 *
 *   npm run bench:audit
 *   npm run bench:audit -- --rounds 9 --turns 200 --users 2000
 */
import { cpuUsage } from "node:process";
import { parseArgs } from "node:util";
import type { AuditEntry } from "../src/domain/audit.js";
import { snapshotOf } from "../src/domain/model.js";
import { openStore } from "../src/server.js";
import { APP_ID, freshDb, openIdOf, seed, TENANT_KEY, userId } from "./seed.js";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "7" },
    turns: { type: "string", default: "150" },
    users: { type: "string", default: "2000" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  process.stdout.write("npm run bench:audit -- [--rounds 7] [--turns 150] [--users 2000]\n");
  process.exit(0);
}
const num = (name: string, text: string, min: number) => {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name} must be an integer of at least ${min}, got "${text}"`);
  return n;
};
const rounds = num("rounds", values.rounds as string, 1);
const turns = num("turns", values.turns as string, 1);
const users = num("users", values.users as string, 24 * 50);
const BATCH = 50;
const PER_TURN = 24;

type Mode = "none" | "header" | "full";
const MODES: Mode[] = ["none", "header", "full"];

const db = await freshDb("sqlite", undefined);
try {
  const seeded = await seed(db.url, users);
  const store = openStore({ db: db.url, dbPool: 1 });
  await store.migrate();
  const status = await store.getStatus(TENANT_KEY, seeded.statusId, false);
  if (!status) throw new Error("the seeded status is missing");
  const snap = snapshotOf(status);
  // Each call's users: their employee ids and the open_ids a caller sends (computed once: the
  // service has both from the request and the resolution, so neither is part of the entry's cost).
  const slices = Array.from({ length: PER_TURN }, (_, k) => {
    const idx = Array.from({ length: BATCH }, (_, i) => (k * BATCH + i) % users);
    return { ids: idx.map(userId), openIds: idx.map(openIdOf) };
  });
  let now = Date.now();
  const entryOf = (
    mode: Mode,
    op: string,
    slice: (typeof slices)[number],
    result: string,
    endTime?: string,
  ): AuditEntry | undefined => {
    if (mode === "none") return undefined;
    const head: AuditEntry = {
      at_ms: now,
      tenant_key: TENANT_KEY,
      actor: "app",
      app_id: APP_ID,
      op,
      system_status_id: seeded.statusId,
      log_id: `${now}`.padEnd(32, "0"),
    };
    if (mode === "header") return head;
    return {
      ...head,
      users: slice.ids,
      results: slice.openIds.map((user_id) => (endTime ? { user_id, result, end_time: endTime } : { user_id, result })),
    };
  };
  /** `turns` turns of PER_TURN calls (alternately opens and closes), awaited turn by turn. */
  const run = async (mode: Mode): Promise<{ cpuUs: number; wallUs: number }> => {
    const cpu0 = cpuUsage();
    const t0 = performance.now();
    for (let t = 0; t < turns; t++) {
      now += 1;
      const open = t % 2 === 0;
      const endS = Math.floor(now / 1000) + 3600;
      await Promise.all(
        slices.map((slice) =>
          open
            ? store.openUserStatuses(
                TENANT_KEY,
                seeded.statusId,
                snap,
                slice.ids.map((user_id) => ({ user_id, end_time: endS })),
                APP_ID,
                now,
                () => entryOf(mode, "system_status.batch_open", slice, "success_show", String(endS)),
              )
            : store.closeUserStatuses(TENANT_KEY, seeded.statusId, slice.ids, now, () =>
                entryOf(mode, "system_status.batch_close", slice, "success"),
              ),
        ),
      );
    }
    const calls = turns * PER_TURN;
    const c = cpuUsage(cpu0);
    return { cpuUs: (c.user + c.system) / calls, wallUs: ((performance.now() - t0) * 1000) / calls };
  };
  for (const m of MODES) await run(m); // warm-up: every user has its rows, every statement is prepared
  const seen = new Map<Mode, Array<{ cpuUs: number; wallUs: number }>>(MODES.map((m) => [m, []]));
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < MODES.length; k++) {
      const m = MODES[(k + r) % MODES.length] as Mode;
      seen.get(m)?.push(await run(m));
    }
    process.stderr.write(
      `[audit] round ${r + 1}/${rounds}: ${MODES.map((m) => `${m} ${Math.round(seen.get(m)?.at(-1)?.cpuUs ?? 0)} µs`).join(", ")} CPU a call\n`,
    );
  }
  await store.close();
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number;
  const base = seen.get("none") as Array<{ cpuUs: number; wallUs: number }>;
  const baseCpu = median(base.map((x) => x.cpuUs));
  const baseWall = median(base.map((x) => x.wallUs));
  process.stdout.write(
    `sqlite, ${users} users, ${rounds} rounds × ${turns} turns × ${PER_TURN} calls of ${BATCH} users (opens and closes)\n`,
  );
  for (const m of MODES) {
    const v = seen.get(m) as Array<{ cpuUs: number; wallUs: number }>;
    const cpu = median(v.map((x) => x.cpuUs));
    const wall = median(v.map((x) => x.wallUs));
    process.stdout.write(
      `${m.padEnd(6)}: CPU ${cpu.toFixed(1)} µs a call (${(cpu / baseCpu).toFixed(3)} of none), wall ${wall.toFixed(1)} µs (${(wall / baseWall).toFixed(3)})\n`,
    );
  }
} finally {
  await db.drop();
}
process.exit(0);
