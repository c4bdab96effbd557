/**
 * `npm run test:sdks`: starts larkstatus on a free port with conformance/sdks/seed.yaml, runs each
 * client's vendor sample and lifecycle scenario and checks their output. It changes no tracked
 * file unless asked: `--write` (`npm run sdk-matrix`) rewrites docs/sdk-matrix.md from the run,
 * `--check` (CI) fails when the tracked matrix differs from the run's (the date line aside).
 * In CI (CI=true) a missing toolchain is a failure; locally it is skipped with a message.
 *
 *   npm run test:sdks [-- --only go,python | --write | --check]
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { deriveOpenId } from "../../src/domain/ids.js";
import { ROOT, startServerProcess, tempDb } from "../../test/conformance/server-process.js";

const HERE = join(ROOT, "conformance", "sdks");
/** Order of the matrix: the page's order. */
const ORDER = ["curl", "go", "python", "java", "node", "php"];
/** Each client's tenant number in seed.yaml (tenant 5d6b00000000000N, app cli_5d6b00000000000N). */
const TENANT: Record<string, number> = { go: 1, python: 2, java: 3, node: 4, curl: 5, php: 6 };
const SETUP_TIMEOUT_MS = 20 * 60_000;
const RUN_TIMEOUT_MS = 5 * 60_000;

interface ClientInfo {
  name: string;
  sdk: string;
  version: string;
  toolchain: string[];
  notes?: string;
}

interface Outcome {
  dir: string;
  info: ClientInfo;
  status: "pass" | "fail" | "skip";
  sample: string;
  scenario: string;
  exercised: string[];
  problems: string[];
}

const { values: args } = parseArgs({
  options: { only: { type: "string" }, write: { type: "boolean" }, check: { type: "boolean" } },
});
const MATRIX = join(ROOT, "docs", "sdk-matrix.md");
/** The matrix's "Generated ... on <date>" line, the one part that may differ between runs. */
const MATRIX_DATE = /on (\d{4}-\d{2}-\d{2}): every client/;
const CI = process.env.CI === "true" || process.env.CI === "1";

function log(msg: string): void {
  process.stdout.write(`${msg}\n`);
}

function hasCommand(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

function run(
  cmd: string,
  argv: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number; prefix: string },
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const onData = (d: Buffer) => {
      out += d.toString();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const timer = setTimeout(() => {
      out += `\n[larkstatus] killed after ${opts.timeoutMs} ms\n`;
      child.kill("SIGKILL");
    }, opts.timeoutMs);
    // A heartbeat so long installs show progress.
    const started = Date.now();
    const beat = setInterval(
      () => log(`${opts.prefix} ... still running (${Math.round((Date.now() - started) / 1000)} s)`),
      30_000,
    );
    child.on("close", (code) => {
      clearTimeout(timer);
      clearInterval(beat);
      resolve({ code, out });
    });
  });
}

type Json = Record<string, unknown>;

function parseSteps(out: string): { steps: Map<string, Json>; done: boolean; problems: string[] } {
  const steps = new Map<string, Json>();
  const problems: string[] = [];
  let done = false;
  for (const line of out.split("\n")) {
    const m = /^STEP (\w+) (.*)$/.exec(line.trim());
    if (m) {
      try {
        steps.set(m[1] as string, JSON.parse(m[2] as string) as Json);
      } catch {
        problems.push(`step ${m[1]}: not JSON: ${m[2]}`);
      }
    } else if (line.trim() === "DONE") done = true;
  }
  return { steps, done, problems };
}

