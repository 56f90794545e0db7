import "./styles.css";
import "./lib/i18n.ts";
import { setNonce } from "get-nonce";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App.tsx";
import { prefetchSession } from "./features/auth/session-queries.ts";
import { prefetchConversation } from "./features/chat/use-conversation.ts";
import { queryClient } from "./lib/query-client.ts";

const root = document.getElementById("root");
if (root === null) throw new Error("index.html has no #root");
// <style> elements that libraries insert carry the page's nonce, which the CSP allows (vite.config.ts).
const nonce = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce;
if (nonce) setNonce(nonce);

// The service worker keeps the app shell, so the app opens offline (and can be installed).
if ("serviceWorker" in navigator && import.meta.env.PROD) {
  void navigator.serviceWorker.register("/sw.js").catch(() => {});
}

// The first answers are asked for now, not after the first render: the session, and the messages
// of the conversation the address names.
prefetchSession(queryClient);
const opened = /^\/c\/([0-9a-f-]{36})$/i.exec(window.location.pathname)?.[1];
if (opened !== undefined) prefetchConversation(opened);

createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
