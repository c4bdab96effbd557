/** The emulator's reset and named snapshots of the whole state. */
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import type { SnapshotInfo } from "../../storage/store.js";
import type { AdminOperation } from "../operation.js";
import { notFound } from "../problems.js";
import { EMULATOR_PROBLEM_RESPONSES, emulatorOf, NO_QUERY } from "./gate.js";

export const RestoreOut = Type.Object({
  took_ms: Type.Number({ description: "how long the reset or restore took, ms" }),
  rows: Type.Integer({ description: "rows of the state after it, over every table" }),
});

export const SnapshotOut = Type.Object({
  name: Type.String(),
  created_ms: Type.Integer({ description: "when it was saved (the emulated clock), Unix ms" }),
  created_at: Type.String({ description: "created_ms as ISO 8601 (UTC)" }),
  rows: Type.Integer({ description: "rows it holds, over every table" }),
});

export const SnapshotList = Type.Object({
  items: Type.Array(SnapshotOut, { description: "by name (byte order)" }),
});

export const SaveSnapshotBody = Type.Object(
  {
    name: Type.String({
      pattern: "^[A-Za-z0-9._-]{1,64}$",
      description: "1 to 64 letters, digits, '.', '_' or '-'; saving a name that exists replaces that snapshot",
    }),
  },
  { additionalProperties: false },
);
export type SaveSnapshotBody = Static<typeof SaveSnapshotBody>;

export const SnapshotParams = Type.Object({ name: Type.String({ description: "a snapshot's name" }) });
export type SnapshotParams = Static<typeof SnapshotParams>;

function view(s: SnapshotInfo): Static<typeof SnapshotOut> {
  return { name: s.name, created_ms: s.created_ms, created_at: new Date(s.created_ms).toISOString(), rows: s.rows };
}

export const reset: AdminOperation = {
  name: "emulator.reset",
  method: "POST",
  url: "/emulator/reset",
  summary:
    "Everything back to the start-up state (what the seeds made), in one transaction: no token, no named snapshot; the clock back to the wall clock; journal and faults cleared",
  tag: "emulator",
  schema: { querystring: NO_QUERY, response: { 200: RestoreOut, ...EMULATOR_PROBLEM_RESPONSES } },
  async handle(ctx) {
    return emulatorOf(ctx).reset();
  },
};

export const saveSnapshot: AdminOperation = {
  name: "emulator.snapshot.save",
  method: "POST",
  url: "/emulator/snapshots",
  summary: "Save the whole state (every table but the clock's) under a name; a name that exists is replaced",
  tag: "emulator",
  status: 201,
  schema: { body: SaveSnapshotBody, response: { 201: SnapshotOut, ...EMULATOR_PROBLEM_RESPONSES } },
  async handle(ctx, req: FastifyRequest<{ Body: SaveSnapshotBody }>) {
    return view(await emulatorOf(ctx).saveSnapshot(req.body.name));
  },
};

export const listSnapshots: AdminOperation = {
  name: "emulator.snapshot.list",
  method: "GET",
  url: "/emulator/snapshots",
  summary: "The saved snapshots, by name",
  tag: "emulator",
  schema: { querystring: NO_QUERY, response: { 200: SnapshotList, ...EMULATOR_PROBLEM_RESPONSES } },
  async handle(ctx) {
    return { items: (await emulatorOf(ctx).listSnapshots()).map(view) };
  },
};

export const restoreSnapshot: AdminOperation = {
  name: "emulator.snapshot.restore",
  method: "POST",
  url: "/emulator/snapshots/:name/restore",
  summary:
    "The whole state back to a snapshot, exactly, in one transaction (the clock is not part of it: time only moves forward)",
  tag: "emulator",
  schema: { params: SnapshotParams, response: { 200: RestoreOut, ...EMULATOR_PROBLEM_RESPONSES } },
  async handle(ctx, req: FastifyRequest<{ Params: SnapshotParams }>) {
    const done = await emulatorOf(ctx).restoreSnapshot(req.params.name);
    if (!done) throw notFound("snapshot", req.params.name);
    return done;
  },
};

export const deleteSnapshot: AdminOperation = {
  name: "emulator.snapshot.delete",
  method: "DELETE",
  url: "/emulator/snapshots/:name",
  summary: "Delete a snapshot",
  tag: "emulator",
  status: 204,
  schema: {
    params: SnapshotParams,
    response: { 204: Type.Null({ description: "deleted; no body" }), ...EMULATOR_PROBLEM_RESPONSES },
  },
  async handle(ctx, req: FastifyRequest<{ Params: SnapshotParams }>) {
    if (!(await emulatorOf(ctx).deleteSnapshot(req.params.name))) throw notFound("snapshot", req.params.name);
    return undefined;
  },
};
