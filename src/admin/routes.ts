/** Every admin operation, in one explicit list (the order of /admin/openapi.json). */
import { listAudit } from "./audit/audit.js";
import { createApp, getApp, listApps, patchApp, rotateSecret } from "./directory/apps.js";
import { importUsers } from "./directory/import.js";
import { getUser, listUsers, putUser } from "./directory/users.js";
import { getClock, setClock } from "./emulator/clock.js";
import { deleteSnapshot, listSnapshots, reset, restoreSnapshot, saveSnapshot } from "./emulator/snapshots.js";
import type { AdminOperation } from "./operation.js";
import { getUserStatus, listStatusUsers, setUserSync } from "./state/state.js";
import { createTenant, deleteTenant, getTenant, listTenants, patchTenant } from "./tenants/tenants.js";

export const ADMIN_OPERATIONS: readonly AdminOperation[] = [
  listTenants,
  createTenant,
  getTenant,
  patchTenant,
  deleteTenant,
  createApp,
  listApps,
  getApp,
  patchApp,
  rotateSecret,
  listUsers,
  importUsers,
  getUser,
  putUser,
  getUserStatus,
  setUserSync,
  listStatusUsers,
  listAudit,
  getClock,
  setClock,
  reset,
  saveSnapshot,
  listSnapshots,
  restoreSnapshot,
  deleteSnapshot,
];
