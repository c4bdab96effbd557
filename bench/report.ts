/**
 * The result file format and the generated docs: docs/performance.md (the newest result per
 * driver found in bench/results/) and docs/performance.svg (a hand-written SVG chart).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { LatencySummary, LoadResult } from "./load.js";

export interface StartupRun {
  listeningMs: number;
  healthzMs: number;
}

export interface TargetCheck {
  name: string;
  measured: string;
  /** null: not measured in this run. */
  met: boolean | null;
}

interface Summary {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
}

export interface BenchResult {
  schema: 1;
  driver: "sqlite" | "postgres";
  date: string;
  startedAt: string;
  finishedAt: string;
  quick: boolean;
  options: {
    users: number;
    durationS: number;
    rounds: number;
    connections: number;
    scaling: number[];
    scalingRate: number;
    tag?: string | null;
    scalingDurationS: number;
    warmupS: number;
    pairsPerCycle: number;
    usersPerBatch: number;
  };
  machine: {
    cpu: string;
    cores: number;
    totalMemGb: number;
    os: string;
    node: string;
    loadAvgStart: number[];
    loadAvgEnd: number[];
  };
  versions: Record<string, string>;
  git: { commit: string; short: string; dirty: boolean; srcDirty: boolean; srcDiffStat?: string };
  population: { users: number; seedSeconds: number; seedUsersPerSecond: number };
  plan: string;
  rounds: Array<{ round: number; larkstatus: LoadResult; ceiling: LoadResult; ratio: number }>;
  summary: { larkstatus: Summary; ceiling: Summary; ratio: number; ratioMedianOfRounds: number };
  rss: { throughputPeakMb: number; followUpPeakMb: number; ceilingPeakMb: number };
  /** `ceilingPaced`: the ceiling under the same paced load (absent in results before 2026-11-24). */
  halfRate: { targetRps: number; paced: LoadResult; autocannon: LoadResult; ceilingPaced?: LoadResult };
  token: LoadResult & { sameToken: boolean };
  createList: {
    iterations: number;
    seconds: number;
    create: LatencySummary;
    list: LatencySummary;
    delete: LatencySummary;
    errors: number;
  };
  startup: {
    users: number;
    node: { runs: StartupRun[]; medianListeningMs: number; medianHealthzMs: number };
    npm: StartupRun;
  };
  scaling: {
    rate: number;
    durationS: number;
    rows: Array<{
      users: number;
      seedSeconds: number;
      startupHealthzMs: number;
      paced: LoadResult;
      closed: LoadResult;
      peakRssMb: number;
      plan: string;
    }>;
    p50Growth: number | null;
  };
  targets: TargetCheck[];
}

const DRIVER_NAME: Record<BenchResult["driver"], string> = { sqlite: "SQLite", postgres: "PostgreSQL" };
const DRIVER_COLOR: Record<BenchResult["driver"], string> = { sqlite: "#2563eb", postgres: "#0f9d58" };
const CEILING_COLOR = "#9ca3af";

/** A result with the file it was read from. */
export type LoadedResult = BenchResult & { file: string };

/** Every non-quick result in `dir`. */
function loadResults(dir: string): LoadedResult[] {
  const out: LoadedResult[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith(".json"))) {
    try {
      const r = JSON.parse(readFileSync(join(dir, f), "utf8")) as BenchResult;
      if (r.schema === 1 && !r.quick) out.push({ ...r, file: f });
    } catch {
      // not a result file
    }
  }
  return out;
}

const largestPopulation = (r: BenchResult) => Math.max(0, ...r.scaling.rows.map((x) => x.users));

/**
 * Per driver (SQLite first): the newest result, and the newest result whose scaling reached a
 * larger population than that one's, if any (e.g. a `--scaling ...,1000000` run kept next to a
 * default run); the page shows the newest and borrows the wider scaling from the other.
 */
