/**
 * PostgreSQL helpers for tests. Suites that need a database read TEST_PG_URL (a role that may
 * create schemas) and isolate themselves in a fresh schema per store: the URL returned by
 * `freshPgUrl` sets `search_path` through the `options` parameter, so every connection of every
 * pool made from it lands in that schema. Call `dropTestSchemas` from an `after` hook.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export const TEST_PG_URL: string | undefined = process.env.TEST_PG_URL || undefined;

const created: string[] = [];
let counter = 0;

/** Runs `fn` on one short-lived connection to TEST_PG_URL (or to `url`). */
export async function withPgClient<T>(fn: (c: pg.Client) => Promise<T>, url: string | undefined = TEST_PG_URL): Promise<T> {
  if (!url) throw new Error("TEST_PG_URL is not set");
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** `url` with `search_path` set to `schema` for every connection made from it. */
export function urlWithSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.delete("options");
  const rest = u.searchParams.toString();
  u.search = "";
  const options = `options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return `${u.toString()}?${rest ? `${rest}&` : ""}${options}`;
}

/** Creates a new empty schema in the TEST_PG_URL database and returns a URL that uses it. */
export async function freshPgUrl(): Promise<string> {
  if (!TEST_PG_URL) throw new Error("TEST_PG_URL is not set");
  const schema = `t_${process.pid}_${++counter}_${randomBytes(4).toString("hex")}`;
  await withPgClient((c) => c.query(`CREATE SCHEMA "${schema}"`));
  created.push(schema);
  return urlWithSchema(TEST_PG_URL, schema);
}

/** The schema a URL made by `freshPgUrl` points at. */
export function schemaOf(url: string): string {
  const options = new URL(url).searchParams.get("options") ?? "";
  const m = /search_path=(\S+)/.exec(options);
  if (!m?.[1]) throw new Error(`no search_path in ${url}`);
  return m[1];
}

/** Drops every schema this process created (with what is in them). */
export async function dropTestSchemas(): Promise<void> {
  if (!TEST_PG_URL || created.length === 0) return;
  const schemas = created.splice(0);
  await withPgClient(async (c) => {
    for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  });
}