/** Checks a scenario's steps; returns the problems found (empty = pass). */
function checkScenario(steps: Map<string, Json>, userId: string): string[] {
  const p: string[] = [];
  const need = (name: string): Json | undefined => {
    const s = steps.get(name);
    if (!s) p.push(`missing step ${name}`);
    return s;
  };
  const eq = (what: string, actual: unknown, expected: unknown) => {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      p.push(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    }
  };
  const token = need("token");
  if (token) eq("token.prefix", token.prefix, "t-");
  const created = need("create")?.system_status as Json | undefined;
  if (created) {
    if (!/^[0-9]{19}$/.test(String(created.system_status_id))) p.push(`create: bad system_status_id ${created.system_status_id}`);
    eq("create.title", created.title, "出差中");
    eq("create.i18n_title.en_us", (created.i18n_title as Json | undefined)?.en_us, "Travelling");
    eq("create.color", created.color, "ORANGE");
    eq("create.priority", created.priority, 3);
    eq("create.sync_setting.title", (created.sync_setting as Json | undefined)?.title, "自动开启");
  }
  const list = need("list");
  if (list) {
    eq("list.pages", list.pages, 2);
    eq("list.titles", list.titles, ["出差", "出差中"]);
  }
  const patched = need("patch")?.system_status as Json | undefined;
  if (patched) {
    eq("patch.title", patched.title, "差旅中");
    eq("patch.color", patched.color, "RED");
    eq("patch.icon_key (not in update_fields)", patched.icon_key, "GeneralBusinessTrip");
    if (created) eq("patch.system_status_id", patched.system_status_id, created.system_status_id);
  }
  const opened = need("batch_open");
  if (opened) {
    if (opened.end_time_type !== "string" && opened.end_time_type !== "number")
      p.push(`batch_open.end_time_type: ${opened.end_time_type}`);
    eq("batch_open.result_list", opened.result_list, [
      { user_id: userId, end_time: opened.sent_end_time, result: "success_show" },
      { user_id: "ou_00000000000000000000000000000000", end_time: opened.sent_end_time, result: "invalid_user_id" },
    ]);
  }
  const closed = need("batch_close");
  if (closed) eq("batch_close.result_list", closed.result_list, [{ user_id: userId, result: "success" }]);
  const err = need("error");
  if (err) {
    eq("error.code", err.code, 2005002);
    eq("error.msg", err.msg, "The same name or i18n name has already be created within your tenant.");
  }
  const del = need("delete");
  if (del) eq("delete.code", del.code, 0);
  return p;
}

async function main(): Promise<number> {
  const only = args.only?.split(",").map((s) => s.trim());
  if ((args.write || args.check) && only) {
    log("--write and --check need every client: drop --only");
    return 2;
  }
  if (args.write && args.check) {
    log("--write or --check, not both");
    return 2;
  }
  const dirs = readdirSync(HERE, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(HERE, d.name, "client.json")))
    .map((d) => d.name)
    .filter((d) => !only || only.includes(d))
    .sort((a, b) => ((ORDER.indexOf(a) + 100) % 100) - ((ORDER.indexOf(b) + 100) % 100));
  if (dirs.length === 0) {
    log("no clients found");
    return 1;
  }
  const seedText = readFileSync(join(HERE, "seed.yaml"), "utf8");
  log(`starting larkstatus with conformance/sdks/seed.yaml (clients: ${dirs.join(", ")})`);
  const server = await startServerProcess(["--db", tempDb(), "--seed", join(HERE, "seed.yaml")]);
  log(`server at ${server.url}`);
  const outcomes: Outcome[] = [];
  try {
    for (const dir of dirs) {
      const info = JSON.parse(readFileSync(join(HERE, dir, "client.json"), "utf8")) as ClientInfo;
      const i = TENANT[dir];
      const appId = `cli_5d6b00000000000${i}`;
      if (i === undefined || !seedText.includes(appId)) throw new Error(`client ${dir} has no tenant in seed.yaml`);
      const o: Outcome = { dir, info, status: "pass", sample: "-", scenario: "-", exercised: [], problems: [] };
      outcomes.push(o);
      const prefix = `[${dir}]`;
      const missing = info.toolchain.filter((c) => !hasCommand(c));
      if (missing.length) {
        o.status = CI ? "fail" : "skip";
        o.problems.push(`missing toolchain: ${missing.join(", ")}`);
        log(
          `${prefix} ${CI ? "FAIL" : "SKIP"}: missing ${missing.join(", ")}${CI ? "" : " (install it to run this client; CI treats this as a failure)"}`,
        );
        continue;
      }
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        LARK_BASE_URL: server.url,
        LARK_APP_ID: appId,
        LARK_APP_SECRET: `sdk-${dir}-secret`,
        LARK_STATUS_ID: `710121460362294067${i}`,
        LARK_USER_ID:
          dir === "curl" ? "ou_53edd3282dbc2fdbe5c593cfa5ce82ab" : deriveOpenId(appId, `5d6b00000000000${i}`, "alice"),
      };
      log(`${prefix} setup (${info.sdk} ${info.version})`);
      const setup = await run("bash", ["setup.sh"], { cwd: join(HERE, dir), env, timeoutMs: SETUP_TIMEOUT_MS, prefix });
      if (setup.code !== 0) {
        o.status = "fail";
        o.problems.push(`setup.sh exited ${setup.code}`);
        log(`${prefix} setup FAILED:\n${setup.out.slice(-4000)}`);
        continue;
      }
      const tokRes = await fetch(`${server.url}/open-apis/auth/v3/tenant_access_token/internal`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ app_id: env.LARK_APP_ID, app_secret: env.LARK_APP_SECRET }),
      });
      env.LARK_TENANT_TOKEN = ((await tokRes.json()) as { tenant_access_token: string }).tenant_access_token;

      log(`${prefix} sample`);
      const sample = await run("bash", ["run.sh", "sample"], { cwd: join(HERE, dir), env, timeoutMs: RUN_TIMEOUT_MS, prefix });
      const sampleOk = sample.code === 0 && sample.out.includes(env.LARK_USER_ID as string) && /success/.test(sample.out);
      o.sample = sampleOk ? "pass" : "fail";
      if (!sampleOk) {
        o.problems.push(`sample: exit ${sample.code}; output lacks the user id or "success"`);
        log(`${prefix} sample FAILED:\n${sample.out.slice(-4000)}`);
      }

      log(`${prefix} scenario`);
      const sc = await run("bash", ["run.sh", "scenario"], { cwd: join(HERE, dir), env, timeoutMs: RUN_TIMEOUT_MS, prefix });
      const parsed = parseSteps(sc.out);
      const problems = [
        ...(sc.code === 0 ? [] : [`exit ${sc.code}`]),
        ...(parsed.done ? [] : ["no DONE line"]),
        ...parsed.problems,
        ...checkScenario(parsed.steps, env.LARK_USER_ID as string),
      ];
      o.exercised = [...parsed.steps.keys()];
      const endType = parsed.steps.get("batch_open")?.end_time_type;
      if (endType) o.exercised = o.exercised.map((s) => (s === "batch_open" ? `batch_open (end_time as ${endType})` : s));
      o.scenario = problems.length === 0 ? "pass" : "fail";
      if (problems.length) {
        o.problems.push(...problems.map((x) => `scenario: ${x}`));
        log(`${prefix} scenario FAILED:\n  ${problems.join("\n  ")}\n--- output ---\n${sc.out.slice(-4000)}`);
      }
      if (!sampleOk || problems.length) o.status = "fail";
      log(`${prefix} ${o.status.toUpperCase()}`);
    }
  } finally {
    await server.stop();
  }

  const failed = outcomes.filter((o) => o.status === "fail");
  const skipped = outcomes.filter((o) => o.status === "skip");
  let stale = false;
  if (args.write) {
    writeFileSync(MATRIX, matrix(outcomes, new Date().toISOString().slice(0, 10)));
    log("wrote docs/sdk-matrix.md");
  } else if (args.check) stale = !checkMatrix(outcomes);
  log(`\n${outcomes.length - failed.length - skipped.length} passed, ${failed.length} failed, ${skipped.length} skipped`);
  return failed.length || stale ? 1 : 0;
}