export function latestPerDriver(dir: string): Array<{ latest: LoadedResult; widerScaling?: LoadedResult }> {
  const all = loadResults(dir).sort((a, b) => (a.finishedAt < b.finishedAt ? 1 : -1));
  return (["sqlite", "postgres"] as const).flatMap((d) => {
    const mine = all.filter((r) => r.driver === d);
    const latest = mine[0];
    if (!latest) return [];
    const wider = mine.find((r) => largestPopulation(r) > largestPopulation(latest));
    return [wider ? { latest, widerScaling: wider } : { latest }];
  });
}

const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : "–");
const int = (x: number) => Math.round(x).toLocaleString("en-US");
const mark = (m: boolean | null) => (m === null ? "not measured" : m ? "✅ met" : "❌ missed");

/** "SQLite 3.x" / "PostgreSQL 15.x" (older results stored PostgreSQL's bare server_version). */
function dbName(r: BenchResult): string {
  const v = r.versions.database ?? "?";
  return r.driver === "postgres" && !v.startsWith("PostgreSQL") ? `PostgreSQL ${v}` : v;
}

function scalingTable(r: BenchResult): string[] {
  const L: string[] = [];
  L.push(
    `A fresh database per population and a ${r.scaling.durationS} s warm-up${r.driver === "postgres" ? " (then ANALYZE)" : ""}; ` +
      `batch_open/batch_close evenly paced at ${r.scaling.rate} req/s for ${r.scaling.durationS} s ` +
      `(latency from the due time), then closed-loop throughput for ${r.scaling.durationS} s; users spread over the whole population.`,
  );
  L.push("");
  L.push("| users | seed | start-up (→ /healthz 200) | p50 (ms) | p99 (ms) | closed-loop req/s | peak RSS |");
  L.push("|---:|---:|---:|---:|---:|---:|---:|");
  for (const x of r.scaling.rows) {
    L.push(
      `| ${int(x.users)} | ${fmt(x.seedSeconds, 1)} s | ${int(x.startupHealthzMs)} ms | ${fmt(x.paced.latency.p50)} | ${fmt(x.paced.latency.p99)} | ${int(x.closed.rps)} | ${fmt(x.peakRssMb, 1)} MB |`,
    );
  }
  L.push("");
  L.push(
    r.scaling.p50Growth === null
      ? "One population only: flatness not assessed."
      : `p50 grows ${fmt(r.scaling.p50Growth)}× from the smallest to the largest population: ${r.scaling.p50Growth <= 1.5 ? "flat (≤ 1.5×)" : "NOT flat (> 1.5×)"}.`,
  );
  return L;
}

