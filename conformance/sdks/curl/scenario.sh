#!/usr/bin/env bash
# The lifecycle with plain curl (conformance/sdks/README.md, "The scenario protocol").
set -euo pipefail
B="${LARK_BASE_URL}/open-apis"
S="$B/personal_settings/v1/system_statuses"
J='Content-Type: application/json'
# json FILTER: evaluates a Python expression over the JSON on stdin, bound to d.
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(json.dumps($1, ensure_ascii=False, separators=(',',':')))"; }
raw() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

tok=$(curl -sS -X POST "$B/auth/v3/tenant_access_token/internal" -H "$J" \
  -d "{\"app_id\":\"${LARK_APP_ID}\",\"app_secret\":\"${LARK_APP_SECRET}\"}")
TOKEN=$(echo "$tok" | raw 'd["tenant_access_token"]')
echo "STEP token $(echo "$tok" | json '{"prefix": d["tenant_access_token"][:2]}')"
A="Authorization: Bearer ${TOKEN}"

created=$(curl -sS -X POST "$S" -H "$A" -H "$J" \
  -d '{"title":"出差中","i18n_title":{"en_us":"Travelling"},"icon_key":"GeneralBusinessTrip","color":"ORANGE","priority":3}')
echo "STEP create $(echo "$created" | json '{"system_status": d["data"]["system_status"]}')"
ID=$(echo "$created" | raw 'd["data"]["system_status"]["system_status_id"]')

# page_token loop: follow page_token while has_more.
pages=0; titles=(); pt=""
while :; do
  page=$(curl -sS -G "$S" -H "$A" --data-urlencode "page_size=1" ${pt:+--data-urlencode "page_token=$pt"})
  pages=$((pages + 1))
  while IFS= read -r t; do titles+=("$t"); done < <(echo "$page" | raw '"\n".join(s["title"] for s in d["data"]["items"])')
  more=$(echo "$page" | raw 'd["data"]["has_more"]')
  [ "$more" = "True" ] || break
  pt=$(echo "$page" | raw 'd["data"]["page_token"]')
done
printf '%s\n' "${titles[@]}" | python3 -c "import json,sys; print('STEP list ' + json.dumps({'pages': $pages, 'titles': sys.stdin.read().split()}, ensure_ascii=False, separators=(',',':')))"

patched=$(curl -sS -X PATCH "$S/$ID" -H "$A" -H "$J" \
  -d '{"system_status":{"title":"差旅中","color":"RED","icon_key":"Coffee"},"update_fields":["TITLE","COLOR"]}')
echo "STEP patch $(echo "$patched" | json '{"system_status": d["data"]["system_status"]}')"

END=$(( $(date +%s) + 3600 ))
opened=$(curl -sS -X POST "$S/$ID/batch_open?user_id_type=open_id" -H "$A" -H "$J" \
  -d "{\"user_list\":[{\"user_id\":\"${LARK_USER_ID}\",\"end_time\":\"$END\"},{\"user_id\":\"ou_00000000000000000000000000000000\",\"end_time\":\"$END\"}]}")
echo "STEP batch_open $(echo "$opened" | json "{\"end_time_type\": \"string\", \"sent_end_time\": \"$END\", \"result_list\": d[\"data\"][\"result_list\"]}")"

closed=$(curl -sS -X POST "$S/$ID/batch_close?user_id_type=open_id" -H "$A" -H "$J" -d "{\"user_list\":[\"${LARK_USER_ID}\"]}")
echo "STEP batch_close $(echo "$closed" | json '{"result_list": d["data"]["result_list"]}')"

# curl has no error API: read the vendor envelope of the 400 answer.
dup=$(curl -sS -X POST "$S" -H "$A" -H "$J" -d '{"title":"差旅中","icon_key":"Coffee","priority":4}')
echo "STEP error $(echo "$dup" | json '{"code": d["code"], "msg": d["msg"]}')"

deleted=$(curl -sS -X DELETE "$S/$ID" -H "$A")
echo "STEP delete $(echo "$deleted" | json '{"code": d["code"]}')"
echo DONE
