import type { Database } from "@hearth/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConversation, deleteConversation, listConversations, restoreConversation } from "./service.ts";
import { databaseWithOwner } from "./test-owner.ts";

describe("conversation service", () => {
  let db: Database;
  let ownerId: string;
  beforeAll(async () => {
    ({ db, ownerId } = await databaseWithOwner());
  });
  afterAll(() => db.close());

  const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));

  it("pages the live and the deleted lists separately, newest-updated first", async () => {
    const created = [];
    for (let second = 0; second < 4; second++) {
      created.push(await createConversation(db, ownerId, { title: `c${second}` }, at(second)));
    }
    await deleteConversation(db, ownerId, created[1]?.id as string, at(10));
    const first = await listConversations(db, ownerId, { limit: 2, deleted: false });
    expect(first.data.map((conversation) => conversation.title)).toEqual(["c3", "c2"]);
    const rest = await listConversations(db, ownerId, { limit: 2, deleted: false, cursor: first.nextCursor as string });
    expect(rest).toEqual({ data: [expect.objectContaining({ title: "c0" })], nextCursor: null });
    const deleted = await listConversations(db, ownerId, { limit: 2, deleted: true });
    expect(deleted.data.map((conversation) => conversation.title)).toEqual(["c1"]);
  });

  it("reports conversation-not-found when restoring an id the owner does not have", async () => {
    const id = "00000000-0000-4000-8000-000000000000";
    expect(await restoreConversation(db, ownerId, id)).toEqual({
      ok: false,
      problem: { code: "conversation-not-found", detail: expect.any(String), conversationId: id },
    });
  });
});
