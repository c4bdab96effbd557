/**
 * Request validation with two Ajv instances: bodies are checked strictly (a wrong type is 2005001,
 * never coerced), while path and query strings are coerced (`page_size=20` is a number). Ajv's
 * first error becomes one vendor field violation named by its JSON path, e.g. `user_list[3].end_time`.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { FastifySchema } from "fastify";
import { type ApiError, invalidField } from "../errors/codes.js";

const common = { allErrors: false, strict: false, useDefaults: false, removeAdditional: false, unicodeRegExp: true } as const;
export const bodyAjv = new Ajv({ ...common, coerceTypes: false });
const stringAjv = new Ajv({ ...common, coerceTypes: true });

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

function valueAt(root: unknown, segments: readonly string[]): unknown {
  let v: unknown = root;
  for (const seg of segments) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[seg];
  }
  return v;
}

/**
 * The 2005001 for an Ajv error. `prefix` is the JSON path of the validated value inside the body
 * (empty for the whole body, `system_status.title` for a patched field); `root` is that value.
 */
export function ajvErrorToApiError(err: ErrorObject, prefix: readonly string[], root: unknown): ApiError {
  const segments = err.instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  let value = valueAt(root, segments);
  if (err.keyword === "required") {
    segments.push(String((err.params as { missingProperty: string }).missingProperty));
    value = undefined;
  }
  const path = jsonPath([...prefix, ...segments]);
  const what =
    err.keyword === "enum"
      ? `must be one of ${JSON.stringify((err.params as { allowedValues: unknown[] }).allowedValues)}`
      : err.message;
  return invalidField(path === "" ? "body" : path, `${path === "" ? "body" : path} ${what ?? "is invalid"}`, value);
}
