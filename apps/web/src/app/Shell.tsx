import type { components } from "@hearth/sdk";
import { Bot, Brain, Keyboard, PanelLeft, Search, Settings, ShieldCheck, SquarePen } from "lucide-react";
import { Dialog as DrawerPrimitive } from "radix-ui";
import { type ReactNode, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation } from "wouter";
import { Button } from "../components/ui/button.tsx";
import { useLogout } from "../features/auth/session-queries.ts";
import { ConversationList } from "../features/conversations/ConversationList.tsx";
import { SearchDialog } from "../features/conversations/SearchDialog.tsx";
import { useConversationNavigation } from "../features/conversations/use-conversation-navigation.ts";
import { ShortcutsDialog } from "../features/shortcuts/ShortcutsDialog.tsx";
import { useShortcut } from "../lib/shortcuts.ts";
import { useMediaQuery } from "../lib/use-media-query.ts";
import { OfflineBanner } from "./OfflineBanner.tsx";
import { ThemeSelect } from "./ThemeSelect.tsx";

type User = components["schemas"]["User"];

/** The app's frame: the sidebar (a drawer below 768 px) and the main region. */
export function Shell({ user, children }: { user: User; children: ReactNode }) {
  const { t } = useTranslation();
  const isWide = useMediaQuery("(min-width: 768px)");
  const [isSidebarOpen, setSidebarOpen] = useState(true);
  const [isDrawerOpen, setDrawerOpen] = useState(false);
  const [, navigate] = useLocation();
  const [isSearchOpen, setSearchOpen] = useState(false);
  const [isHelpOpen, setHelpOpen] = useState(false);
  // Radix gives focus back to a dialog's trigger; these open from shortcuts too, so focus goes back where it was.
  const focusBeforeDialog = useRef<HTMLElement | null>(null);
  const openDialog = (setOpen: (open: boolean) => void) => {
    if (document.activeElement instanceof HTMLElement) focusBeforeDialog.current = document.activeElement;
    setOpen(true);
  };
  const dialogOpenChange = (setOpen: (open: boolean) => void) => (open: boolean) => {
    setOpen(open);
    if (open) return;
    const previous = focusBeforeDialog.current;
    setTimeout(() => {
      if (previous?.isConnected) previous.focus();
    });
  };
  const newChat = () => {
    navigate("/");
    setDrawerOpen(false);
  };
  const closeDrawer = () => setDrawerOpen(false);
  useShortcut("newChat", () => {
    newChat();
  });
  useShortcut("search", () => {
    if (!isSearchOpen) openDialog(setSearchOpen);
  });
  useShortcut("help", () => {
    if (!isHelpOpen) openDialog(setHelpOpen);
  });
  useShortcut("toggleSidebar", () => {
    if (isWide) setSidebarOpen((open) => !open);
    else setDrawerOpen((open) => !open);
  });
  useConversationNavigation(closeDrawer);
  const sidebar = (
    <Sidebar
      user={user}
      onNewChat={newChat}
      onSearch={() => openDialog(setSearchOpen)}
      onShortcuts={() => openDialog(setHelpOpen)}
      onNavigate={closeDrawer}
    />
  );
  return (
    <div className="flex h-full overflow-hidden">
      <a
        href="#main"
        className="sr-only z-50 rounded-md bg-background p-2 focus:not-sr-only focus:fixed focus:top-2 focus:left-2"
      >
        {t("skipToContent")}
      </a>
      {isWide && isSidebarOpen && (
        <aside aria-label={t("nav.conversations")} className="flex w-72 shrink-0 flex-col border-r bg-sidebar">
          {sidebar}
        </aside>
      )}
      {!isWide && (
        <DrawerPrimitive.Root open={isDrawerOpen} onOpenChange={setDrawerOpen}>
          <DrawerPrimitive.Portal>
            <DrawerPrimitive.Overlay className="fixed inset-0 z-40 bg-black/50" />
            <DrawerPrimitive.Content
              aria-describedby={undefined}
              // A field that uses Escape itself (renaming a conversation cancels with it) keeps the drawer open.
              onEscapeKeyDown={(event) => {
                if (event.target instanceof Element && event.target.closest("[data-handles-escape]")) {
                  event.preventDefault();
                }
              }}
              className="fixed inset-y-0 left-0 z-50 flex w-[85vw] max-w-80 flex-col border-r bg-sidebar shadow-xl"
            >
              <DrawerPrimitive.Title className="sr-only">{t("nav.conversations")}</DrawerPrimitive.Title>
              {sidebar}
            </DrawerPrimitive.Content>
          </DrawerPrimitive.Portal>
        </DrawerPrimitive.Root>
      )}
      <div className="flex min-w-0 flex-1 flex-col">
        <OfflineBanner />
        <header className="flex h-12 shrink-0 items-center gap-1 border-b px-2">
          <Button
            variant="ghost"
            size="icon"
            aria-label={isWide ? t("nav.toggleSidebar") : t("nav.openSidebar")}
            aria-expanded={isWide ? isSidebarOpen : isDrawerOpen}
            onClick={() => (isWide ? setSidebarOpen((open) => !open) : setDrawerOpen(true))}
          >
            <PanelLeft aria-hidden="true" className="size-5" />
          </Button>
          {(!isWide || !isSidebarOpen) && (
            <Button variant="ghost" size="icon" aria-label={t("nav.newChat")} onClick={newChat}>
              <SquarePen aria-hidden="true" className="size-5" />
            </Button>
          )}
          <div className="flex-1" />
          <ThemeSelect />
        </header>
        <main id="main" tabIndex={-1} className="min-h-0 flex-1 outline-none">
          {children}
        </main>
      </div>
      <SearchDialog open={isSearchOpen} onOpenChange={dialogOpenChange(setSearchOpen)} onNavigate={closeDrawer} />
      <ShortcutsDialog open={isHelpOpen} onOpenChange={dialogOpenChange(setHelpOpen)} />
    </div>
  );
}

