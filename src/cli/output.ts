/**
 * What the CLI prints: aligned tables for people (CJK counts two columns, as terminals draw it),
 * JSON for scripts (`--json`), and a progress bar on a terminal.
 */
import { weightedLength } from "../domain/weighted-length.js";

/** Where output goes: stdout for results, stderr for errors, notes and progress. */
export interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** One column of a table: its header, and the cell of a row. */
export interface Column<T> {
  header: string;
  cell: (row: T) => unknown;
}

/** A value as a table cell shows it. */
export function cellText(v: unknown): string {
  if (v === undefined || v === null || v === "") return "-";
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (Array.isArray(v)) return v.length === 0 ? "-" : v.map(cellText).join(",");
  if (typeof v === "object") return JSON.stringify(v);
  return String(v).replace(/[\r\n\t]/g, " ");
}

/** The rows as aligned columns (two spaces apart), with a header line. */
export function table<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = [columns.map((c) => c.header), ...rows.map((r) => columns.map((c) => cellText(c.cell(r))))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => weightedLength(line[i] as string))));
  return cells
    .map((line) =>
      line
        .map((text, i) => (i === line.length - 1 ? text : text + " ".repeat((widths[i] as number) - weightedLength(text))))
        .join("  ")
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join("");
}

/** `key  value` lines, keys aligned: one record. */
export function record(fields: ReadonlyArray<readonly [string, unknown]>): string {
  const width = Math.max(...fields.map(([k]) => k.length));
  return fields.map(([k, v]) => `${k.padEnd(width)}  ${cellText(v)}\n`).join("");
}

/** An ISO 8601 time of a Unix millisecond count, to the second. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The bar `[#####.....]  50%  1.2/2.5 MB`. */
export function progressBar(done: number, total: number, width = 30): string {
  const f = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(f * width);
  const mb = (n: number) => (n / 1_000_000).toFixed(1);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${String(Math.round(f * 100)).padStart(3)}%  ${mb(done)}/${mb(total)} MB`;
}

export class Output {
  readonly json: boolean;
  private readonly streams: Streams;

  constructor(streams: Streams, json: boolean) {
    this.streams = streams;
    this.json = json;
  }

  /** Whether progress may be drawn: stderr is a terminal and the output is for people (not `--json`). */
  get interactive(): boolean {
    return this.streams.stderr.isTTY === true && !this.json;
  }

  write(text: string): void {
    this.streams.stdout.write(text);
  }

  /** A value as indented JSON (`--json`). */
  value(v: unknown): void {
    this.streams.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
  }

  /** One JSON value per line (`--json --follow`). */
  line(v: unknown): void {
    this.streams.stdout.write(`${JSON.stringify(v)}\n`);
  }

  /** A note for people, on stderr (never mixed into results). */
  note(text: string): void {
    this.streams.stderr.write(`${text}\n`);
  }

  /** Redraws a progress line on stderr (a terminal only), clearing what a longer line left. */
  progress(text: string, done = false): void {
    if (!this.interactive) return;
    this.streams.stderr.write(`\r${text}\x1b[K${done ? "\n" : ""}`);
  }
}
