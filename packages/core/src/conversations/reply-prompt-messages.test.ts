import { describe, expect, it } from "vitest";
import { replyPromptMessages } from "./reply-prompt-messages.ts";
import type { MessagePart } from "./schema.ts";

const call = (offset: number, id: string): MessagePart => ({
  type: "tool-call",
  offset,
  toolCallId: id,
  toolName: "calculator",
  input: '{"expression":"6*7"}',
});
const result = (offset: number, id: string): MessagePart => ({
  type: "tool-result",
  offset,
  toolCallId: id,
  toolName: "calculator",
  output: "42",
  isError: false,
});

describe("replyPromptMessages", () => {
  it("keeps a message without parts as one text message, and an empty one as none", () => {
    expect(replyPromptMessages({ role: "user", content: "Hi", parts: null })).toEqual([
      { role: "user", content: [{ type: "text", text: "Hi" }] },
    ]);
    expect(replyPromptMessages({ role: "assistant", content: "", parts: null })).toEqual([]);
  });

  it("splits a reply at its parts' offsets into assistant, tool and assistant messages, in order", () => {
    const content = "Let me count. It is 42, and twice that is 84.";
    const parts = [call(13, "a"), result(13, "a"), call(22, "b"), result(22, "b")];
    expect(replyPromptMessages({ role: "assistant", content, parts })).toEqual([
      {
        role: "assistant",
        content: [
          { type: "text", text: "Let me count." },
          { type: "tool-call", toolCallId: "a", toolName: "calculator", input: '{"expression":"6*7"}' },
        ],
      },
      {
        role: "tool",
        content: [{ type: "tool-result", toolCallId: "a", toolName: "calculator", output: "42", isError: false }],
      },
      {
        role: "assistant",
        content: [
          { type: "text", text: " It is 42" },
          { type: "tool-call", toolCallId: "b", toolName: "calculator", input: '{"expression":"6*7"}' },
        ],
      },
      {
        role: "tool",
        content: [{ type: "tool-result", toolCallId: "b", toolName: "calculator", output: "42", isError: false }],
      },
      { role: "assistant", content: [{ type: "text", text: ", and twice that is 84." }] },
    ]);
  });

  it("keeps several calls of one step in one message and their results in the next", () => {
    const messages = replyPromptMessages({
      role: "assistant",
      content: "",
      parts: [call(0, "a"), call(0, "b"), result(0, "a"), result(0, "b")],
    });
    expect(messages.map((message) => [message.role, message.content.length])).toEqual([
      ["assistant", 2],
      ["tool", 2],
    ]);
  });

  it("leaves out a call whose result was never stored (the reply stopped during the tool)", () => {
    expect(replyPromptMessages({ role: "assistant", content: "Wait.", parts: [call(5, "a")] })).toEqual([
      { role: "assistant", content: [{ type: "text", text: "Wait." }] },
    ]);
  });
});