/** Whether the tracked docs/sdk-matrix.md is what this run would write (its date aside); says where not. */
function checkMatrix(outcomes: Outcome[]): boolean {
  const tracked = existsSync(MATRIX) ? readFileSync(MATRIX, "utf8") : "";
  const date = MATRIX_DATE.exec(tracked)?.[1] ?? "";
  const fresh = matrix(outcomes, date);
  if (tracked === fresh) {
    log("docs/sdk-matrix.md matches this run");
    return true;
  }
  const a = tracked.split("\n");
  const b = fresh.split("\n");
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      log(
        `docs/sdk-matrix.md differs from this run at line ${i + 1}:\n  tracked: ${a[i] ?? "(none)"}\n  this run: ${b[i] ?? "(none)"}`,
      );
      break;
    }
  }
  log("run `npm run sdk-matrix` and commit docs/sdk-matrix.md");
  return false;
}

/** The text of docs/sdk-matrix.md for these outcomes, dated `date` (YYYY-MM-DD). */
function matrix(outcomes: Outcome[], date: string): string {
  const rows = outcomes.map(
    (o) =>
      `| ${o.info.name} | \`${o.info.sdk}\` ${o.info.version} | ${o.sample} | ${o.scenario} | ${o.exercised.join(", ") || "-"} | **${o.status}** |${o.problems.length ? ` ${o.problems.join("; ").replace(/\|/g, "\\|")}` : ""} ${o.info.notes ?? ""} |`,
  );
  return `# SDK matrix

Generated by \`npm run sdk-matrix\` (conformance/sdks/run.ts --write) on ${date}: every client of the
vendor's \`batch_close\` page runs, unchanged but for its base URL and credentials, against a real larkstatus.
"sample" is the page's \`batch_close\` program; "scenario" is the whole lifecycle (token, create, list over
several pages, patch, batch_open, batch_close, an error read through the SDK's error API, delete); see
[conformance/sdks/README.md](../conformance/sdks/README.md).

| client | SDK | sample | scenario | exercised | result | notes |
|---|---|---|---|---|---|---|
${rows.join("\n")}
| C# RestSharp | \`RestSharp\` (page sample) | - | - | exact request covered by a raw HTTP test (test/conformance/restsharp-request.test.ts) | **not runnable here** | .NET and NuGet cannot be fetched on these machines |
`;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`test:sdks: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
