/** Every vendor operation larkstatus serves, in one explicit list. */
import { appAccessToken, tenantAccessToken } from "./auth/tokens.js";
import type { Operation } from "./operation.js";
import { batchClose } from "./system-statuses/batch-close.js";
import { batchOpen } from "./system-statuses/batch-open.js";
import { createStatus } from "./system-statuses/create.js";
import { deleteStatus } from "./system-statuses/delete.js";
import { listStatuses } from "./system-statuses/list.js";
import { patchStatus } from "./system-statuses/patch.js";

export const OPERATIONS: readonly Operation[] = [
  tenantAccessToken,
  appAccessToken,
  createStatus,
  deleteStatus,
  patchStatus,
  listStatuses,
  batchOpen,
  batchClose,
];