function resultSection(r: LoadedResult, wider?: LoadedResult): string {
  const s = r.summary;
  const L: string[] = [];
  L.push(
    `## ${DRIVER_NAME[r.driver]}: ${r.date}, commit \`${r.git.short}\`${r.git.srcDirty ? " (with uncommitted changes in src/)" : ""}`,
  );
  L.push("");
  L.push(
    `Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.totalMemGb} GB RAM, ${r.machine.os}, Node ${r.machine.node}; ` +
      `${dbName(r)}. Load average at start ${r.machine.loadAvgStart.join(" / ")}, at end ${r.machine.loadAvgEnd.join(" / ")}` +
      " (the machine is shared, so absolute numbers are noisy; the ratio comes from alternating rounds in one run).",
  );
  L.push("");
  L.push(
    `Population ${int(r.population.users)} users (seeded in ${fmt(r.population.seedSeconds, 1)} s); ${r.options.connections} connections; ` +
      `${r.options.rounds} alternating rounds of ${r.options.durationS} s after a ${r.options.warmupS} s warm-up; each request is a batch_open or ` +
      `batch_close of ${r.options.usersPerBatch} users. ${r.plan}.`,
  );
  L.push("");
  L.push("| target | throughput (req/s) | p50 (ms) | p99 (ms) | errors | ratio |");
  L.push("|---|---:|---:|---:|---:|---:|");
  L.push(
    `| larkstatus (${DRIVER_NAME[r.driver]}) | ${int(s.larkstatus.rps)} | ${fmt(s.larkstatus.p50)} | ${fmt(s.larkstatus.p99)} | ${s.larkstatus.errors} | **${fmt(s.ratio, 3)}** |`,
  );
  L.push(
    `| ceiling (bare Fastify) | ${int(s.ceiling.rps)} | ${fmt(s.ceiling.p50)} | ${fmt(s.ceiling.p99)} | ${s.ceiling.errors} | 1.00 |`,
  );
  L.push("");
  L.push(
    `Medians over rounds. Per round (larkstatus / ceiling req/s): ${r.rounds
      .map((x) => `${int(x.larkstatus.rps)} / ${int(x.ceiling.rps)} (${fmt(x.ratio, 3)})`)
      .join("; ")}. ` + `Users changed per second by larkstatus: ${int(s.larkstatus.rps * r.options.usersPerBatch)}.`,
  );
  L.push("");
  L.push("| measurement | result |");
  L.push("|---|---|");
  L.push(
    `| peak RSS of larkstatus (VmHWM) | ${fmt(r.rss.throughputPeakMb, 1)} MB in the throughput rounds, ${fmt(r.rss.followUpPeakMb, 1)} MB in the follow-up process (ceiling: ${fmt(r.rss.ceilingPeakMb, 1)} MB) |`,
  );
  const hp = r.halfRate.paced;
  const ha = r.halfRate.autocannon;
  L.push(
    `| half the peak rate, ${int(r.halfRate.targetRps)} req/s, evenly paced | p50 ${fmt(hp.latency.p50)} ms, p99 ${fmt(hp.latency.p99)} ms ` +
      `(from the due time; from the send: p50 ${fmt(hp.serviceLatency?.p50 ?? Number.NaN)}, p99 ${fmt(hp.serviceLatency?.p99 ?? Number.NaN)}); achieved ${int(hp.rps)} req/s |`,
  );
  const cp = r.halfRate.ceilingPaced;
  if (cp) {
    L.push(
      `| the ceiling at the same rate, evenly paced (what the machine and client alone give) | p50 ${fmt(cp.latency.p50)} ms, p99 ${fmt(cp.latency.p99)} ms; achieved ${int(cp.rps)} req/s |`,
    );
  }
  L.push(
    `| half the peak rate, autocannon \`overallRate\` (per-second bursts) | p50 ${fmt(ha.latency.p50)} ms, p99 ${fmt(ha.latency.p99)} ms; achieved ${int(ha.rps)} req/s |`,
  );
  L.push(
    `| token issuance (tenant_access_token/internal, ${r.token.connections} connections) | ${int(r.token.rps)} req/s, p50 ${fmt(r.token.latency.p50)} ms, p99 ${fmt(r.token.latency.p99)} ms; ` +
      `${r.token.sameToken ? "the same token every time (same app, ≥ 30 min left)" : "a new token was issued during the run"} |`,
  );
  const cl = r.createList;
  L.push(
    `| create + list + delete, sequential, ${cl.iterations} loops | create p50 ${fmt(cl.create.p50)} / p99 ${fmt(cl.create.p99)} ms; ` +
      `list p50 ${fmt(cl.list.p50)} / p99 ${fmt(cl.list.p99)} ms; delete p50 ${fmt(cl.delete.p50)} / p99 ${fmt(cl.delete.p99)} ms |`,
  );
  L.push(
    `| start-up, \`node dist/main.js\` on the existing database (${int(r.startup.users)} users), median of ${r.startup.node.runs.length} | ` +
      `${int(r.startup.node.medianListeningMs)} ms to the \`listening\` line, ${int(r.startup.node.medianHealthzMs)} ms to the first 200 from /healthz |`,
  );
  L.push(
    `| start-up, \`npm start\` (once; npm adds its own start-up) | ${int(r.startup.npm.listeningMs)} ms to \`listening\`, ${int(r.startup.npm.healthzMs)} ms to /healthz 200 |`,
  );
  L.push("");
  L.push("### Targets");
  L.push("");
  L.push("| target | measured | |");
  L.push("|---|---|---|");
  for (const t of r.targets) {
    // A target this run could not assess may have been assessed by the wider scaling run.
    const other = t.met === null && wider ? wider.targets.find((x) => x.name === t.name && x.met !== null) : undefined;
    if (other)
      L.push(
        `| ${t.name} | ${other.measured} (run of ${wider?.date}, [${wider?.file}](../bench/results/${wider?.file})) | ${mark(other.met)} |`,
      );
    else L.push(`| ${t.name} | ${t.measured} | ${mark(t.met)} |`);
  }
  L.push("");
  L.push("### Batch latency against the population");
  L.push("");
  if (r.scaling.rows.length === 0) L.push("Not measured in this run (`--scaling`).");
  else L.push(...scalingTable(r));
  if (wider) {
    L.push("");
    L.push(
      `Wider scaling, from the run of ${wider.date} (commit \`${wider.git.short}\`, ${int(wider.population.users)} users in its main measurement; ` +
        `[${wider.file}](../bench/results/${wider.file})):`,
    );
    L.push("");
    L.push(...scalingTable(wider));
  }
  L.push("");
  L.push(
    `Versions: ${Object.entries({ ...r.versions, database: dbName(r) })
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}. Raw numbers: [bench/results/${r.file}](../bench/results/${r.file}).`,
  );
  L.push("");
  return L.join("\n");
}

