import type { components } from "@hearth/sdk";
import { Check, ChevronLeft, ChevronRight, Copy, Pencil, RefreshCw, Wrench } from "lucide-react";
import { type FormEvent, type KeyboardEvent, memo, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/button.tsx";
import { formatNumber } from "../../lib/i18n.ts";
import { Markdown } from "../../lib/markdown.tsx";
import { useChat } from "./chat-context.ts";
import { isUnfinished, type Message, streamingReply } from "./conversation-data.ts";
import { MemoryUsedNote } from "./MemoryUsedNote.tsx";
import { factOf, REMEMBER_TOOL, RememberCard } from "./RememberCard.tsx";
import { useConversationData } from "./use-conversation.ts";

type MessagePart = components["schemas"]["MessagePart"];

/**
 * One message of the list, found by id: it subscribes to that message alone, so a reply streaming
 * elsewhere does not re-render it, and its own tokens re-render nothing else.
 */
export const MessageView = memo(function MessageView({ id, isEditing }: { id: string; isEditing: boolean }) {
  const { conversationId } = useChat();
  const message = useConversationData(conversationId, (data) => data?.byId.get(id));
  // Branches change one reply at a time: no regenerating or editing while a reply is written.
  const isBusy = useConversationData(conversationId, (data) => streamingReply(data) !== undefined);
  if (message === undefined) return null;
  return message.role === "user" ? (
    <Question message={message} isEditing={isEditing} isBusy={isBusy} />
  ) : (
    <Reply message={message} isBusy={isBusy} />
  );
});

function Question({ message, isEditing, isBusy }: { message: Message; isEditing: boolean; isBusy: boolean }) {
  const { t } = useTranslation("chat");
  const { actions } = useChat();
  if (isEditing) return <EditQuestion message={message} />;
  return (
    <div data-message-id={message.id} data-role="user" className="group flex flex-col items-end gap-1">
      <h2 className="sr-only">{t("message.you")}</h2>
      <div className="max-w-[85%] rounded-lg bg-user-bubble px-4 py-2 whitespace-pre-wrap break-words">
        {message.content}
      </div>
      <div className="flex items-center gap-0.5 text-muted-foreground">
        <BranchNav message={message} isBusy={isBusy} />
        <Button
          variant="ghost"
          size="icon"
          aria-label={t("message.edit")}
          disabled={isBusy}
          onClick={() => actions.startEdit(message.id)}
        >
          <Pencil aria-hidden="true" className="size-4" />
        </Button>
        <CopyButton text={message.content} />
      </div>
    </div>
  );
}

/** A question being edited in place: saving sends the new version as a sibling branch. */
function EditQuestion({ message }: { message: Message }) {
  const { t } = useTranslation("chat");
  const { actions } = useChat();
  const [text, setText] = useState(message.content);
  const [isSaving, setSaving] = useState(false);
  const field = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const element = field.current;
    element?.focus();
    element?.setSelectionRange(element.value.length, element.value.length);
  }, []);
  const save = async (event?: FormEvent) => {
    event?.preventDefault();
    const content = text.trim();
    if (content === "" || isSaving) return;
    setSaving(true);
    try {
      await actions.saveEdit(message.id, content);
    } finally {
      setSaving(false);
    }
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Escape") {
      // Escape here leaves editing; it must not also stop a reply.
      event.preventDefault();
      actions.cancelEdit();
    } else if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void save();
    }
  };
  return (
    <form data-message-id={message.id} data-role="user" onSubmit={save} className="ml-auto flex w-full flex-col gap-2">
      <textarea
        ref={field}
        aria-label={t("message.editLabel")}
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
        className="field-sizing-content max-h-80 min-h-20 w-full resize-none rounded-lg border border-input bg-background px-3 py-2 text-base text-foreground"
      />
      <div className="flex justify-end gap-2">
        <Button onClick={() => actions.cancelEdit()}>{t("common:cancel")}</Button>
        <Button type="submit" variant="primary" disabled={isSaving || text.trim() === ""}>
          {t("message.save")}
        </Button>
      </div>
    </form>
  );
}

