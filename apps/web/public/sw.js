// Hearth's service worker: the app shell opens offline. The page (and the scripts and styles it
// names) are kept on install; other built assets are kept as they are used (their names carry a
// hash, so a kept one never goes stale); a new deployment's page replaces the old on the next visit.
// API answers are never kept: they are private and live.
const SHELL_CACHE = "hearth-shell-v1";
const SHELL_FILES = ["/", "/manifest.webmanifest", "/icon.svg", "/icon-192.png", "/icon-512.png", "/theme-init.js"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL_CACHE);
      await cache.addAll(SHELL_FILES);
      const page = await (await cache.match("/")).text();
      const assets = [...page.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1]);
      await cache.addAll(assets);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== SHELL_CACHE) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (/^\/(api|v1|metrics|healthz|readyz|openapi\.json)(\/|$)/.test(url.pathname)) return;
  if (request.mode === "navigate") {
    // The network first, so a new deployment is picked up; the kept page when there is none.
    event.respondWith(
      (async () => {
        try {
          const response = await fetch(request);
          if (response.ok) (await caches.open(SHELL_CACHE)).put("/", response.clone());
          return response;
        } catch {
          return (await caches.match("/")) ?? Response.error();
        }
      })(),
    );
    return;
  }
  if (url.pathname.startsWith("/assets/") || SHELL_FILES.includes(url.pathname)) {
    event.respondWith(
      (async () => {
        const kept = await caches.match(request);
        if (kept !== undefined) return kept;
        const response = await fetch(request);
        if (response.ok) (await caches.open(SHELL_CACHE)).put(request, response.clone());
        return response;
      })(),
    );
  }
});
