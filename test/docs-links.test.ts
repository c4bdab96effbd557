/**
 * The repository stands on its own: every relative link in its Markdown resolves to a file of the
 * repository (and every `#anchor` to a heading, by GitHub's slug rules), every repository path
 * quoted in backticks exists, no file points at the notes the project was written from, and the
 * wire contract's table of error codes is the catalog's.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, test } from "node:test";
import { ERRORS } from "../src/errors/codes.js";

const ROOT = join(import.meta.dirname, "..");

/** The repository's files: tracked ones plus new ones not ignored (so a new page is checked before its commit). */
function repoFiles(): string[] | undefined {
  try {
    const out = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      maxBuffer: 64 * 1024 * 1024,
    });
    return out
      .split("\0")
      .filter((f) => f !== "" && existsSync(join(ROOT, f)) && statSync(join(ROOT, f)).isFile())
      .sort();
  } catch {
    return undefined;
  }
}

const FILES = repoFiles();
const SKIP = FILES ? false : "not a git checkout: the file list comes from git ls-files";
const files = FILES ?? [];
const fileSet = new Set(files);
const dirSet = new Set(
  files.flatMap((f) =>
    f
      .split("/")
      .slice(0, -1)
      .map((_, i, parts) => parts.slice(0, i + 1).join("/")),
  ),
);
const markdown = files.filter((f) => f.endsWith(".md"));