// ---------------------------------------------------------------- SVG

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A round tick step for about `ticks` ticks up to `max`, and the axis top it gives. */
function niceAxis(max: number, ticks = 4): { top: number; step: number } {
  const raw = (max > 0 ? max : 1) / ticks;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * p >= raw) ?? 10) * p;
  return { top: Math.ceil((max > 0 ? max : 1) / step - 1e-9) * step, step };
}

function text(x: number, y: number, s: string, attrs = ""): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${esc(s)}</text>`;
}

/** Panel 1: throughput per round, larkstatus vs ceiling, per driver. */
function throughputPanel(results: BenchResult[], x0: number, y0: number, w: number, h: number): string {
  const out: string[] = [];
  const left = 60;
  const plotW = w - left - 10;
  const plotH = h - 70;
  const top = y0 + 30;
  const axis = niceAxis(
    Math.max(1, ...results.flatMap((r) => r.rounds.flatMap((x) => [x.larkstatus.rps, x.ceiling.rps]))) * 1.05,
  );
  const max = axis.top;
  out.push(
    text(
      x0 + w / 2,
      y0 + 16,
      "Batch throughput per round (req/s): larkstatus vs ceiling",
      'text-anchor="middle" font-weight="bold"',
    ),
  );
  for (let v = 0; v <= max + 1e-9; v += axis.step) {
    const y = top + plotH - (plotH * v) / max;
    out.push(`<line x1="${x0 + left}" y1="${y}" x2="${x0 + w - 10}" y2="${y}" stroke="#e5e7eb"/>`);
    out.push(text(x0 + left - 6, y + 4, int(v), 'text-anchor="end" font-size="11"'));
  }
  const groups = results.flatMap((r) => r.rounds.map((rd) => ({ r, rd })));
  const gap = 18;
  const groupW = groups.length ? (plotW - gap * (results.length + 1)) / groups.length : plotW;
  const barW = Math.max(4, Math.min(40, groupW / 2.6));
  let cx = x0 + left + gap;
  let prevDriver = "";
  for (const { r, rd } of groups) {
    if (prevDriver && prevDriver !== r.driver) cx += gap;
    prevDriver = r.driver;
    const gx = cx + (groupW - 2 * barW) / 2;
    for (const [i, v, color] of [
      [0, rd.larkstatus.rps, DRIVER_COLOR[r.driver]],
      [1, rd.ceiling.rps, CEILING_COLOR],
    ] as const) {
      const bh = (plotH * v) / max;
      const bx = gx + i * barW;
      out.push(
        `<rect x="${bx.toFixed(1)}" y="${(top + plotH - bh).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${bh.toFixed(1)}" fill="${color}"><title>${esc(`${DRIVER_NAME[r.driver]} round ${rd.round}: ${i === 0 ? "larkstatus" : "ceiling"} ${int(v)} req/s`)}</title></rect>`,
      );
      out.push(text(bx + (barW - 2) / 2, top + plotH - bh - 3, int(v), 'text-anchor="middle" font-size="10" fill="#374151"'));
    }
    out.push(
      text(cx + groupW / 2, top + plotH + 14, `${DRIVER_NAME[r.driver]} r${rd.round}`, 'text-anchor="middle" font-size="11"'),
    );
    out.push(
      text(cx + groupW / 2, top + plotH + 28, `ratio ${fmt(rd.ratio, 3)}`, 'text-anchor="middle" font-size="11" fill="#374151"'),
    );
    cx += groupW;
  }
  // legend
  let lx = x0 + left;
  const ly = top + plotH + 44;
  for (const r of results) {
    out.push(`<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${DRIVER_COLOR[r.driver]}"/>`);
    out.push(text(lx + 14, ly, `larkstatus on ${DRIVER_NAME[r.driver]} (${r.date})`, 'font-size="11"'));
    lx += 230;
  }
  out.push(`<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${CEILING_COLOR}"/>`);
  out.push(text(lx + 14, ly, "ceiling: bare Fastify, same routes, no state", 'font-size="11"'));
  return out.join("\n");
}

