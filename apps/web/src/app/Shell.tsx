import type { components } from "@hearth/sdk";
import { PanelLeft, SquarePen } from "lucide-react";
import { Dialog as DrawerPrimitive } from "radix-ui";
import { type ReactNode, useState } from "react";
import { useTranslation } from "react-i18next";
import { useLocation } from "wouter";
import { Button } from "../components/ui/button.tsx";
import { useLogout } from "../features/auth/session-queries.ts";
import { ConversationList } from "../features/conversations/ConversationList.tsx";
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
  const newChat = () => {
    navigate("/");
    setDrawerOpen(false);
  };
  const sidebar = <Sidebar user={user} onNewChat={newChat} onNavigate={() => setDrawerOpen(false)} />;
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
    </div>
  );
}

function Sidebar({ user, onNewChat, onNavigate }: { user: User; onNewChat: () => void; onNavigate: () => void }) {
  const { t } = useTranslation();
  const logout = useLogout();
  return (
    <>
      <div className="flex items-center justify-between gap-2 p-3">
        <span className="flex items-center gap-2 font-semibold">
          <img src="/icon.svg" alt="" className="size-6" />
          {t("appName")}
        </span>
        <Button variant="ghost" size="icon" aria-label={t("nav.newChat")} onClick={onNewChat}>
          <SquarePen aria-hidden="true" className="size-5" />
        </Button>
      </div>
      <nav aria-label={t("nav.conversations")} className="min-h-0 flex-1 overflow-y-auto px-2">
        <ConversationList onNavigate={onNavigate} />
      </nav>
      <div className="flex items-center justify-between gap-2 border-t p-3 text-sm">
        <span className="truncate" title={user.email}>
          {user.username}
        </span>
        <Button variant="ghost" onClick={() => logout.mutate()}>
          {t("auth:logout")}
        </Button>
      </div>
    </>
  );
}
