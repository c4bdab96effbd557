/**
 * Request validation with two Ajv instances: bodies are checked strictly (a wrong type is 2005001,
 * never coerced) and every property their schema does not declare is deleted, at any depth, before
 * anything reads them; path and query strings are coerced (`page_size=20` is a number). Ajv's first
 * error becomes one vendor field violation named by its JSON path, e.g. `user_list[3].end_time`.
 */
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from "ajv";
import type { FastifySchema } from "fastify";
import { TEXT_FORMAT } from "../api/schemas.js";
import { type ApiError, invalidField } from "../errors/codes.js";

/** A lone (unpaired) surrogate: with the `u` flag a well-formed pair is one astral code point. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Whether `s` is well-formed Unicode text (no unpaired UTF-16 surrogate). */
export function isWellFormedText(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/**
 * An Ajv instance that knows the TEXT_FORMAT of the wire schemas. Shared by the request validators
 * and the seed loader, so text is checked by one rule everywhere.
 */
export function newAjv(options: Options): Ajv {
  const ajv = new Ajv({ allErrors: false, strict: false, useDefaults: false, unicodeRegExp: true, ...options });
  ajv.addFormat(TEXT_FORMAT, { type: "string", validate: isWellFormedText });
  return ajv;
}

// [ours] Unknown fields are ignored, so they are dropped here, before any handler, store or log can
// see them: a deleted property is never serialized, stored or copied into a snapshot, however deep
// or large it was. Ajv deletes without descending into the value.
export const bodyAjv = newAjv({ coerceTypes: false, removeAdditional: "all" });
const stringAjv = newAjv({ coerceTypes: true, removeAdditional: false });

/** Fastify's validatorCompiler: bodies strict, everything else coerced. */
export function validatorCompiler({ schema, httpPart }: { schema: FastifySchema; httpPart?: string }): ValidateFunction {
  return (httpPart === "body" ? bodyAjv : stringAjv).compile(schema as object);
}

/** `["user_list", "3", "end_time"]` → `user_list[3].end_time`. */
export function jsonPath(segments: readonly string[]): string {
  let out = "";
  for (const seg of segments) {
    if (/^[0-9]+$/.test(seg)) out += `[${seg}]`;
    else out += out === "" ? seg : `.${seg}`;
  }
  return out;
}

/** The value at `segments` inside `root`, or undefined. */
export function valueAt(root: unknown, segments: readonly string[]): unknown {
  let v: unknown = root;
  for (const seg of segments) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[seg];
  }
  return v;
}

/** The path segments of the value an Ajv error is about (its JSON Pointer, unescaped). */
export function instanceSegments(err: ErrorObject): string[] {
  return err.instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** The rule an Ajv error says was broken, in words (`must be one of [...]`, `must be ≤ 50`, ...). */
export function ruleOf(err: ErrorObject): string {
  if (err.keyword === "enum") {
    return `must be one of ${JSON.stringify((err.params as { allowedValues: unknown[] }).allowedValues)}`;
  }
  if (err.keyword === "format" && (err.params as { format: string }).format === TEXT_FORMAT) {
    return "must be well-formed Unicode text (it contains an unpaired surrogate)";
  }
  return err.message ?? "is invalid";
}

/**
 * The 2005001 for an Ajv error. `prefix` is the JSON path of the validated value inside the body
 * (empty for the whole body, `system_status.title` for a patched field); `root` is that value.
 */
export function ajvErrorToApiError(err: ErrorObject, prefix: readonly string[], root: unknown): ApiError {
  const segments = instanceSegments(err);
  let value = valueAt(root, segments);
  if (err.keyword === "required") {
    segments.push(String((err.params as { missingProperty: string }).missingProperty));
    value = undefined;
  }
  const path = jsonPath([...prefix, ...segments]);
  return invalidField(path === "" ? "body" : path, `${path === "" ? "body" : path} ${ruleOf(err)}`, value);
}
