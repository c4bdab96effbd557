/**
 * The ceiling server: a bare Fastify 5 app answering batch_open, batch_close and the tenant token
 * endpoint with larkstatus's request schemas and response shapes, validating the body but keeping
 * no state. It is what "the same HTTP work, with no storage and no domain logic" costs on this
 * machine, so larkstatus's throughput can be reported as a ratio to it.
 *
 * Run as its own process (`node --import tsx bench/ceiling.ts --port 0`), so it never shares the
 * benchmark's event loop; prints `listening on http://HOST:PORT` and stops on SIGTERM/SIGINT.
 */
import { parseArgs } from "node:util";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import {
  BatchCloseBody,
  BatchOpenBody,
  CloseResultList,
  Envelope,
  ErrorEnvelope,
  OpenResultList,
  StatusIdParams,
  TenantTokenResponse,
  TokenBody,
  UserIdTypeQuery,
} from "../src/api/schemas.js";
import { validatorCompiler } from "../src/http/validation.js";

const { values } = parseArgs({
  options: { port: { type: "string", default: "0" }, host: { type: "string", default: "127.0.0.1" } },
});

const MAX_AHEAD_S = 365 * 24 * 3600;
const STATUS_ID = /^[0-9]{19}$/;
const TOKEN = `t-ceiling${"0".repeat(31)}`;

const app = Fastify({ logger: false });
// larkstatus's own validators (the same Ajv options and text format), so the ceiling pays for the
// same validation work and the ratio isolates storage and domain logic.
app.setValidatorCompiler(validatorCompiler);

function fail(reply: FastifyReply, code: number, msg: string, field?: string) {
  return reply.code(400).send({
    code,
    msg,
    error: {
      log_id: "ceiling",
      troubleshooter: "",
      ...(field ? { field_violations: [{ field, description: msg }] } : {}),
    },
  });
}

/** What larkstatus checks before the handler, reduced to what needs no state. */
function precheck(req: FastifyRequest<{ Params: StatusIdParams }>, reply: FastifyReply): boolean {
  if (!req.headers.authorization) {
    void fail(reply, 99991661, "Missing access token for authorization. Please make a request with token attached.");
    return false;
  }
  if (!STATUS_ID.test(req.params.system_status_id)) {
    void fail(reply, 2005001, "invalid parameter", "system_status_id");
    return false;
  }
  return true;
}

app.post<{ Body: { app_id: string; app_secret: string } }>(
  "/open-apis/auth/v3/tenant_access_token/internal",
  { schema: { body: TokenBody, response: { 200: TenantTokenResponse } } },
  async (req, reply) => {
    if (req.body.app_id === "" || req.body.app_secret === "") return fail(reply, 10003, "invalid param");
    return { code: 0, msg: "ok", tenant_access_token: TOKEN, expire: 7200 };
  },
);

app.post<{ Params: StatusIdParams; Querystring: UserIdTypeQuery; Body: BatchOpenBody }>(
  "/open-apis/personal_settings/v1/system_statuses/:system_status_id/batch_open",
  {
    schema: {
      params: StatusIdParams,
      querystring: UserIdTypeQuery,
      body: BatchOpenBody,
      response: { 200: Envelope(OpenResultList), "4xx": ErrorEnvelope },
    },
  },
  async (req, reply) => {
    if (!precheck(req, reply)) return reply;
    const now = Math.floor(Date.now() / 1000);
    const result_list = [];
    for (const [i, u] of req.body.user_list.entries()) {
      const end =
        typeof u.end_time === "number" ? u.end_time : /^[0-9]{1,12}$/.test(u.end_time) ? Number(u.end_time) : Number.NaN;
      if (!(end > now && end <= now + MAX_AHEAD_S)) return fail(reply, 2005001, "invalid parameter", `user_list[${i}].end_time`);
      result_list.push({ user_id: u.user_id, end_time: String(end), result: "success_show" });
    }
    return { code: 0, msg: "success", data: { result_list } };
  },
);

app.post<{ Params: StatusIdParams; Querystring: UserIdTypeQuery; Body: BatchCloseBody }>(
  "/open-apis/personal_settings/v1/system_statuses/:system_status_id/batch_close",
  {
    schema: {
      params: StatusIdParams,
      querystring: UserIdTypeQuery,
      body: BatchCloseBody,
      response: { 200: Envelope(CloseResultList), "4xx": ErrorEnvelope },
    },
  },
  async (req, reply) => {
    if (!precheck(req, reply)) return reply;
    return {
      code: 0,
      msg: "success",
      data: { result_list: req.body.user_list.map((id) => ({ user_id: id, result: "success" })) },
    };
  },
);

app.get("/healthz", async () => ({ status: "ok" }));

const stop = () => {
  void app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

await app.listen({ port: Number(values.port), host: values.host });
const port = (app.server.address() as { port: number }).port;
process.stdout.write(`listening on http://${values.host}:${port}\n`);
