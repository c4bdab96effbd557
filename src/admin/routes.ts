/** Every admin operation, in one explicit list (the order of /admin/openapi.json). */
import type { AdminOperation } from "./operation.js";
import { getUserStatus, listStatusUsers, setUserSync } from "./state/state.js";
import { createTenant, getTenant, listTenants, patchTenant } from "./tenants/tenants.js";

export const ADMIN_OPERATIONS: readonly AdminOperation[] = [
  listTenants,
  createTenant,
  getTenant,
  patchTenant,
  getUserStatus,
  setUserSync,
  listStatusUsers,
];
