import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../http/app-env.ts";

/** Sets the session cookie: HttpOnly, SameSite=Lax, Secure over HTTPS, living until the absolute expiry. */
export function setSessionCookie(c: Context<AppEnv>, token: string, expiresAt: Date): void {
  setCookie(c, c.var.accounts.cookieName, token, {
    httpOnly: true,
    sameSite: "Lax",
    secure: c.var.isSecureRequest,
    path: "/",
    maxAge: Math.max(0, Math.floor((expiresAt.getTime() - c.var.clock.now().getTime()) / 1000)),
  });
}

export function clearSessionCookie(c: Context<AppEnv>): void {
  deleteCookie(c, c.var.accounts.cookieName, { path: "/", secure: c.var.isSecureRequest });
}
