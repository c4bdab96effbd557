/**
 * `npm run bench:secrets`: what a flood of wrong secrets for one app costs the token requests of
 * other apps. Starts the built server on a fresh SQLite file with S+1 "flooded" apps and 3×S other
 * apps (secrets hashed at the production scrypt cost), then times other apps' FIRST token request
 * (uncached: it costs one scrypt check), each app once:
 *
 * - quiet: nothing else running;
 * - burst: right after C wrong secrets were sent at once for a flooded app (a fresh one per sample,
 *   so each burst meets an app with no back-off yet; the burst is answered before the next sample);
 * - sustained: while C clients send wrong secrets for one flooded app in a closed loop;
 * - sustained, no hash: the same closed loop with an unknown app_id (10003, never hashed), so the
 *   cost of the flood's HTTP traffic alone: what "sustained" costs beyond it is hashing.
 *
 * Each wrong secret is new, so nothing is coalesced or cached. For comparison in the same run,
 * "unbounded" repeats the burst measurement in this process with scrypt called straight on libuv's
 * pool, as the token endpoints did before the verifier (src/domain/secret-verifier.ts).
 *
 * Options: --samples S (10), --flood C (64), --json (print the result object only).
 * Other apps: 4×S, each asked once.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { hashSecret, unlockSecret } from "../src/domain/secrets.js";
import { BenchFailure, call } from "./load.js";
import { killAllChildrenNow, ROOT, spawnChild, stopAllChildren } from "./procs.js";

const TENANT = "f1f1f1f1f1f1f1f1";
const TOKEN_PATH = "/open-apis/auth/v3/tenant_access_token/internal";

interface Options {
  samples: number;
  flood: number;
  json: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { samples: 10, flood: 64, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) throw new BenchFailure(`${a} needs a positive integer`);
      return v;
    };
    if (a === "--samples") o.samples = num();
    else if (a === "--flood") o.flood = num();
    else if (a === "--json") o.json = true;
    else if (a === "--help") {
      process.stdout.write("npm run bench:secrets -- [--samples S] [--flood C] [--json]\n");
      process.exit(0);
    } else throw new BenchFailure(`unknown option ${a}`);
  }
  return o;
}

const floodedApp = (i: number) => `cli_${(0xf0000000 + i).toString(16).padStart(16, "0")}`;
const otherApp = (i: number) => `cli_${(0xa0000000 + i).toString(16).padStart(16, "0")}`;
const otherSecret = (i: number) => `other-secret-${i}`;

function stats(ms: number[]): { median: number; p90: number; max: number; n: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
  const r = (x: number) => Math.round(x * 10) / 10;
  return { median: r(at(0.5)), p90: r(at(0.9)), max: r(s[s.length - 1] as number), n: s.length };
}

async function firstToken(base: string, i: number): Promise<number> {
  const t = performance.now();
  const r = await call(base, "POST", TOKEN_PATH, { app_id: otherApp(i), app_secret: otherSecret(i) });
  const ms = performance.now() - t;
  if (r.status !== 200 || r.json.code !== 0)
    throw new BenchFailure(`token for ${otherApp(i)}: HTTP ${r.status} ${JSON.stringify(r.json)}`);
  return ms;
}

let wrongSeq = 0;

function wrongSecret(base: string, appId: string): Promise<number> {
  return fetch(`${base}${TOKEN_PATH}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ app_id: appId, app_secret: `wrong-${++wrongSeq}` }),
  }).then(async (res) => ((await res.json()) as { code: number }).code);
}

/** C closed-loop clients sending wrong secrets for `appId` until stopped. */
function startFlood(base: string, appId: string, clients: number) {
  let running = true;
  let n = 0;
  const codes = new Map<number, number>();
  const loops = Array.from({ length: clients }, async () => {
    while (running) {
      n++;
      const code = await wrongSecret(base, appId);
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
  });
  const started = performance.now();
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      const seconds = (performance.now() - started) / 1000;
      return { seconds: Math.round(seconds * 10) / 10, requests: n, codes: Object.fromEntries(codes) };
    },
  };
}

