/**
 * @module
 * One chat's state and verbs, over the SDK: the conversation (created with the first message), the
 * model replies are asked for, and the last question and reply, which /edit and /regenerate act on.
 */
import {
  type components,
  type HearthClient,
  HearthError,
  type StreamedReply,
  sendMessage,
  streamReply,
  unwrap,
} from "@hearth/sdk";
import { CliError } from "../errors.ts";

type Conversation = components["schemas"]["Conversation"];
type Message = components["schemas"]["Message"];
type MessageNode = components["schemas"]["MessageNode"];
type Model = components["schemas"]["Model"];
type Exchange = components["schemas"]["Exchange"];

/** The latest point of the active path with alternatives (edits or regenerations), newest first found. */
export interface Fork {
  /** The alternatives, oldest first (the order of `siblingIds`). */
  branches: MessageNode[];
  /** Which of them is on the active path (0-based). */
  activeIndex: number;
}

/** How many messages of the active path one request reads. */
const PATH_PAGE = 500;

export class ChatSession {
  readonly hearth: HearthClient;
  conversation: Conversation | undefined;
  /** The model replies are asked for; undefined leaves it to the conversation, then the server. */
  model: string | undefined;
  lastQuestion: Message | undefined;
  lastReply: Message | undefined;
  /** The system prompt a conversation not yet started will be created with. */
  #pendingSystemPrompt: string | undefined;
  /** The assistant new conversations start from (its settings, under the model and system prompt given). */
  #assistantId: string | undefined;
  /** What a conversation not yet started does once it outgrows the model's context. */
  #contextStrategy: "drop-oldest" | "summarize" | undefined;
  /** New conversations are temporary: they neither read nor feed memory. */
  #isTemporary = false;

  private constructor(hearth: HearthClient, model: string | undefined) {
    this.hearth = hearth;
    this.model = model;
  }

  /**
   * A session of a new conversation (created with the first message), or continuing a stored one from
   * its active branch's last question and reply. A model that the server does not list is refused here.
   */
  static async open(
    hearth: HearthClient,
    options: {
      model?: string | undefined;
      conversationId?: string | undefined;
      systemPrompt?: string | undefined;
      assistantId?: string | undefined;
      contextStrategy?: "drop-oldest" | "summarize" | undefined;
      temporary?: boolean | undefined;
    },
  ): Promise<ChatSession> {
    const model = options.model === undefined ? undefined : (await findModel(hearth, options.model)).id;
    const session = new ChatSession(hearth, model);
    session.#assistantId = options.assistantId;
    session.#contextStrategy = options.contextStrategy;
    session.#isTemporary = options.temporary === true;
    if (options.conversationId === undefined) {
      session.#pendingSystemPrompt = options.systemPrompt;
      return session;
    }
    session.conversation = unwrap(
      await hearth.api.GET("/api/conversations/{id}", { params: { path: { id: options.conversationId } } }),
    );
    if (options.systemPrompt !== undefined) await session.setSystemPrompt(options.systemPrompt);
    if (options.contextStrategy !== undefined) {
      session.conversation = unwrap(
        await hearth.api.PATCH("/api/conversations/{id}", {
          params: { path: { id: options.conversationId } },
          body: { contextStrategy: options.contextStrategy },
        }),
      );
    }
    session.#takeTail((await session.#pathPage(undefined)).data);
    return session;
  }

  /** The instructions the model reads before the conversation, if any. */
  get systemPrompt(): string | undefined {
    return this.conversation === undefined ? this.#pendingSystemPrompt : (this.conversation.systemPrompt ?? undefined);
  }

  /** Sets the system prompt (null clears it); a conversation not yet started gets it when it starts. */
  async setSystemPrompt(text: string | null): Promise<void> {
    if (this.conversation === undefined) {
      this.#pendingSystemPrompt = text?.trim() ? text : undefined;
      return;
    }
    this.conversation = unwrap(
      await this.hearth.api.PATCH("/api/conversations/{id}", {
        params: { path: { id: this.conversation.id } },
        body: { systemPrompt: text },
      }),
    );
  }

