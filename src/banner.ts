/**
 * What `larkstatus serve` prints once it listens: which seed was loaded (or that the database
 * already had data) and a Node SDK snippet that runs as printed in a `.mjs` file. Only the built-in
 * demo seed's secret is ever printed (it is public, in examples/seed.yaml); for any other data the
 * snippet reads the secret from the environment.
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import type { AdminTokenSource } from "./admin/token.js";
import { verifySecret } from "./domain/secrets.js";
import { parseSeed, type SeedSummary } from "./seed/load.js";
import type { Store } from "./storage/store.js";

/** An app's credentials, printable because they are the built-in demo seed's. */
export interface DemoCredentials {
  app_id: string;
  app_secret: string;
}

export interface BannerInput {
  url: string;
  /** What was loaded on this start: the file and its counts; undefined when nothing was. */
  seeded: { file: string; summary: SeedSummary } | undefined;
  /** The built-in demo seed's file, as the user would type it. */
  builtInSeed: string;
  /** The demo app's credentials, when the store holds that app with that secret. */
  demo: DemoCredentials | undefined;
  /** Where the admin token is: its file, or the token itself when it lives nowhere else. */
  admin: AdminTokenSource & { token: string };
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The banner's text after the `listening on` line. */
export function bannerText(b: BannerInput): string {
  const lines: string[] = [];
  if (b.seeded) {
    const s = b.seeded.summary;
    const which = b.seeded.file === b.builtInSeed ? `${b.seeded.file} (the built-in demo seed)` : b.seeded.file;
    lines.push(
      `seed: loaded ${which}: ${plural(s.tenants, "tenant")}, ${plural(s.apps, "app")}, ${plural(s.users, "user")}, ${plural(s.statuses, "status", "statuses")}`,
    );
  } else {
    lines.push("seed: none loaded (the database already had data; --seed FILE loads one on every start)");
  }
  lines.push(`admin API: ${b.url}/admin/v1 (${adminHint(b.admin)}; reference: ${b.url}/admin/openapi.json)`);
  // App ids are not secret: the seed's first one is printed; its secret comes from the environment.
  const knownAppId = b.demo?.app_id ?? b.seeded?.summary.firstAppId;
  const appId = knownAppId ? `'${knownAppId}'` : "process.env.LARK_APP_ID";
  const appSecret = b.demo ? `'${b.demo.app_secret}'` : "process.env.LARK_APP_SECRET";
  lines.push(
    "",
    "Try it with the official Node SDK (npm i @larksuiteoapi/node-sdk): save this as try.mjs and run `node try.mjs`",
  );
  if (!b.demo) {
    const vars = knownAppId
      ? `LARK_APP_SECRET set to the app_secret of ${knownAppId}`
      : "LARK_APP_ID and LARK_APP_SECRET set to an app's";
    lines.push(`with ${vars} (larkstatus prints the secret of the built-in demo seed only).`);
  }
  lines.push(
    "",
    "  import * as lark from '@larksuiteoapi/node-sdk';",
    "",
    "  const client = new lark.Client({",
    `    appId: ${appId},`,
    `    appSecret: ${appSecret},`,
    `    domain: '${b.url}',`,
    "  });",
    "  const res = await client.personal_settings.v1.systemStatus.list({ params: { page_size: 50 } });",
    "  console.log(JSON.stringify(res.data, null, 2));",
    "",
  );
  return `${lines.join("\n")}\n`;
}

/** Where the admin token is, in words: never the token itself unless it exists nowhere else. */
function adminHint(a: BannerInput["admin"]): string {
  if (a.kind === "config") return "Bearer token: the --admin-token you gave";
  if (a.kind === "file") return `Bearer token in ${displayPath(a.file)}`;
  return `Bearer token ${a.token}, made for this run`;
}

/** A path as the user would type it from the working directory. */
export function displayPath(file: string, cwd = process.cwd()): string {
  const rel = relative(cwd, file);
  return rel !== "" && !rel.startsWith("..") ? rel : file;
}

/**
 * The built-in demo seed's first app, if `store` holds it enabled with the demo secret (so the
 * printed credentials work). One secret verification, after the server is already listening.
 */
export async function demoCredentials(store: Store, builtInSeedFile: string): Promise<DemoCredentials | undefined> {
  let demo: DemoCredentials | undefined;
  try {
    const app = parseSeed(builtInSeedFile, readFileSync(builtInSeedFile, "utf8")).tenants.flatMap((t) => t.apps ?? [])[0];
    demo = app ? { app_id: app.app_id, app_secret: app.app_secret } : undefined;
  } catch {
    return undefined;
  }
  if (!demo) return undefined;
  const stored = await store.getApp(demo.app_id).catch(() => undefined);
  if (!stored?.enabled || !(await verifySecret(demo.app_secret, stored.secret_hash))) return undefined;
  return demo;
}
