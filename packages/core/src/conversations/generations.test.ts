import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Database } from "@hearth/db";
import { LlamaCppProvider } from "@hearth/engine";
import { writeTestModel } from "@hearth/engine/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../clock.ts";
import type { Logger } from "../logger.ts";
import { createInProcessEventBus, readEventsAfter } from "./events.ts";
import { type GenerationJob, Generations } from "./generations.ts";
import { findMessage, insertMessage } from "./messages.ts";
import { createConversation } from "./service.ts";
import { databaseWithOwner } from "./test-owner.ts";
import { cleanTitle } from "./title-conversation.ts";

describe("a title written by the model", () => {
  it("becomes one clean line: no control characters, quotes or markdown around it", () => {
    expect(cleanTitle('  "Weekend in\nLisbon"  ')).toBe("Weekend in Lisbon");
    expect(cleanTitle("# **Trip plans**")).toBe("Trip plans");
    expect(cleanTitle("a\u0000b\u200bc\u001b[31m")).toBe("a b c [31m");
  });

  it("is cut to 80 characters without splitting a character", () => {
    const title = cleanTitle("🔥".repeat(100)) as string;
    expect([...title]).toHaveLength(80);
  });

  it("is dropped when nothing is left of it", () => {
    expect(cleanTitle(" \n\t\"'")).toBeUndefined();
    expect(cleanTitle("\uFFFD\uFFFD")).toBeUndefined();
  });
});

/**
 * Issue "Harden the core", item 7: a stop at any step ends the reply as its cause says (`cancelled`
 * for a Stop, `interrupted` for a shutdown), never as `error`; here on the real engine.
 */
describe("Generations stopped by a shutdown", () => {
  let db: Database;
  let ownerId: string;
  let modelsDir: string;
  let provider: LlamaCppProvider;
  const bus = createInProcessEventBus();
  const logger: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => logger };
  beforeAll(async () => {
    ({ db, ownerId } = await databaseWithOwner());
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-models-"));
    await writeTestModel(join(modelsDir, "tiny-chat.gguf"), { width: 256, layers: 4 });
    provider = await LlamaCppProvider.create({ modelsDir, gpu: false, contextSize: 2048 });
  });
  afterAll(async () => {
    await provider.close();
    await db.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  const generations = () =>
    new Generations({
      models: { languageModel: (id) => provider.languageModel(id) },
      bus,
      clock: systemClock,
      logger,
      settings: { maxReplyTokens: 1500, coalesceMs: 10 },
    });

  /** A question and its pending reply, as a send leaves them. */
  const pendingJob = async (): Promise<GenerationJob> => {
    const conversation = await createConversation(db, ownerId, { title: "Shutdown" }, new Date());
    const base = { conversationId: conversation.id, model: null };
    const question = await insertMessage(
      db,
      { ...base, parentId: null, role: "user", content: "Tell me a story", status: "done" },
      new Date(),
    );
    const reply = await insertMessage(
      db,
      { ...base, parentId: question.id, role: "assistant", content: "", status: "pending", model: "tiny-chat" },
      new Date(),
    );
    return { conversationId: conversation.id, messageId: reply.id, userMessageId: question.id, model: "tiny-chat" };
  };

  it("stores a reply being streamed as interrupted, with the text it had", async () => {
    const writing = generations();
    const job = await pendingJob();
    const streamed = new Promise<void>((resolve) => {
      const unsubscribe = bus.subscribe(job.conversationId, (event) => {
        if (event.type !== "message.delta") return;
        unsubscribe();
        resolve();
      });
    });
    writing.start(db, job);
    await streamed;
    await writing.close();
    const reply = await findMessage(db, job.messageId);
    expect(reply).toMatchObject({ status: "interrupted", error: "The server stopped during the reply." });
    expect(reply?.content.length).toBeGreaterThan(0);
    const events = await readEventsAfter(db, job.conversationId, 0, 10_000);
    expect(events.at(-1)).toMatchObject({ type: "message.done", data: expect.stringContaining('"interrupted"') });
    const text = events
      .filter((event) => event.type === "message.delta")
      .map((event) => (JSON.parse(event.data) as { delta: string }).delta)
      .join("");
    expect(text).toBe(reply?.content);
  });

  it("stores a reply stopped before its first token as interrupted, not as an error", async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const writing = generations();
      const job = await pendingJob();
      writing.start(db, job);
      await writing.close();
      expect(await findMessage(db, job.messageId)).toMatchObject({ status: "interrupted", content: "" });
    }
  });
});