function Reply({ message, isBusy }: { message: Message; isBusy: boolean }) {
  const { t } = useTranslation("chat");
  const { actions } = useChat();
  const isWriting = isUnfinished(message);
  const hasFailed = message.status === "error" || message.status === "interrupted";
  return (
    <article
      data-message-id={message.id}
      data-role="assistant"
      data-status={message.status}
      aria-busy={isWriting}
      className="group flex min-w-0 flex-col gap-1 break-words"
    >
      <h2 className="sr-only">{t("message.assistant")}</h2>
      <ReplyBody message={message} isWriting={isWriting} />
      {message.memoryUsed != null && message.memoryUsed.length > 0 && <MemoryUsedNote uses={message.memoryUsed} />}
      {message.status === "pending" && message.content === "" && (
        <p className="text-muted-foreground">
          <span aria-hidden="true" className="animate-pulse">
            ●
          </span>{" "}
          {t("message.writing")}
        </p>
      )}
      {message.status === "cancelled" && <p className="text-sm text-muted-foreground">{t("message.stopped")}</p>}
      {hasFailed && (
        <div className="flex flex-wrap items-center gap-2 text-sm text-destructive">
          <p>
            {t(message.status === "error" ? "message.failed" : "message.interrupted", {
              error: message.error ?? t("message.noReason"),
            })}
          </p>
          <Button disabled={isBusy} onClick={() => actions.regenerate(message.id)}>
            {t("common:retry")}
          </Button>
        </div>
      )}
      {!isWriting && (
        <div className="flex flex-wrap items-center gap-0.5 text-muted-foreground">
          <BranchNav message={message} isBusy={isBusy} />
          <CopyButton text={message.content} />
          <Button
            variant="ghost"
            size="icon"
            aria-label={t("message.regenerate")}
            disabled={isBusy}
            onClick={() => actions.regenerate(message.id)}
          >
            <RefreshCw aria-hidden="true" className="size-4" />
          </Button>
          <MessageDetails message={message} />
        </div>
      )}
    </article>
  );
}

/** The reply's text, with its tool calls folded in where they happened. */
function ReplyBody({ message, isWriting }: { message: Message; isWriting: boolean }) {
  const pieces = splitAtParts(message.content, message.parts);
  return pieces.map((piece, index) =>
    piece.kind === "text" ? (
      <Markdown key={piece.key} text={piece.text} isStreaming={isWriting && index === pieces.length - 1} />
    ) : (
      <ToolCall key={piece.key} call={piece} />
    ),
  );
}

/** A tool call as the generic folded call, or a remember call as a note of what was kept. */
function ToolCall({ call }: { call: ToolPiece }) {
  const fact = call.toolName === REMEMBER_TOOL && call.isError !== true ? factOf(call) : undefined;
  return fact === undefined ? <GenericToolCall call={call} /> : <RememberCard fact={fact} output={call.output} />;
}

type ToolPiece = {
  kind: "tool";
  key: string;
  toolCallId: string;
  toolName: string;
  input?: string;
  output?: string;
  isError?: boolean;
};
/** A piece's key is where it starts (and which it is there): it stays the same as the reply grows. */
type Piece = { kind: "text"; key: string; text: string } | ToolPiece;

/** Text between the parts' offsets, and each tool call with its result. */
function splitAtParts(content: string, parts: readonly MessagePart[] | null): Piece[] {
  if (parts === null || parts.length === 0) return [{ kind: "text", key: "text-0", text: content }];
  const pieces: Piece[] = [];
  const calls = new Map<string, ToolPiece>();
  let at = 0;
  for (const part of parts) {
    const offset = Math.min(Math.max(part.offset, at), content.length);
    if (offset > at) pieces.push({ kind: "text", key: `text-${at}`, text: content.slice(at, offset) });
    at = offset;
    // A result joins its call; a call (or a result without one) starts a piece of its own.
    let call = part.type === "tool-result" ? calls.get(part.toolCallId) : undefined;
    if (call === undefined || call.output !== undefined) {
      const key = `tool-${offset}-${pieces.length}`;
      call = { kind: "tool", key, toolCallId: part.toolCallId, toolName: part.toolName };
      calls.set(part.toolCallId, call);
      pieces.push(call);
    }
    if (part.type === "tool-call") call.input = part.input;
    else {
      call.output = part.output;
      call.isError = part.isError;
    }
  }
  if (at < content.length) pieces.push({ kind: "text", key: `text-${at}`, text: content.slice(at) });
  return pieces;
}

