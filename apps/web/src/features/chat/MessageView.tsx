import type { components } from "@hearth/sdk";
import { Markdown } from "../../lib/markdown.tsx";

type Message = components["schemas"]["Message"];

export function MessageView({ message }: { message: Message }) {
  if (message.role === "user") {
    return (
      <div className="ml-auto max-w-[85%] rounded-lg bg-user-bubble px-4 py-2 whitespace-pre-wrap break-words">
        {message.content}
      </div>
    );
  }
  return (
    <article className="min-w-0 break-words">
      <Markdown text={message.content} isStreaming={message.status === "streaming" || message.status === "pending"} />
    </article>
  );
}