/** Whether git ignores `path`: a place the project generates (bench/profiles/, dist/), fine to name. */
function ignored(path: string): boolean {
  try {
    execFileSync("git", ["check-ignore", "-q", "--no-index", path], { cwd: ROOT, stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** GitHub's heading anchor: lower case, everything but letters, marks, digits, `_`, `-` and spaces dropped, spaces → `-`. */
function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // links and images → their text
    .replace(/<[^>]+>/g, "") // inline HTML
    .replace(/`/g, "")
    .replace(/\*+/g, "")
    .trim();
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

interface Parsed {
  /** Anchors of the file's headings, duplicates suffixed `-1`, `-2`, ... as GitHub does. */
  anchors: Set<string>;
  links: { line: number; target: string }[];
  /** Contents of inline code spans, outside fenced blocks. */
  codeSpans: { line: number; text: string }[];
}

function parseMarkdown(text: string): Parsed {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const links: Parsed["links"] = [];
  const codeSpans: Parsed["codeSpans"] = [];
  let fence: string | undefined;
  text.split("\n").forEach((raw, i) => {
    const line = i + 1;
    const f = /^ {0,3}(`{3,}|~{3,})/.exec(raw);
    if (f) {
      const mark = f[1] as string;
      if (fence === undefined) fence = mark;
      else if (mark[0] === fence[0] && mark.length >= fence.length) fence = undefined;
      return;
    }
    if (fence !== undefined) return;
    const rest = raw.replace(/(`+)([\s\S]*?)\1/g, (_m, _ticks, inner: string) => {
      codeSpans.push({ line, text: inner.trim() });
      return "code";
    });
    const h = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(raw);
    if (h) {
      const base = githubSlug(h[1] as string);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    const inline = /!?\[(?:[^[\]]|\[[^\]]*\])*\]\(\s*(<[^>]*>|[^)\s]*)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g;
    for (const m of rest.matchAll(inline)) links.push({ line, target: (m[1] as string).replace(/^<|>$/g, "") });
    const def = /^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/.exec(rest);
    if (def) links.push({ line, target: (def[1] as string).replace(/^<|>$/g, "") });
  });
  return { anchors, links, codeSpans };
}

const parsed = new Map<string, Parsed>();
function parsedOf(file: string): Parsed {
  let p = parsed.get(file);
  if (!p) {
    p = parseMarkdown(readFileSync(join(ROOT, file), "utf8"));
    parsed.set(file, p);
  }
  return p;
}

/** What is wrong with a link from `file`, or undefined when it resolves. */
function brokenLink(file: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//")) return undefined; // absolute URL, mailto:
  const hash = target.indexOf("#");
  const pathPart = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
  const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
  let resolved = file;
  if (pathPart !== "") {
    const joined = pathPart.startsWith("/") ? pathPart.slice(1) : join(dirname(file), pathPart);
    resolved = normalize(joined).replace(/\/+$/, "");
    if (resolved.startsWith("..") || resolved === "") return `${target}: leaves the repository`;
    if (!fileSet.has(resolved) && !dirSet.has(resolved)) return `${target}: no such file in the repository (${resolved})`;
  }
  if (anchor === undefined) return undefined;
  if (resolved.endsWith(".md")) {
    return parsedOf(resolved).anchors.has(anchor) ? undefined : `${target}: no heading #${anchor} in ${resolved}`;
  }
  return /^L\d+(-L\d+)?$/.test(anchor) ? undefined : `${target}: #${anchor} is not a line anchor of ${resolved}`;
}

describe("the repository's documents", { skip: SKIP }, () => {
  test("github slugs", () => {
    assert.equal(githubSlug("3. The resource: `SystemStatus`"), "3-the-resource-systemstatus");
    assert.equal(githubSlug("What the SDKs revealed (docs/sdk-matrix.md)"), "what-the-sdks-revealed-docssdk-matrixmd");
    assert.equal(githubSlug("Decisions where the vendor is silent [ours]"), "decisions-where-the-vendor-is-silent-ours");
    assert.equal(githubSlug("Scale-out (PostgreSQL, Redis)"), "scale-out-postgresql-redis");
    assert.equal(githubSlug("The vendor's batch_close page"), "the-vendors-batch_close-page");
    assert.equal(githubSlug("Contributing / test environment"), "contributing--test-environment");
    assert.equal(githubSlug("出差 **状态**"), "出差-状态");
  });

  test("there is Markdown to check", () => {
    for (const f of ["README.md", "docs/fidelity.md", "docs/wire-contract.md", "conformance/sdks/README.md", "bench/README.md"]) {
      assert.ok(markdown.includes(f), `${f} is in the repository`);
    }
  });

  test("every relative link in a Markdown file resolves to a file of the repository, and its #anchor to a heading", () => {
    const broken: string[] = [];
    let checked = 0;
    for (const file of markdown) {
      for (const { line, target } of parsedOf(file).links) {
        checked++;
        const why = brokenLink(file, target);
        if (why) broken.push(`${file}:${line}: ${why}`);
      }
    }
    assert.ok(checked > 20, `only ${checked} links found: is the parser broken?`);
    assert.deepEqual(broken, []);
  });

  test("every repository path quoted in backticks in a Markdown file exists", () => {
    const missing: string[] = [];
    const repoPath = /^(?:src|test|bench|conformance|docs|examples|\.ci)\/[A-Za-z0-9_./-]*$/;
    for (const file of markdown) {
      for (const { line, text } of parsedOf(file).codeSpans) {
        if (!repoPath.test(text)) continue;
        const p = text.replace(/\/+$/, "");
        if (!fileSet.has(p) && !dirSet.has(p) && !ignored(p) && !ignored(`${p}/`)) missing.push(`${file}:${line}: \`${text}\``);
      }
    }
    assert.deepEqual(missing, []);
  });

  test("no file of the repository points at notes outside it", () => {
    // Spelled in pieces so that this file does not match itself.
    const outside = ["spec", "seed"].map((d) => ["shared", d].join("/")).concat([["..", "shared"].join("/")]);
    const hits: string[] = [];
    for (const file of files) {
      const buf = readFileSync(join(ROOT, file));
      if (buf.includes(0)) continue; // binary
      const text = buf.toString("utf8");
      for (const s of outside) if (text.includes(s)) hits.push(`${file}: ${s}`);
    }
    assert.deepEqual(hits, []);
  });

  test("docs/wire-contract.md lists every code of the catalog with its HTTP status and exact message, and no other", () => {
    const text = readFileSync(join(ROOT, "docs", "wire-contract.md"), "utf8");
    const rows = new Map<number, { status: number; msg: string }>();
    for (const m of text.matchAll(/^\| (\d{4,8}) \| (\d{3}) \| `([^`]+)` \|/gm)) {
      rows.set(Number(m[1]), { status: Number(m[2]), msg: m[3] as string });
    }
    const catalog = new Map(
      Object.values(ERRORS).map((e) => [
        e.code as number,
        { status: e.status as number, msg: e.msg.replace("{scope}", "<scope>") },
      ]),
    );
    assert.deepEqual(new Map([...rows].sort((a, b) => a[0] - b[0])), new Map([...catalog].sort((a, b) => a[0] - b[0])));
  });
});
