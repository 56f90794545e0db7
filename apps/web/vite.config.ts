import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `npm run dev -w @hearth/web` serves the app with hot reload and sends the API to a server on :8080.
const api = { target: "http://127.0.0.1:8080", changeOrigin: false };

export default defineConfig({
  plugins: [react(), tailwindcss()],
  // The server swaps this for a fresh nonce on every page it serves (apps/server/src/web-app.ts), which the
  // CSP then allows for <style> elements that libraries insert (Radix's scroll lock does).
  html: { cspNonce: "HEARTH_CSP_NONCE" },
  // Nothing inlined as a data: URL (KaTeX's fonts among them): the CSP allows fonts and scripts from our origin only.
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 2048, assetsInlineLimit: 0 },
  server: { proxy: { "/api": api, "/v1": api } },
});
