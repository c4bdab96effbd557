#!/usr/bin/env bash
# The vendor page's curl sample for batch_close, verbatim except where marked "larkstatus:".
set -euo pipefail
# larkstatus: base URL (https://open.feishu.cn), status id (7101214603622940671), token and open_id come from the environment.
curl -i -X POST "${LARK_BASE_URL}/open-apis/personal_settings/v1/system_statuses/${LARK_STATUS_ID}/batch_close?user_id_type=open_id" \
-H "Authorization: Bearer ${LARK_TENANT_TOKEN}" \
-H 'Content-Type: application/json' \
-d '{
	"user_list": [
		"'"${LARK_USER_ID}"'"
	]
}'
