/**
 * The viewer's routes, on the API's port: `/` (sessions and traces),
 * `/sessions/{id}`, `/traces/{id}`, `/logs/{id}` and its feedback form,
 * `/login`, `/logout`. Off loopback every page takes the login cookie.
 * Forms are refused when another site posts them (Origin check).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody } from "../http-io.js";
import { postFeedback } from "../routes.js";
import type { HumanloopStore } from "../store.js";
import { isLoggedIn, loginForm, safeNext, sameSecret, setCookie, viewerToken } from "./auth.js";
import { errorPage, page, redirect, sendHtml } from "./layout.js";
import { listPage } from "./page-list.js";
import { logPage, type FeedbackNotice } from "./page-log.js";
import { sessionPage, tracePage } from "./page-tree.js";

/** What the viewer needs from the server. */
export interface ViewerContext {
  store: HumanloopStore;
  /** The server's API key: off loopback, the viewer's login asks for it. */
  apiKey: string;
  /** True when the server listens on loopback only: the viewer is open. */
  loopback: boolean;
}

/** Form bodies over this many bytes are refused (64 KiB). */
const MAX_FORM_BYTES = 64 * 1024;

const PAGES = /^\/(sessions|traces|logs)\/([^/]+)$/;
const FEEDBACK = /^\/logs\/([^/]+)\/feedback$/;

function decode(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** True for the paths the viewer answers. */
export function isViewerPath(path: string): boolean {
  return path === "/" || path === "/login" || path === "/logout" || PAGES.test(path) || FEEDBACK.test(path);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const raw = await readBody(req, MAX_FORM_BYTES);
  if (raw.tooLarge) return undefined;
  return new URLSearchParams(raw.bytes.toString("utf8"));
}

/** A POST from a page of another origin (the browser says so in `Origin`). */
function crossSite(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

async function feedback(ctx: ViewerContext, req: IncomingMessage, res: ServerResponse, id: string, loggedIn: boolean): Promise<void> {
  const form = await readForm(req);
  if (!form) return errorPage(res, 413, "Too large", "The form was over 64 KiB.", loggedIn);
  const rating = form.get("rating") ?? "";
  const comment = (form.get("comment") ?? "").trim();
  const user = (form.get("user") ?? "").trim();
  let notice: FeedbackNotice;
  if (rating === "" && comment === "") {
    notice = { ok: false, message: "Nothing sent: choose a rating or write a comment." };
  } else {
    const items: Array<Record<string, unknown>> = [];
    // The same items as POST /v4/feedback takes, through the same validation.
    if (rating !== "") items.push({ data_id: id, type: "rating", value: rating, ...(user ? { user } : {}) });
    if (comment !== "") items.push({ data_id: id, type: "comment", value: comment, ...(user ? { user } : {}) });
    const answer = ctx.store.transaction(
      () => (rating !== "" && rating !== "good" && rating !== "bad" ? { status: 422, body: { detail: "rating must be good or bad" } } : postFeedback(ctx.store, items)),
      (a) => a.status < 300,
    );
    if (answer.status < 300) return redirect(res, `/logs/${encodeURIComponent(id)}?feedback=saved`);
    notice = { ok: false, message: `Not stored (${answer.status}): ${JSON.stringify((answer.body as { detail: unknown }).detail)}` };
  }
  const found = logPage(ctx.store, id, notice);
  if (!found) return errorPage(res, 404, "No such log", `There is no log ${id}.`, loggedIn);
  sendHtml(res, 422, page(found.title, found.body, loggedIn));
}

async function login(ctx: ViewerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const form = await readForm(req);
  const next = safeNext(form?.get("next"));
  if (form && sameSecret(form.get("key") ?? "", ctx.apiKey)) {
    return redirect(res, next, { "set-cookie": setCookie(viewerToken(ctx.apiKey)) });
  }
  sendHtml(res, 401, page("Log in", loginForm(next, true)));
}

async function answer(ctx: ViewerContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = req.method ?? "GET";
  const path = url.pathname;
  if (method === "POST" && crossSite(req)) {
    req.resume();
    return errorPage(res, 403, "Refused", "This form was sent from another site.");
  }
  const gated = !ctx.loopback;
  const loggedIn = gated && isLoggedIn(req, ctx.apiKey);
  if (path === "/login") {
    if (method === "POST") return login(ctx, req, res);
    req.resume();
    return sendHtml(res, 200, page("Log in", loginForm(safeNext(url.searchParams.get("next")), false)));
  }
  if (path === "/logout") {
    req.resume();
    return redirect(res, gated ? "/login" : "/", { "set-cookie": setCookie() });
  }
  if (gated && !loggedIn) {
    req.resume();
    return redirect(res, `/login?next=${encodeURIComponent(method === "GET" ? `${path}${url.search}` : "/")}`);
  }
  const feedbackOf = FEEDBACK.exec(path);
  if (feedbackOf) {
    const id = decode(feedbackOf[1]!);
    if (method !== "POST" || id === undefined) {
      req.resume();
      return errorPage(res, 405, "Method not allowed", "Send feedback with the form on the log's page.", loggedIn);
    }
    return feedback(ctx, req, res, id, loggedIn);
  }
  req.resume();
  if (method !== "GET" && method !== "HEAD") return errorPage(res, 405, "Method not allowed", `${method} is not answered here.`, loggedIn);
  if (path === "/") {
    const list = listPage(ctx.store, url);
    return sendHtml(res, 200, page(list.title, list.body, loggedIn));
  }
  const [, what, raw] = PAGES.exec(path)!;
  const id = decode(raw!);
  const notice: FeedbackNotice | undefined = url.searchParams.get("feedback") === "saved" ? { ok: true, message: "Feedback stored." } : undefined;
  const found =
    id === undefined ? undefined : what === "sessions" ? sessionPage(ctx.store, id) : what === "traces" ? tracePage(ctx.store, id) : logPage(ctx.store, id, notice);
  if (!found) return errorPage(res, 404, "Not found", `There is no ${what === "sessions" ? "session" : "log"} ${id ?? raw}.`, loggedIn);
  sendHtml(res, 200, page(found.title, found.body, loggedIn));
}

/**
 * Answers `req` when its path is the viewer's and returns true; returns
 * false (and touches nothing) otherwise, so the server answers it.
 */
export function handleViewer(ctx: ViewerContext, req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  if (!isViewerPath(url.pathname)) return false;
  answer(ctx, req, res, url).catch((error: unknown) => {
    if (res.headersSent) return void res.destroy();
    errorPage(res, 500, "Server error", (error as Error).message);
  });
  return true;
}
