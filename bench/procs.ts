/**
 * Child processes of the benchmark: larkstatus (from the built dist/), the ceiling server and
 * `npm start`. Every child is registered so it is stopped on every exit path (normal end, error,
 * SIGINT/SIGTERM); RSS is sampled from /proc/<pid>/status.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "..");

const live = new Set<ChildProcess>();
const handles = new Set<Child>();

/** Stops every child still running: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopAllChildren(graceMs = 5000): Promise<void> {
  await Promise.all([...handles].map((c) => c.stop(graceMs)));
}

/** Sends SIGKILL to every child still running (synchronous: usable from process.on("exit")). */
export function killAllChildrenNow(): void {
  for (const c of live) {
    if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) {
      try {
        // Children are spawned detached (own process group) so npm's own child goes too.
        process.kill(-c.pid, "SIGKILL");
      } catch {
        c.kill("SIGKILL");
      }
    }
  }
  live.clear();
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** ms (performance.now()) when spawned. */
  spawnedAt: number;
  output(): string;
  /** Resolves with the URL of the `listening on` line and the ms from spawn to it. */
  listening: Promise<{ url: string; ms: number }>;
  /** SIGTERM (to the process group), SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<number | null>;
}

export function spawnChild(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Child {
  const spawnedAt = performance.now();
  const proc = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  if (proc.pid === undefined) throw new Error(`cannot spawn ${cmd}`);
  live.add(proc);
  const exited = new Promise<number | null>((resolve) => {
    proc.once("exit", (code) => {
      live.delete(proc);
      resolve(code);
    });
  });
  let out = "";
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  proc.stdout?.on("data", keep);
  proc.stderr?.on("data", keep);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const listening = new Promise<{ url: string; ms: number }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${cmd} ${args.join(" ")} did not start in ${timeoutMs} ms:\n${out}`)),
      timeoutMs,
    );
    const check = () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        proc.stdout?.off("data", check);
        resolve({ url: m[1] as string, ms: performance.now() - spawnedAt });
      }
    };
    proc.stdout?.on("data", check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} ${args.join(" ")} exited with ${code} before listening:\n${out}`));
    });
  });
  listening.catch(() => {}); // observed by callers; never an unhandled rejection
  const pid = proc.pid;
  const child: Child = {
    proc,
    pid,
    spawnedAt,
    output: () => out,
    listening,
    async stop(graceMs = 10_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      const signal = (s: NodeJS.Signals) => {
        try {
          process.kill(-pid, s);
        } catch {
          proc.kill(s);
        }
      };
      signal("SIGTERM");
      const timer = setTimeout(() => signal("SIGKILL"), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  handles.add(child);
  void exited.then(() => handles.delete(child));
  return child;
}

/**
 * The arguments of a built server: `<root>/dist/main.js serve --port P --db URL --rate-limit off
 * --log-level L [extra...]` (root: this checkout unless given; L: warn unless given).
 */
export function serveArgs(
  db: string,
  opts: { root?: string; port?: number; logLevel?: string; extra?: string[] } = {},
): string[] {
  return [
    join(opts.root ?? ROOT, "dist", "main.js"),
    "serve",
    "--port",
    String(opts.port ?? 0),
    "--db",
    db,
    "--rate-limit",
    "off",
    "--log-level",
    opts.logLevel ?? "warn",
    ...(opts.extra ?? []),
  ];
}

/** The built server: `node [nodeArgs] dist/main.js serve --port P --db URL --rate-limit off --log-level warn`. */
export function spawnLarkstatus(db: string, port = 0, nodeArgs: string[] = []): Child {
  return spawnChild(process.execPath, [...nodeArgs, ...serveArgs(db, { port })]);
}

/** The ceiling server, from source through tsx, in its own process. */
export function spawnCeiling(): Child {
  return spawnChild(process.execPath, ["--import", "tsx", join(ROOT, "bench", "ceiling.ts"), "--port", "0"]);
}

/** `npm start -- serve ...`, with the npm that runs this script when there is one. */
export function spawnNpmStart(db: string, port: number): Child {
  const args = ["start", "--", "serve", "--port", String(port), "--db", db, "--rate-limit", "off", "--log-level", "warn"];
  const npmCli = process.env.npm_execpath;
  return npmCli && /\.c?js$/.test(npmCli) ? spawnChild(process.execPath, [npmCli, ...args]) : spawnChild("npm", args);
}

/** A port that was free a moment ago (for start-up timing, where we poll before the banner). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** `/proc/PID/<file>` of a process; undefined once it is gone. */
function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, "utf8");
  } catch {
    return undefined;
  }
}

/** VmRSS and VmHWM (peak) of a process, in bytes; undefined once it is gone. */
export function readRss(pid: number): { rss: number; hwm: number } | undefined {
  const text = readProc(pid, "status");
  if (text === undefined) return undefined;
  const kb = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text);
    return m ? Number(m[1]) * 1024 : 0;
  };
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

/**
 * CPU time a process has used so far (user + system, every thread: the checkpoint worker too), in
 * ms; undefined once it is gone. A second view of a request's cost beside requests per second:
 * another process's load on a shared machine stretches the wall clock more than it inflates this.
 */
export function readCpuMs(pid: number): number | undefined {
  const text = readProc(pid, "stat");
  if (text === undefined) return undefined;
  // Fields after the command name (which may hold spaces, so split after its closing paren):
  // state is field 3, utime 14 and stime 15, in clock ticks.
  const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS_PER_S;
}

/**
 * Bytes a process has handed to write(2) and friends so far (`wchar` of /proc/PID/io: the WAL, the
 * checkpoints, the sockets); undefined once it is gone.
 */
export function readWrittenBytes(pid: number): number | undefined {
  const text = readProc(pid, "io");
  if (text === undefined) return undefined;
  return Number(/^wchar: (\d+)/m.exec(text)?.[1] ?? Number.NaN);
}

/** USER_HZ: the unit of /proc/PID/stat's times (100 on every Linux this runs on). */
const CLOCK_TICKS_PER_S = 100;

/** Samples a child's RSS every `everyMs`; `peak()` is the largest VmHWM seen (the kernel's own peak). */
export class RssSampler {
  private timer: NodeJS.Timeout;
  private maxRss = 0;
  private maxHwm = 0;
  private samples = 0;

  constructor(
    private readonly pid: number,
    everyMs = 250,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  sample(): void {
    const r = readRss(this.pid);
    if (!r) return;
    this.samples++;
    this.maxRss = Math.max(this.maxRss, r.rss);
    this.maxHwm = Math.max(this.maxHwm, r.hwm);
  }

  /** Stops sampling (takes one last sample first). */
  stop(): { peakRssBytes: number; maxSampledRssBytes: number; samples: number } {
    this.sample();
    clearInterval(this.timer);
    return { peakRssBytes: Math.max(this.maxHwm, this.maxRss), maxSampledRssBytes: this.maxRss, samples: this.samples };
  }
}
