import "./styles.css";
import "./lib/i18n.ts";
import { setNonce } from "get-nonce";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App.tsx";

const root = document.getElementById("root");
if (root === null) throw new Error("index.html has no #root");
// <style> elements that libraries insert carry the page's nonce, which the CSP allows (vite.config.ts).
const nonce = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce;
if (nonce) setNonce(nonce);

// The service worker keeps the app shell, so the app opens offline (and can be installed).
if ("serviceWorker" in navigator && import.meta.env.PROD) {
  void navigator.serviceWorker.register("/sw.js").catch(() => {});
}

createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
