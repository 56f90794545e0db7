import { type ChatWrapper, JinjaTemplateChatWrapper, type LlamaModel, resolveChatWrapper } from "node-llama-cpp";
import { CHAT_FORMATS, type ChatFormat } from "../spec/model-settings.ts";

const isChatFormat = (value: string): value is ChatFormat => (CHAT_FORMATS as readonly string[]).includes(value);

/**
 * The chat wrapper a model talks through: the one its GGUF names, or an admin's override, a built-in
 * format by name or a Jinja template. A template equal to a built-in format gets that format (and its
 * native tool calls), as node-llama-cpp resolves the GGUF's own; a broken one fails the load.
 */
export function chatWrapperFor(model: LlamaModel, chatTemplate: string | undefined): ChatWrapper {
  if (chatTemplate === undefined) return resolveChatWrapper(model);
  if (isChatFormat(chatTemplate)) return resolveChatWrapper(model, { type: chatTemplate });
  return resolveChatWrapper(model, {
    customWrapperSettings: { jinjaTemplate: { template: chatTemplate } },
    fallbackToOtherWrappersOnJinjaError: false,
    warningLogs: false,
  });
}

/** Why a chat-template override cannot be used (a Jinja template that fails to render a chat), or undefined. */
export function chatTemplateProblem(chatTemplate: string): string | undefined {
  if (isChatFormat(chatTemplate)) return undefined;
  try {
    new JinjaTemplateChatWrapper({ template: chatTemplate });
    return undefined;
  } catch (error) {
    return (error instanceof Error ? error.message : String(error))
      .replace(/\. Inspect the Jinja template to find out what went wrong$/, "")
      .slice(0, 500);
  }
}
