/**
 * The page frame of the viewer: head, inline style sheet (no CDN, nothing
 * fetched), header, and the security headers every page is sent with.
 */
import type { ServerResponse } from "node:http";
import { Html, html, type Part } from "./html.js";

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;background:#f6f7f9;overflow-wrap:anywhere}
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.6rem 1rem;background:#1d2330;color:#fff}
header a{color:#fff;text-decoration:none;font-weight:600}
header form{margin-left:auto}
main{max-width:1200px;margin:0 auto;padding:1rem}
h1{font-size:1.3rem;margin:.2rem 0 .8rem}
h2{font-size:1.05rem;margin:1.4rem 0 .5rem}
a{color:#2656c9}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e3e6eb;vertical-align:top}
th{font-weight:600;font-size:.85rem;color:#4b5565;white-space:nowrap}
td.num,th.num{text-align:right;white-space:nowrap}
.muted{color:#667085}
.err{color:#b42318}
.tag{display:inline-block;padding:0 .4rem;border-radius:.6rem;background:#e8ecf4;font-size:.8rem;white-space:nowrap}
.tag.error{background:#fde2e0;color:#b42318}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin-bottom:.8rem}
form.filters label{display:flex;flex-direction:column;font-size:.8rem;color:#4b5565}
input,select,textarea,button{font:inherit;max-width:100%}
input[type=text],input[type=password],textarea{padding:.3rem .4rem;border:1px solid #c5cbd5;border-radius:4px}
button{padding:.3rem .8rem;border:1px solid #2656c9;background:#2656c9;color:#fff;border-radius:4px;cursor:pointer}
.pager{display:flex;gap:1rem;align-items:center;margin:.6rem 0}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#fff;border:1px solid #e3e6eb;border-radius:4px;padding:.5rem;margin:.3rem 0;max-height:40rem;overflow:auto;font-size:.85rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .8rem;margin:0}
dl.facts dt{color:#4b5565}
dl.facts dd{margin:0}
.tree ul{list-style:none;margin:0;padding-left:1.1rem;border-left:1px dashed #c5cbd5}
.tree>ul{padding-left:0;border-left:0}
.tree li{margin:.15rem 0}
.tree summary{cursor:pointer}
.node{display:inline-flex;flex-wrap:wrap;gap:.2rem .5rem;align-items:baseline}
.timeline{background:#fff;border:1px solid #e3e6eb;border-radius:4px;padding:.4rem}
.tl-row{display:grid;grid-template-columns:minmax(6rem,14rem) 1fr;gap:.5rem;align-items:center;font-size:.8rem}
.tl-name{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.tl-track{position:relative;height:.9rem;background:#f0f2f5;border-radius:2px}
.tl-bar{position:absolute;top:0;bottom:0;min-width:2px;background:#5b8def;border-radius:2px}
.tl-bar.error{background:#e5484d}
.chat{display:flex;flex-direction:column;gap:.5rem}
.msg{background:#fff;border:1px solid #e3e6eb;border-left:4px solid #98a2b3;border-radius:4px;padding:.4rem .6rem}
.msg.user{border-left-color:#5b8def}
.msg.assistant{border-left-color:#12b76a}
.msg.system{border-left-color:#f79009}
.msg.tool{border-left-color:#9e77ed}
.role{font-weight:600;font-size:.8rem;text-transform:uppercase;color:#4b5565}
.msg .text{white-space:pre-wrap}
.call{margin-top:.3rem;padding:.3rem;background:#f6f7f9;border-radius:4px}
img.thumb{max-width:160px;max-height:160px;border:1px solid #e3e6eb;border-radius:4px;display:block;margin:.3rem 0}
.feedback-form{display:flex;flex-wrap:wrap;gap:.6rem;align-items:end;background:#fff;border:1px solid #e3e6eb;border-radius:4px;padding:.6rem}
.feedback-form fieldset{border:0;padding:0;margin:0;display:flex;gap:.6rem}
.notice{padding:.5rem .7rem;border-radius:4px;background:#e7f6ec;margin-bottom:.8rem}
.notice.bad{background:#fde2e0}
@media (max-width:600px){main{padding:.6rem}.tl-row{grid-template-columns:6rem 1fr}.hide-narrow{display:none}}
`;

/**
 * Headers of every viewer page: no script at all, styles only inline,
 * images only from `data:` URLs, forms only to this server, no framing.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
};

/** A whole page: `title` (escaped) and `body`; `loggedIn` adds a log-out button (viewer behind the key). */
export function page(title: string, body: Part, loggedIn = false): Html {
  const logout = loggedIn ? html`<form method="post" action="/logout"><button type="submit">Log out</button></form>` : "";
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · humanloop-otel</title><style>${new Html(STYLE)}</style></head>
<body><header><a href="/">humanloop-otel</a><span class="muted">logs viewer</span>${logout}</header>
<main>${body}</main></body></html>`;
}

/** Sends `body` as an HTML page with `status` and the security headers. */
export function sendHtml(res: ServerResponse, status: number, body: Html, headers: Record<string, string> = {}): void {
  const text = body.text;
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "content-length": Buffer.byteLength(text), ...SECURITY_HEADERS, ...headers });
  res.end(text);
}

/** Sends a 303 redirect to `location` (a path on this server). */
export function redirect(res: ServerResponse, location: string, headers: Record<string, string> = {}): void {
  res.writeHead(303, { location, "content-length": 0, ...SECURITY_HEADERS, ...headers });
  res.end();
}

/** A page for an error: `status`, a title and a sentence (both escaped). */
export function errorPage(res: ServerResponse, status: number, title: string, message: string, loggedIn = false): void {
  sendHtml(res, status, page(title, html`<h1>${title}</h1><p>${message}</p><p><a href="/">Back to the sessions</a></p>`, loggedIn));
}
