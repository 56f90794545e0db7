/** @module Memory's routes: the caller's settings and saved memories, export and delete-all. */
import { createRoute } from "@hono/zod-openapi";
import { currentPrincipal } from "../accounts/authenticate.ts";
import { IdParam } from "../accounts/schema.ts";
import { createRouter } from "../http/create-router.ts";
import { asUser, jsonBody, jsonContent, problems } from "../http/route-helpers.ts";
import { unwrap } from "../problems.ts";
import {
  CreateMemoryInput,
  DeletedMemories,
  MAX_MEMORIES_PER_USER,
  Memory,
  MemoryExport,
  MemoryListQuery,
  MemoryPage,
  MemorySettings,
  UpdateMemoryInput,
  UpdateMemorySettingsInput,
} from "./schema.ts";
import {
  createMemory,
  deleteAllMemories,
  deleteMemory,
  exportMemories,
  listMemories,
  readMemorySettings,
  updateMemory,
  updateMemorySettings,
} from "./service.ts";

const tags = ["memory"];

const getSettings = createRoute({
  method: "get",
  path: "/api/memory/settings",
  tags,
  summary: "Whether memory is on, and how it works for you",
  ...asUser,
  responses: { 200: jsonContent(MemorySettings, "Your memory settings and counts") },
});

const patchSettings = createRoute({
  method: "patch",
  path: "/api/memory/settings",
  tags,
  summary: "Turn memory on or off, automatic saving, and recall from your history",
  description:
    "With memory on, each reply (except in temporary conversations) reads your saved memories and, with " +
    "`recallHistory`, the passages of your other conversations most relevant to the question; the model may " +
    "propose memories with its `remember` tool. The reply's `memoryUsed` says what it read.",
  ...asUser,
  request: { body: jsonBody(UpdateMemorySettingsInput) },
  responses: { 200: jsonContent(MemorySettings, "Your memory settings") },
});

const list = createRoute({
  method: "get",
  path: "/api/memories",
  tags,
  summary: "Your memories, newest first",
  ...asUser,
  request: { query: MemoryListQuery },
  responses: { 200: jsonContent(MemoryPage, "A page of memories") },
});

const create = createRoute({
  method: "post",
  path: "/api/memories",
  tags,
  summary: "Save a memory",
  description:
    `A fact kept already (letter case and spacing aside) is answered with the one there is: 200, or 201 where it ` +
    `was a proposal, which this saves. One person may keep ${MAX_MEMORIES_PER_USER}.`,
  ...asUser,
  request: { body: jsonBody(CreateMemoryInput) },
  responses: {
    201: jsonContent(Memory, "The memory, saved now"),
    200: jsonContent(Memory, "The same fact, saved already"),
  },
  ...problems("too-many-memories"),
});

const exportAll = createRoute({
  method: "get",
  path: "/api/memories/export",
  tags,
  summary: "Export your memory settings and every memory",
  ...asUser,
  responses: { 200: jsonContent(MemoryExport, "Your settings and memories, oldest first") },
});

const removeAll = createRoute({
  method: "delete",
  path: "/api/memories",
  tags,
  summary: "Delete every memory, saved and proposed",
  description: "Your conversations stay; turn memory off (PATCH /api/memory/settings) to stop recall from them.",
  ...asUser,
  responses: { 200: jsonContent(DeletedMemories, "How many were deleted") },
});

const update = createRoute({
  method: "patch",
  path: "/api/memories/{id}",
  tags,
  summary: "Change a memory, or save a proposal",
  ...asUser,
  request: { params: IdParam, body: jsonBody(UpdateMemoryInput) },
  responses: { 200: jsonContent(Memory, "The changed memory") },
  ...problems("memory-not-found", "memory-exists"),
});

const remove = createRoute({
  method: "delete",
  path: "/api/memories/{id}",
  tags,
  summary: "Delete a memory, or dismiss a proposal",
  ...asUser,
  request: { params: IdParam },
  responses: { 204: { description: "Deleted" } },
  ...problems("memory-not-found"),
});

export const memoryRoutes = createRouter()
  .openapi(getSettings, async (c) => {
    const { user } = currentPrincipal(c);
    return c.json(await readMemorySettings(c.var.db, user.id), 200);
  })
  .openapi(patchSettings, async (c) => {
    const { user } = currentPrincipal(c);
    return c.json(await updateMemorySettings(c.var.db, user.id, c.req.valid("json")), 200);
  })
  .openapi(list, async (c) => {
    const { user } = currentPrincipal(c);
    return c.json(await listMemories(c.var.db, user.id, c.req.valid("query")), 200);
  })
  .openapi(create, async (c) => {
    const { user } = currentPrincipal(c);
    const { content } = c.req.valid("json");
    const kept = unwrap(
      await createMemory(c.var.db, user.id, { content, status: "saved", source: "user" }, c.var.clock.now()),
    );
    return kept.outcome === "unchanged" ? c.json(kept.memory, 200) : c.json(kept.memory, 201);
  })
  .openapi(exportAll, async (c) => {
    const { user } = currentPrincipal(c);
    const exported = await exportMemories(c.var.db, user.id, c.var.clock.now());
    c.header("Content-Disposition", 'attachment; filename="hearth-memory.json"');
    return c.json(exported, 200);
  })
  .openapi(removeAll, async (c) => {
    const { user } = currentPrincipal(c);
    return c.json({ deleted: await deleteAllMemories(c.var.db, user.id) }, 200);
  })
  .openapi(update, async (c) => {
    const { user } = currentPrincipal(c);
    const { id } = c.req.valid("param");
    return c.json(unwrap(await updateMemory(c.var.db, user.id, id, c.req.valid("json"), c.var.clock.now())), 200);
  })
  .openapi(remove, async (c) => {
    const { user } = currentPrincipal(c);
    unwrap(await deleteMemory(c.var.db, user.id, c.req.valid("param").id));
    return c.body(null, 204);
  });