function GenericToolCall({ call }: { call: ToolPiece }) {
  const { t } = useTranslation("chat");
  const state =
    call.output === undefined ? t("tools.running") : call.isError ? t("tools.failed") : t("tools.succeeded");
  return (
    <details className="my-1 rounded-md border bg-muted/40 text-sm">
      <summary className="flex min-h-9 cursor-pointer items-center gap-2 px-3 py-1.5 pointer-coarse:min-h-11">
        <Wrench aria-hidden="true" className="size-4 shrink-0" />
        <span className="font-medium">{t("tools.call", { name: call.toolName })}</span>
        <span className="text-muted-foreground">{state}</span>
      </summary>
      <div className="flex flex-col gap-2 border-t px-3 py-2">
        {call.input !== undefined && (
          <div>
            <h3 className="text-xs font-medium text-muted-foreground">{t("tools.input")}</h3>
            <pre className="overflow-x-auto whitespace-pre-wrap break-all font-mono text-xs">{call.input}</pre>
          </div>
        )}
        {call.output !== undefined && (
          <div>
            <h3 className="text-xs font-medium text-muted-foreground">{t("tools.output")}</h3>
            <pre className="max-h-60 overflow-auto whitespace-pre-wrap break-all font-mono text-xs">{call.output}</pre>
          </div>
        )}
      </div>
    </details>
  );
}

/** "‹ 2/3 ›" where a message has other versions (edits, regenerations). */
function BranchNav({ message, isBusy }: { message: Message; isBusy: boolean }) {
  const { t } = useTranslation("chat");
  const { actions } = useChat();
  const { siblingIds } = message;
  if (siblingIds.length < 2) return null;
  const index = siblingIds.indexOf(message.id);
  const previous = siblingIds[index - 1];
  const next = siblingIds[index + 1];
  return (
    <div className="flex items-center">
      <Button
        variant="ghost"
        size="icon"
        aria-label={t("message.previousVersion")}
        disabled={previous === undefined || isBusy}
        onClick={() => previous !== undefined && actions.activate(previous)}
      >
        <ChevronLeft aria-hidden="true" className="size-4" />
      </Button>
      <span className="min-w-8 text-center text-xs tabular-nums">
        <span aria-hidden="true">
          {index + 1}/{siblingIds.length}
        </span>
        <span className="sr-only">{t("message.version", { current: index + 1, total: siblingIds.length })}</span>
      </span>
      <Button
        variant="ghost"
        size="icon"
        aria-label={t("message.nextVersion")}
        disabled={next === undefined || isBusy}
        onClick={() => next !== undefined && actions.activate(next)}
      >
        <ChevronRight aria-hidden="true" className="size-4" />
      </Button>
    </div>
  );
}

function CopyButton({ text }: { text: string }) {
  const { t } = useTranslation("chat");
  const { actions } = useChat();
  const [isCopied, setCopied] = useState(false);
  useEffect(() => {
    if (!isCopied) return;
    const timer = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(timer);
  }, [isCopied]);
  return (
    <Button
      variant="ghost"
      size="icon"
      aria-label={t("message.copy")}
      onClick={async () => setCopied(await actions.copy(text))}
    >
      {isCopied ? <Check aria-hidden="true" className="size-4" /> : <Copy aria-hidden="true" className="size-4" />}
    </Button>
  );
}

/** Model, tokens, time to first token and speed of a finished reply. */
function MessageDetails({ message }: { message: Message }) {
  const { t, i18n } = useTranslation("chat");
  const language = i18n.language;
  const seconds = (ms: number) =>
    new Intl.NumberFormat(language, { style: "unit", unit: "second", maximumFractionDigits: 2 }).format(ms / 1000);
  const firstToken = message.firstTokenAt === null ? undefined : Date.parse(message.firstTokenAt);
  const finished = message.finishedAt === null ? undefined : Date.parse(message.finishedAt);
  const generationMs = firstToken !== undefined && finished !== undefined ? finished - firstToken : undefined;
  const completion = message.usage?.completionTokens;
  const rows: [string, string][] = [[t("details.model"), message.model ?? t("details.unknown")]];
  if (message.usage !== null) {
    rows.push([
      t("details.tokens"),
      t("details.tokensValue", {
        prompt: formatNumber(message.usage.promptTokens, language),
        completion: formatNumber(message.usage.completionTokens, language),
      }),
    ]);
  }
  if (firstToken !== undefined)
    rows.push([t("details.firstToken"), seconds(firstToken - Date.parse(message.createdAt))]);
  if (generationMs !== undefined && generationMs > 0 && completion !== undefined) {
    const speed = new Intl.NumberFormat(language, { maximumFractionDigits: 1 }).format(
      completion / (generationMs / 1000),
    );
    rows.push([t("details.speed"), t("details.speedValue", { value: speed })]);
  }
  return (
    <details className="text-xs open:basis-full">
      <summary className="flex min-h-9 cursor-pointer items-center rounded-md px-2 hover:bg-accent pointer-coarse:min-h-11">
        {t("details.summary")}
      </summary>
      <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5 px-2 py-1">
        {rows.map(([term, value]) => (
          <div key={term} className="contents">
            <dt className="text-muted-foreground">{term}</dt>
            <dd className="text-foreground">{value}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}