/** A link that looks like an icon button (Button's ghost icon style). */
const ICON_LINK =
  "inline-flex size-9 items-center justify-center rounded-md text-foreground hover:bg-accent pointer-coarse:size-11";

interface SidebarProps {
  user: User;
  onNewChat: () => void;
  onSearch: () => void;
  onShortcuts: () => void;
  onNavigate: () => void;
}

function Sidebar({ user, onNewChat, onSearch, onShortcuts, onNavigate }: SidebarProps) {
  const { t } = useTranslation();
  const logout = useLogout();
  return (
    <>
      <div className="flex items-center justify-between gap-2 p-3">
        <span className="flex items-center gap-2 font-semibold">
          <img src="/icon.svg" alt="" className="size-6" />
          {t("appName")}
        </span>
        <span className="flex items-center">
          <Button variant="ghost" size="icon" aria-label={t("conversations:search.title")} onClick={onSearch}>
            <Search aria-hidden="true" className="size-5" />
          </Button>
          <Link href="/assistants" onClick={onNavigate} aria-label={t("assistants:nav")} className={ICON_LINK}>
            <Bot aria-hidden="true" className="size-5" />
          </Link>
          <Link href="/memory" onClick={onNavigate} aria-label={t("memory:nav")} className={ICON_LINK}>
            <Brain aria-hidden="true" className="size-5" />
          </Link>
          <Button variant="ghost" size="icon" aria-label={t("nav.newChat")} onClick={onNewChat}>
            <SquarePen aria-hidden="true" className="size-5" />
          </Button>
        </span>
      </div>
      <ConversationList onNavigate={onNavigate} />
      <div className="flex items-center justify-between gap-2 border-t p-3 text-sm">
        <span className="truncate" title={user.email}>
          {user.username}
        </span>
        <span className="flex items-center">
          <Link href="/settings" onClick={onNavigate} aria-label={t("nav.settings")} className={ICON_LINK}>
            <Settings aria-hidden="true" className="size-5" />
          </Link>
          {user.role === "admin" && (
            <Link href="/admin" onClick={onNavigate} aria-label={t("nav.admin")} className={ICON_LINK}>
              <ShieldCheck aria-hidden="true" className="size-5" />
            </Link>
          )}
          <Button variant="ghost" size="icon" aria-label={t("shortcuts:title")} onClick={onShortcuts}>
            <Keyboard aria-hidden="true" className="size-5" />
          </Button>
          <Button variant="ghost" onClick={() => logout.mutate()}>
            {t("auth:logout")}
          </Button>
        </span>
      </div>
    </>
  );
}
