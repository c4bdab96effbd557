// The lifecycle with @larksuiteoapi/node-sdk (conformance/sdks/README.md, "The scenario protocol").
import * as lark from "@larksuiteoapi/node-sdk";

const env = process.env;
const quiet = { error() {}, warn() {}, info() {}, debug() {}, trace() {} };
const client = new lark.Client({ appId: env.LARK_APP_ID, appSecret: env.LARK_APP_SECRET, domain: env.LARK_BASE_URL, logger: quiet });
const ps = client.personal_settings.v1.systemStatus;
const step = (name, data) => console.log(`STEP ${name} ${JSON.stringify(data)}`);

const tok = await client.auth.v3.tenantAccessToken.internal({ data: { app_id: env.LARK_APP_ID, app_secret: env.LARK_APP_SECRET } });
step("token", { prefix: tok.tenant_access_token.slice(0, 2) });

const created = await ps.create({
  data: { title: "出差中", i18n_title: { en_us: "Travelling" }, icon_key: "GeneralBusinessTrip", color: "ORANGE", priority: 3 },
});
step("create", { system_status: created.data.system_status });
const id = created.data.system_status.system_status_id;

// The SDK's own pagination iterator: it stops when has_more is false.
let pages = 0;
const titles = [];
for await (const page of await ps.listWithIterator({ params: { page_size: 1 } })) {
  pages++;
  for (const s of page?.items ?? []) titles.push(s.title);
}
step("list", { pages, titles });

const patched = await ps.patch({
  path: { system_status_id: id },
  data: { system_status: { title: "差旅中", color: "RED", icon_key: "Coffee" }, update_fields: ["TITLE", "COLOR"] },
});
step("patch", { system_status: patched.data.system_status });

// The Node SDK types end_time as a number.
const end = Math.floor(Date.now() / 1000) + 3600;
const opened = await ps.batchOpen({
  path: { system_status_id: id },
  params: { user_id_type: "open_id" },
  data: { user_list: [{ user_id: env.LARK_USER_ID, end_time: end }, { user_id: "ou_00000000000000000000000000000000", end_time: end }] },
});
step("batch_open", { end_time_type: typeof end, sent_end_time: String(end), result_list: opened.data.result_list });

const closed = await ps.batchClose({ path: { system_status_id: id }, params: { user_id_type: "open_id" }, data: { user_list: [env.LARK_USER_ID] } });
step("batch_close", { result_list: closed.data.result_list });

// The Node SDK throws on non-2xx answers; the vendor envelope is e.response.data.
try {
  await ps.create({ data: { title: "差旅中", icon_key: "Coffee", priority: 4 } });
  step("error", { code: 0, msg: "expected a failure" });
} catch (e) {
  step("error", { code: e.response.data.code, msg: e.response.data.msg });
}

const deleted = await ps.delete({ path: { system_status_id: id } });
step("delete", { code: deleted.code });
console.log("DONE");