  /** Sends a message (starting the conversation with the first) and streams its reply. */
  async send(content: string, signal?: AbortSignal): Promise<StreamedReply<Exchange>> {
    const conversation = this.conversation ?? (await this.#startConversation());
    const reply = await sendMessage(
      this.hearth,
      conversation.id,
      { content, ...(this.model === undefined ? {} : { model: this.model }) },
      { signal },
    );
    this.lastQuestion = reply.started.userMessage;
    this.lastReply = reply.started.assistantMessage;
    return reply;
  }

  /** Writes another reply to the last question, as a new branch. */
  async regenerate(signal?: AbortSignal): Promise<StreamedReply<{ assistantMessage: Message }>> {
    const { conversation, lastReply } = this;
    if (conversation === undefined || lastReply === undefined)
      throw new CliError("there is no reply to regenerate yet");
    const body = this.model === undefined ? {} : { model: this.model };
    const reply = await streamReply(
      this.hearth,
      conversation.id,
      async () =>
        unwrap(
          await this.hearth.api.POST("/api/messages/{id}/regenerate", { params: { path: { id: lastReply.id } }, body }),
        ),
      { signal },
    );
    this.lastReply = reply.started.assistantMessage;
    return reply;
  }

  /** Replaces the last question by `content`, as a new branch with a new reply. */
  async edit(content: string, signal?: AbortSignal): Promise<StreamedReply<Exchange>> {
    const { conversation, lastQuestion } = this;
    if (conversation === undefined || lastQuestion === undefined) throw new CliError("there is no message to edit yet");
    const reply = await streamReply(
      this.hearth,
      conversation.id,
      async () =>
        unwrap(
          await this.hearth.api.PATCH("/api/messages/{id}", {
            params: { path: { id: lastQuestion.id } },
            body: { content },
          }),
        ),
      { signal },
    );
    this.lastQuestion = reply.started.userMessage;
    this.lastReply = reply.started.assistantMessage;
    return reply;
  }

  /** Stops a reply being written (the server keeps its text, `cancelled`); one that already ended stays as it is. */
  async cancel(replyId: string): Promise<void> {
    const { error } = await this.hearth.api.POST("/api/messages/{id}/cancel", { params: { path: { id: replyId } } });
    if (error !== undefined && error.code !== "reply-finished") throw new HearthError(error);
  }

  /** Leaves the conversation: the next message starts a new one (with the same model and system prompt). */
  startNew(): void {
    this.#pendingSystemPrompt = this.systemPrompt;
    this.conversation = undefined;
    this.lastQuestion = undefined;
    this.lastReply = undefined;
  }

  /** The models the server lists. */
  async models(): Promise<Model[]> {
    return unwrap(await this.hearth.api.GET("/api/models")).data;
  }

  /** Asks replies of `modelId` from now on, and makes it the conversation's model. */
  async setModel(modelId: string): Promise<void> {
    const model = await findModel(this.hearth, modelId);
    this.model = model.id;
    if (this.conversation === undefined) return;
    this.conversation = unwrap(
      await this.hearth.api.PATCH("/api/conversations/{id}", {
        params: { path: { id: this.conversation.id } },
        body: { model: model.id },
      }),
    );
  }

  /** The latest fork of the active path, or undefined when it has none. */
  async latestFork(): Promise<Fork | undefined> {
    if (this.conversation === undefined) return undefined;
    const forkAt = await this.#latestMessageWithSiblings();
    if (forkAt === undefined) return undefined;
    const branches = await this.#nodes(this.conversation.id, forkAt.siblingIds);
    return { branches, activeIndex: forkAt.siblingIds.indexOf(forkAt.id) };
  }

  /** A message of the conversation as stored now, or undefined when it is not there. */
  async storedMessage(messageId: string): Promise<MessageNode | undefined> {
    if (this.conversation === undefined) return undefined;
    return (await this.#nodes(this.conversation.id, [messageId]))[0];
  }

  /** Makes the branch through `messageId` the active one; answers its last message. */
  async switchBranch(messageId: string): Promise<Message | undefined> {
    const path = unwrap(
      await this.hearth.api.POST("/api/messages/{id}/activate", { params: { path: { id: messageId } } }),
    );
    this.#takeTail(path.data);
    return path.data.at(-1);
  }

  async #startConversation(): Promise<Conversation> {
    const body = {
      ...(this.model === undefined ? {} : { model: this.model }),
      ...(this.#pendingSystemPrompt === undefined ? {} : { systemPrompt: this.#pendingSystemPrompt }),
      ...(this.#assistantId === undefined ? {} : { assistantId: this.#assistantId }),
      ...(this.#contextStrategy === undefined ? {} : { contextStrategy: this.#contextStrategy }),
      ...(this.#isTemporary ? { temporary: true } : {}),
    };
    this.conversation = unwrap(await this.hearth.api.POST("/api/conversations", { body }));
    return this.conversation;
  }

  /** A page of the active path (the newest first, then older ones by cursor), oldest first within it. */
  async #pathPage(cursor: string | undefined): Promise<{ data: Message[]; nextCursor: string | null }> {
    const conversationId = (this.conversation as Conversation).id;
    return unwrap(
      await this.hearth.api.GET("/api/conversations/{id}/messages", {
        params: { path: { id: conversationId }, query: { limit: PATH_PAGE, ...(cursor ? { cursor } : {}) } },
      }),
    );
  }

  async #latestMessageWithSiblings(): Promise<Message | undefined> {
    let page = await this.#pathPage(undefined);
    for (;;) {
      const found = page.data.findLast((message) => message.siblingIds.length > 1);
      if (found !== undefined || page.nextCursor === null) return found;
      page = await this.#pathPage(page.nextCursor);
    }
  }

  /** The messages of `ids`, in that order, read from the conversation's tree. */
  async #nodes(conversationId: string, ids: readonly string[]): Promise<MessageNode[]> {
    const wanted = new Map<string, MessageNode>();
    let cursor: string | undefined;
    do {
      const page = unwrap(
        await this.hearth.api.GET("/api/conversations/{id}/tree", {
          params: { path: { id: conversationId }, query: { limit: 1000, ...(cursor ? { cursor } : {}) } },
        }),
      );
      for (const node of page.data) if (ids.includes(node.id)) wanted.set(node.id, node);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined && wanted.size < ids.length);
    return ids.flatMap((id) => wanted.get(id) ?? []);
  }

  /** The last question and reply of the active path's newest messages. */
  #takeTail(path: readonly Message[]): void {
    this.lastQuestion = path.findLast((message) => message.role === "user");
    this.lastReply = path.findLast((message) => message.role === "assistant");
  }
}

/**
 * The model the server lists under `modelId` (its qualified id, or a local model's file name, as the
 * server resolves a bare id). An unknown model is refused here, before anything is stored.
 */
async function findModel(hearth: HearthClient, modelId: string): Promise<Model> {
  const { data } = unwrap(await hearth.api.GET("/api/models"));
  const model = data.find((each) => each.id === modelId || (each.provider === "local" && each.modelId === modelId));
  if (model === undefined) {
    throw new CliError(
      `no model named ${JSON.stringify(modelId)} on this server; hearth models list shows the models there`,
    );
  }
  return model;
}
