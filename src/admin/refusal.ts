/** A directory refusal as the admin API answers it. */
import type { Refusal } from "../domain/directory.js";
import { AdminProblem, invalidInput, notFound } from "./problems.js";

export function refusalProblem(r: Refusal): AdminProblem {
  if (r.refused === "not_found") return notFound(r.what, r.id);
  if (r.refused === "invalid") return invalidInput(r.field, r.message);
  return new AdminProblem("conflict", r.detail);
}
