/**
 * How the admin API validates: bodies strictly (no coercion; an unknown field is an error, as in a
 * seed file), path and query strings coerced; and how an Ajv error reads as the offending field and
 * the rule it broke. Shared by the route validators and the NDJSON import, which checks each line.
 */
import type { ErrorObject } from "ajv";
import { instanceSegments, jsonPath, newAjv, ruleOf } from "../http/validation.js";

export const adminBodyAjv = newAjv({ coerceTypes: false, removeAdditional: false });
export const adminStringAjv = newAjv({ coerceTypes: true, removeAdditional: false, useDefaults: true });

/** The offending field of an Ajv error as a JSON path (empty for the validated value itself) and the rule, in words. */
export function describeAjvError(err: ErrorObject): { path: string; message: string } {
  const segs = instanceSegments(err);
  if (err.keyword === "required") segs.push(String((err.params as { missingProperty: string }).missingProperty));
  if (err.keyword === "additionalProperties")
    segs.push(String((err.params as { additionalProperty: string }).additionalProperty));
  const message =
    err.keyword === "additionalProperties" ? "is not a known field" : err.keyword === "required" ? "is required" : ruleOf(err);
  return { path: jsonPath(segs), message };
}
