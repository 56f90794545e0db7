import { Ellipsis, Pencil, Pin, PinOff, Trash2 } from "lucide-react";
import { DropdownMenu } from "radix-ui";
import { type KeyboardEvent, type Ref, useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "wouter";
import { problemMessage } from "../../lib/problem-message.ts";
import { type Conversation, useUpdateConversation } from "./conversation-queries.ts";

const MAX_TITLE_CHARS = 200;

export interface ConversationRowProps {
  conversation: Conversation;
  isActive: boolean;
  /** Move focus to the row's link (after a rename, or when an undo brings it back). */
  shouldFocus: boolean;
  onFocused: () => void;
  onNavigate: () => void;
  onDelete: (conversation: Conversation) => void;
}

const ITEM =
  "flex cursor-pointer items-center gap-2 rounded-sm px-2 py-1.5 text-sm outline-none select-none data-highlighted:bg-accent data-highlighted:text-accent-foreground pointer-coarse:min-h-11";

/** One conversation of the sidebar: its link, or its title being renamed, and its actions menu. */
export function ConversationRow({
  conversation,
  isActive,
  shouldFocus,
  onFocused,
  onNavigate,
  onDelete,
}: ConversationRowProps) {
  const { t } = useTranslation("conversations");
  const update = useUpdateConversation();
  const [isRenaming, setRenaming] = useState(false);
  const link = useRef<HTMLAnchorElement>(null);
  // What the menu's closing does with focus: back to its button, or on to the title field or the undo toast.
  const focusAfterMenu = useRef<"trigger" | "rename" | "elsewhere">("trigger");
  const renameInput = useRef<HTMLInputElement>(null);
  // Set when a rename ends: focus goes back to the link that replaces the field.
  const refocus = useRef(false);

  useEffect(() => {
    if (isRenaming || !(shouldFocus || refocus.current)) return;
    refocus.current = false;
    link.current?.focus();
    if (shouldFocus) onFocused();
  }, [shouldFocus, isRenaming, onFocused]);

  const title = conversation.title || t("untitled");
  return (
    <li className="group flex items-center gap-1 rounded-md pr-1 hover:bg-accent has-[[aria-current=page]]:bg-accent">
      {isRenaming ? (
        <RenameField
          ref={renameInput}
          conversation={conversation}
          onDone={() => {
            refocus.current = true;
            setRenaming(false);
          }}
        />
      ) : (
        <Link
          ref={link}
          href={`/c/${conversation.id}`}
          onClick={onNavigate}
          aria-current={isActive ? "page" : undefined}
          className="min-w-0 flex-1 truncate rounded-md px-2 py-2 text-sm aria-[current=page]:font-medium pointer-coarse:py-3"
        >
          {title}
        </Link>
      )}
      {/* Not modal: a modal menu hides the rest of the page from assistive technology while its focusable controls stay. */}
      <DropdownMenu.Root modal={false}>
        <DropdownMenu.Trigger
          aria-label={t("actions.menu")}
          className="inline-flex size-8 shrink-0 cursor-pointer items-center justify-center rounded-md text-muted-foreground opacity-0 hover:bg-background hover:text-foreground group-hover:opacity-100 group-has-[[aria-current=page]]:opacity-100 focus-visible:opacity-100 data-[state=open]:opacity-100 pointer-coarse:size-11 pointer-coarse:opacity-100"
        >
          <Ellipsis aria-hidden="true" className="size-4" />
        </DropdownMenu.Trigger>
        <DropdownMenu.Portal>
          <DropdownMenu.Content
            align="end"
            sideOffset={4}
            className="z-50 min-w-40 rounded-md border bg-popover p-1 text-popover-foreground shadow-lg"
            onCloseAutoFocus={(event) => {
              if (focusAfterMenu.current !== "trigger") event.preventDefault();
              if (focusAfterMenu.current === "rename") renameInput.current?.focus();
              focusAfterMenu.current = "trigger";
            }}
          >
            <DropdownMenu.Item
              className={ITEM}
              onSelect={() => {
                focusAfterMenu.current = "rename";
                setRenaming(true);
              }}
            >
              <Pencil aria-hidden="true" className="size-4" />
              {t("actions.rename")}
            </DropdownMenu.Item>
            <DropdownMenu.Item
              className={ITEM}
              onSelect={() =>
                update.mutate({ id: conversation.id, change: { pinned: conversation.pinnedAt === null } })
              }
            >
              {conversation.pinnedAt === null ? (
                <Pin aria-hidden="true" className="size-4" />
              ) : (
                <PinOff aria-hidden="true" className="size-4" />
              )}
              {conversation.pinnedAt === null ? t("actions.pin") : t("actions.unpin")}
            </DropdownMenu.Item>
            <DropdownMenu.Item
              className={`${ITEM} text-destructive data-highlighted:text-destructive`}
              onSelect={() => {
                focusAfterMenu.current = "elsewhere";
                onDelete(conversation);
              }}
            >
              <Trash2 aria-hidden="true" className="size-4" />
              {t("actions.delete")}
            </DropdownMenu.Item>
          </DropdownMenu.Content>
        </DropdownMenu.Portal>
      </DropdownMenu.Root>
    </li>
  );
}

/** The title in a field: Enter (or leaving it) saves, Escape cancels. */
function RenameField({
  ref,
  conversation,
  onDone,
}: {
  ref: Ref<HTMLInputElement>;
  conversation: Conversation;
  onDone: () => void;
}) {
  const { t } = useTranslation("conversations");
  const update = useUpdateConversation();
  const [title, setTitle] = useState(conversation.title);
  const [error, setError] = useState<string | undefined>();
  const errorId = useId();
  // Enter and Escape end the edit; the blur that follows must not save a second time.
  const isSettled = useRef(false);

  const save = () => {
    if (isSettled.current) return;
    isSettled.current = true;
    const next = title.trim();
    if (next === "" || next === conversation.title) {
      onDone();
      return;
    }
    update.mutate(
      { id: conversation.id, change: { title: next } },
      {
        onSuccess: onDone,
        onError: (caught) => {
          isSettled.current = false;
          setError(problemMessage(caught, t));
        },
      },
    );
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "Enter") {
      event.preventDefault();
      save();
    } else if (event.key === "Escape") {
      // Handled here: no other Escape binding (stop a reply, close the drawer) should act on it.
      event.preventDefault();
      isSettled.current = true;
      onDone();
    }
  };

  return (
    <div className="flex min-w-0 flex-1 flex-col gap-1 py-1 pl-1">
      <input
        ref={ref}
        data-handles-escape=""
        aria-label={t("rename.label")}
        aria-invalid={error !== undefined || undefined}
        aria-describedby={error === undefined ? undefined : errorId}
        value={title}
        maxLength={MAX_TITLE_CHARS}
        disabled={update.isPending}
        onChange={(event) => setTitle(event.target.value)}
        onFocus={(event) => event.target.select()}
        onKeyDown={onKeyDown}
        onBlur={save}
        className="h-8 w-full min-w-0 rounded-md border border-input bg-background px-2 text-base text-foreground sm:text-sm pointer-coarse:h-11"
      />
      {error !== undefined && (
        <p id={errorId} className="px-1 text-xs text-destructive">
          {error}
        </p>
      )}
    </div>
  );
}
