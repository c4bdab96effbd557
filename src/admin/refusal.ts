/** A directory refusal as the admin API answers it. */
import type { Refusal } from "../domain/directory.js";
import { AdminProblem, notFound } from "./problems.js";

export function refusalProblem(r: Refusal): AdminProblem {
  return r.refused === "not_found" ? notFound(r.what, r.id) : new AdminProblem("conflict", r.detail);
}
