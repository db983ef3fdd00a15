/**
 * The viewer's gate when the server listens off loopback: a login form
 * asks for the API key (compared in constant time); the answer is a cookie
 * (HttpOnly, SameSite=Strict) holding a token derived from the key, never
 * the key itself. On loopback the viewer is open.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { html, type Html } from "./html.js";

/** Name of the viewer's session cookie. */
export const COOKIE = "hl_viewer";

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();

/** True when `given` equals `expected`, in time independent of where they differ (both hashed first, so lengths match). */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The cookie value for API key `apiKey`: an HMAC of a fixed label, so the browser never holds the key. */
export function viewerToken(apiKey: string): string {
  return createHmac("sha256", apiKey).update("humanloop-otel viewer v1").digest("base64url");
}

/** The value of cookie `name` in `req`, or undefined. */
export function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const pair of (req.headers.cookie ?? "").split(";")) {
    const at = pair.indexOf("=");
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return undefined;
}

/** True when `req` carries the viewer cookie of `apiKey`. */
export function isLoggedIn(req: IncomingMessage, apiKey: string): boolean {
  const token = cookieOf(req, COOKIE);
  return token !== undefined && sameSecret(token, viewerToken(apiKey));
}

/** The `Set-Cookie` header that logs in (`token`) or out (no token). */
export function setCookie(token?: string): string {
  return token === undefined
    ? `${COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`
    : `${COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${60 * 60 * 24 * 30}`;
}

/** `next` when it is a path on this server (`/...`, not `//host`), else `/`: no open redirect. */
export function safeNext(next: string | null | undefined): string {
  return typeof next === "string" && /^\/(?![/\\])[^\s]*$/.test(next) ? next : "/";
}

/** The body of the login page; `failed` after a wrong key. */
export function loginForm(next: string, failed: boolean): Html {
  return html`<h1>Log in</h1>
<p>This server listens beyond this machine, so the viewer takes the server's API key (the X-API-KEY it was started with).</p>
${failed ? html`<div class="notice bad" role="alert">That is not the key. Try again.</div>` : ""}
<form method="post" action="/login" class="feedback-form">
<input type="hidden" name="next" value="${next}">
<label>API key<br><input type="password" name="key" autocomplete="current-password" required autofocus></label>
<button type="submit">Log in</button>
</form>`;
}
