/**
 * The admin API's errors: RFC 9457 problem details (`application/problem+json`), the web's
 * convention rather than the vendor's envelope (the vendor has no such API). One closed catalog of
 * problem types, one serializer.
 */

/** Every kind of problem the admin API answers, with its HTTP status and title. */
export const PROBLEMS = {
  invalid_input: { status: 400, title: "The request is invalid" },
  unauthorized: { status: 401, title: "A valid admin token is required" },
  forbidden: { status: 403, title: "This operation is turned off" },
  not_found: { status: 404, title: "No such resource" },
  method_not_allowed: { status: 405, title: "The resource does not answer this method" },
  conflict: { status: 409, title: "The request conflicts with the current state" },
  payload_too_large: { status: 413, title: "The request body is too large" },
  unsupported_media_type: { status: 415, title: "The request body's media type is not the one this operation takes" },
  internal: { status: 500, title: "Internal error" },
  unavailable: { status: 503, title: "The store is unavailable, retry later" },
} as const;

export type ProblemKind = keyof typeof PROBLEMS;

/** `type` of a problem: a stable URI naming its kind (documented in the README). */
export function problemType(kind: ProblemKind): string {
  return `urn:larkstatus:problem:${kind.replace(/_/g, "-")}`;
}

/** One offending input: `field` is a JSON path (`scopes[1]`, `body`, `cursor`). */
export interface ProblemField {
  field: string;
  message: string;
}

/** The one error type of the admin API; serialized in exactly one place (problemBody). */
export class AdminProblem extends Error {
  readonly kind: ProblemKind;
  readonly detail: string;
  readonly errors: ProblemField[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    kind: ProblemKind,
    detail: string,
    opts: { errors?: ProblemField[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(detail, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "AdminProblem";
    this.kind = kind;
    this.detail = detail;
    this.errors = opts.errors;
    this.headers = opts.headers;
  }

  get status(): number {
    return PROBLEMS[this.kind].status;
  }
}

/** 400 naming one offending field. */
export function invalidInput(field: string, message: string): AdminProblem {
  return new AdminProblem("invalid_input", `${field}: ${message}`, { errors: [{ field, message }] });
}

/** 404 for a resource named by its kind and id. */
export function notFound(what: string, id: string): AdminProblem {
  return new AdminProblem("not_found", `no ${what} ${JSON.stringify(id)}`);
}

/** The problem document of `p`; `logId` correlates it with the server's log (an extension member). */
export function problemBody(p: AdminProblem, logId: string): Record<string, unknown> {
  return {
    type: problemType(p.kind),
    title: PROBLEMS[p.kind].title,
    status: p.status,
    detail: p.detail,
    ...(p.errors ? { errors: p.errors } : {}),
    log_id: logId,
  };
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json; charset=utf-8";