/** Panel 2: batch p50/p99 (evenly paced) against the population, log x. */
function scalingPanel(results: BenchResult[], x0: number, y0: number, w: number, h: number): string {
  const out: string[] = [];
  const left = 60;
  const plotW = w - left - 30;
  const plotH = h - 70;
  const top = y0 + 30;
  const withRows = results.filter((r) => r.scaling.rows.length > 0);
  out.push(
    text(
      x0 + w / 2,
      y0 + 16,
      "Batch latency against the population (ms; evenly paced, p50 solid, p99 dashed)",
      'text-anchor="middle" font-weight="bold"',
    ),
  );
  if (withRows.length === 0) {
    out.push(text(x0 + w / 2, top + plotH / 2, "no scaling measurement yet (--scaling)", 'text-anchor="middle" fill="#6b7280"'));
    return out.join("\n");
  }
  const pops = withRows.flatMap((r) => r.scaling.rows.map((x) => x.users));
  const lo = Math.floor(Math.log10(Math.min(...pops)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...pops))));
  const axis = niceAxis(Math.max(1, ...withRows.flatMap((r) => r.scaling.rows.map((x) => x.paced.latency.p99))) * 1.05);
  const maxY = axis.top;
  const px = (n: number) => x0 + left + ((Math.log10(n) - lo) / (hi - lo)) * plotW;
  const py = (v: number) => top + plotH - (plotH * v) / maxY;
  for (let v = 0; v <= maxY + 1e-9; v += axis.step) {
    out.push(`<line x1="${x0 + left}" y1="${py(v)}" x2="${x0 + left + plotW}" y2="${py(v)}" stroke="#e5e7eb"/>`);
    out.push(text(x0 + left - 6, py(v) + 4, fmt(v, Number.isInteger(v) ? 0 : 1), 'text-anchor="end" font-size="11"'));
  }
  for (let e = lo; e <= hi; e++) {
    const x = px(10 ** e);
    out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${top + plotH}" stroke="#f3f4f6"/>`);
    out.push(text(x, top + plotH + 14, int(10 ** e), 'text-anchor="middle" font-size="11"'));
  }
  out.push(
    text(x0 + left + plotW / 2, top + plotH + 30, "users in the tenant (log scale)", 'text-anchor="middle" font-size="11"'),
  );
  for (const r of withRows) {
    const color = DRIVER_COLOR[r.driver];
    for (const [key, dash] of [
      ["p50", ""],
      ["p99", ' stroke-dasharray="5,4"'],
    ] as const) {
      const pts = r.scaling.rows.map((x) => `${px(x.users).toFixed(1)},${py(x.paced.latency[key]).toFixed(1)}`);
      out.push(`<polyline points="${pts.join(" ")}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
      for (const x of r.scaling.rows) {
        out.push(
          `<circle cx="${px(x.users).toFixed(1)}" cy="${py(x.paced.latency[key]).toFixed(1)}" r="3" fill="${color}"><title>${esc(`${DRIVER_NAME[r.driver]} ${int(x.users)} users: ${key} ${fmt(x.paced.latency[key])} ms`)}</title></circle>`,
        );
      }
    }
  }
  let lx = x0 + left;
  const ly = top + plotH + 46;
  for (const r of withRows) {
    out.push(
      `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 18}" y2="${ly - 4}" stroke="${DRIVER_COLOR[r.driver]}" stroke-width="2"/>`,
    );
    out.push(text(lx + 22, ly, `${DRIVER_NAME[r.driver]} at ${r.scaling.rate} req/s`, 'font-size="11"'));
    lx += 200;
  }
  return out.join("\n");
}