/** The pre-verifier path: scrypt straight on libuv's pool, one check alone vs one after `flood` in flight. */
async function unbounded(samples: number, flood: number): Promise<{ quiet: number[]; flooded: number[] }> {
  const stored = await hashSecret("right");
  const check = async (secret: string) => {
    const t = performance.now();
    await unlockSecret(secret, stored);
    return performance.now() - t;
  };
  const quiet: number[] = [];
  const flooded: number[] = [];
  for (let i = 0; i < samples; i++) quiet.push(await check("right"));
  for (let i = 0; i < Math.min(samples, 3); i++) {
    const wrong = Array.from({ length: flood }, (_, k) => unlockSecret(`wrong-${k}`, stored));
    flooded.push(await check("right"));
    await Promise.all(wrong);
  }
  return { quiet, flooded };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), "larkstatus-bench-secrets-"));
  try {
    const entry = (id: string, secret: string) =>
      `      - { app_id: "${id}", app_secret: "${secret}", scopes: ["personal_settings:status:system_status_update"] }`;
    const apps = [
      ...Array.from({ length: o.samples + 1 }, (_, i) => entry(floodedApp(i), "the-real-secret")),
      ...Array.from({ length: 4 * o.samples }, (_, i) => entry(otherApp(i), otherSecret(i))),
    ];
    const seed = join(dir, "seed.yaml");
    writeFileSync(seed, `tenants:\n  - tenant_key: "${TENANT}"\n    name: Flood\n    apps:\n${apps.join("\n")}\n`);
    const server = spawnChild(
      process.execPath,
      [join(ROOT, "dist", "main.js"), "serve", "--port", "0", "--db", `sqlite:${join(dir, "data", "bench.db")}`],
      { env: { LARKSTATUS_SEED: seed, LARKSTATUS_RATE_LIMIT: "off", LARKSTATUS_LOG_LEVEL: "warn" }, timeoutMs: 120_000 },
    );
    const { url } = await server.listening;
    // Warm-up: one request through the whole server (JIT, first connection).
    await call(url, "POST", TOKEN_PATH, { app_id: floodedApp(o.samples), app_secret: "the-real-secret" });
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

    const quiet: number[] = [];
    for (let i = 0; i < o.samples; i++) quiet.push(await firstToken(url, i));

    const burst: number[] = [];
    const burstCodes = new Map<number, number>();
    for (let i = 0; i < o.samples; i++) {
      const wrong = Array.from({ length: o.flood }, () => wrongSecret(url, floodedApp(i)));
      await pause(100); // the burst reaches the server first
      burst.push(await firstToken(url, o.samples + i));
      for (const code of await Promise.all(wrong)) burstCodes.set(code, (burstCodes.get(code) ?? 0) + 1);
    }

    const flood = startFlood(url, floodedApp(o.samples), o.flood);
    await pause(500);
    const sustained: number[] = [];
    for (let i = 2 * o.samples; i < 3 * o.samples; i++) {
      sustained.push(await firstToken(url, i));
      await pause(50);
    }
    const floodStats = await flood.stop();

    const noise = startFlood(url, "cli_0000000000000000", o.flood);
    await pause(500);
    const unhashed: number[] = [];
    for (let i = 3 * o.samples; i < 4 * o.samples; i++) {
      unhashed.push(await firstToken(url, i));
      await pause(50);
    }
    const noiseStats = await noise.stop();
    await server.stop();

    const before = await unbounded(o.samples, o.flood);
    const q = stats(quiet);
    const b = stats(burst);
    const f = stats(sustained);
    const u = stats(unhashed);
    const bq = stats(before.quiet);
    const bf = stats(before.flooded);
    const ratio = (x: number, y: number) => Math.round((x / y) * 10) / 10;
    const result = {
      what: "another app's first token request (one scrypt check at N=16384), ms",
      machine: { cpus: cpus().length, node: process.version },
      options: o,
      server: {
        quiet: q,
        burst: { ...b, ratio: ratio(b.median, q.median), answers: Object.fromEntries(burstCodes) },
        sustained: { ...f, ratio: ratio(f.median, q.median), floodTraffic: floodStats },
        sustainedUnhashed: { ...u, ratio: ratio(u.median, q.median), floodTraffic: noiseStats },
      },
      unbounded: { quiet: bq, burst: { ...bf, ratio: ratio(bf.median, bq.median) } },
      burstUnboundedOverServer: ratio(bf.median, b.median),
    };
    if (o.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return;
    }
    const line = (label: string, s: ReturnType<typeof stats>) =>
      `  ${label.padEnd(38)} median ${String(s.median).padStart(7)}  p90 ${String(s.p90).padStart(7)}  max ${String(s.max).padStart(7)}  (n=${s.n})`;
    process.stdout.write(
      [
        `another app's first token request, ms (${o.flood} flooding clients, ${cpus().length} CPUs, node ${process.version})`,
        "larkstatus (verifier):",
        line("quiet", q),
        line(`after a burst of ${o.flood} wrong secrets`, b),
        `  burst/quiet ${result.server.burst.ratio}×; burst answers by code ${JSON.stringify(result.server.burst.answers)}`,
        line(`under ${o.flood} closed-loop flooders`, f),
        `  sustained/quiet ${result.server.sustained.ratio}×; the flood sent ${floodStats.requests} requests in ${floodStats.seconds} s, answers by code ${JSON.stringify(floodStats.codes)}`,
        line(`under ${o.flood} flooders of an unknown app`, u),
        `  (never hashed: the flood's HTTP traffic alone) ${result.server.sustainedUnhashed.ratio}×; ${noiseStats.requests} requests in ${noiseStats.seconds} s, answers by code ${JSON.stringify(noiseStats.codes)}`,
        "unbounded (scrypt straight on libuv's pool, as before the verifier; in this process):",
        line("quiet", bq),
        line(`after a burst of ${o.flood} wrong checks`, bf),
        `  burst/quiet ${result.unbounded.burst.ratio}×`,
        `after a burst: unbounded ${bf.median} ms vs larkstatus ${b.median} ms (median), ${result.burstUnboundedOverServer}×`,
        "",
      ].join("\n"),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.on("exit", killAllChildrenNow);
main().then(
  async () => {
    await stopAllChildren();
  },
  async (e: unknown) => {
    await stopAllChildren();
    process.stderr.write(`bench:secrets: ${e instanceof BenchFailure ? e.message : ((e as Error).stack ?? String(e))}\n`);
    process.exit(1);
  },
);