export function renderSvg(results: BenchResult[], scaling: BenchResult[] = results): string {
  const w = 900;
  const h1 = 300;
  const h2 = 300;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h1 + h2 + 20}" viewBox="0 0 ${w} ${h1 + h2 + 20}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    throughputPanel(results, 0, 0, w, h1),
    scalingPanel(scaling, 0, h1 + 10, w, h2),
    "</svg>",
    "",
  ].join("\n");
}

export function renderDocs(resultsDir: string): { markdown: string; svg: string } {
  const picked = latestPerDriver(resultsDir);
  const results = picked.map((p) => p.latest);
  const L: string[] = [];
  L.push("# Performance");
  L.push("");
  L.push(
    "<!-- Generated by `npm run bench` (bench/run.ts) from the newest result per driver in bench/results/. Do not edit by hand. -->",
  );
  L.push("");
  L.push(
    "How fast larkstatus serves the calls that change state: `batch_open` and `batch_close` of 50 users each, " +
      "against a **ceiling server** built into the benchmark (a bare Fastify app answering the same routes with the same " +
      "request schemas and response shapes, keeping no state), alternating the two in one run so that the ratio survives " +
      "a noisy machine. What every number means: [bench/README.md](../bench/README.md).",
  );
  L.push("");
  L.push("![Throughput per round and batch latency against the population](performance.svg)");
  L.push("");
  L.push("## How to rerun");
  L.push("");
  L.push("```sh");
  L.push(
    "npm run bench                                   # SQLite, 5,000 users, 3 rounds of 10 s, scaling 10,000 and 100,000 users",
  );
  L.push("npm run bench -- --driver postgres --db postgres://USER:PASS@127.0.0.1:5432/DB   # or BENCH_PG_URL=...");
  L.push("npm run bench -- --scaling 10000,100000,1000000 --tag scaling-1m   # also 1,000,000 users (seeding takes minutes)");
  L.push("npm run bench -- --quick                        # ~1 minute smoke run; writes nothing");
  L.push("```");
  L.push("");
  L.push(
    "Each run writes `bench/results/<date>-<driver>[-<tag>].json` and regenerates this page and its chart from the newest result of each " +
      "driver (and, when an older result of the driver scaled to a larger population, its scaling table and chart line).",
  );
  L.push("");
  if (results.length === 0) L.push("No results yet.\n");
  for (const p of picked) L.push(resultSection(p.latest, p.widerScaling));
  const svg = renderSvg(
    results,
    picked.map((p) => p.widerScaling ?? p.latest),
  );
  return { markdown: `${L.join("\n").trimEnd()}\n`, svg };
}
