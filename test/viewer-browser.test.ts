// The viewer in headless Chromium (Debian's, driven by playwright-core): the
// demo's app delivered to a server, browsed like a user would; a hostile log
// shown as text; both widths; the login off loopback. Screenshots, if any
// are taken while debugging, go to the OS temp folder, never the repo.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { HumanloopTestServer } from "../server/server.js";
import { IMG, SCRIPT, postHostileLog, runDemoApp } from "./fixtures/viewer-data.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

let browser: Browser;
let server: HumanloopTestServer;
let root: string;
let hostileId: string;
/** Every URL a page asked for that is not on the server: must stay empty (nothing fetched from elsewhere). */
const foreign: string[] = [];

async function open(path: string, width = 1280): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  page.on("request", (request) => {
    if (!request.url().startsWith(root) && !request.url().startsWith("data:")) foreign.push(request.url());
  });
  page.on("dialog", (dialog) => {
    foreign.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.goto(`${root}${path}`);
  return page;
}

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  server = await HumanloopTestServer.start();
  root = server.url.replace(/\/v4$/, "");
  await runDemoApp(server);
  hostileId = await postHostileLog(server);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("the viewer, browsed", () => {
  it("lists both demo sessions newest first, with project, times, logs, tokens and errors; the hostile log among the traces", async () => {
    const page = await open("/");
    const rows = page.locator("#sessions tbody tr");
    await expect.poll(() => rows.count()).toBe(2);
    const texts = await rows.allInnerTexts();
    expect(texts[0]).toMatch(/^returns\s+user bob\s+support-bot\s+.*\s3\s+64 \/ 27\s+1$/);
    expect(texts[1]).toMatch(/^order-help\s+(user \S+\s+)?support-bot\s+.*\s8\s+518 \/ 73\s+0$/);
    expect(await page.locator("#traces tbody tr").count()).toBe(1);
    expect(await page.locator("#traces").innerText()).toContain(`name ${SCRIPT}`);
    // Filters: errors only keeps the session with the failed refund.
    await page.check("input[name=errors]");
    await page.click("form.filters button");
    await expect.poll(() => page.locator("#sessions tbody tr").count()).toBe(1);
    expect(await page.locator("#sessions tbody tr").innerText()).toMatch(/^returns/);
    await page.goto(`${root}/?text=Leipzig`);
    expect(await page.locator("#sessions tbody tr").allInnerTexts()).toEqual([expect.stringMatching(/^order-help/)]);
    await page.goto(`${root}/?project=nope`);
    expect(await page.locator("#sessions").count()).toBe(0);
    expect(await page.locator("main").innerText()).toContain("No session matches these filters.");
    await page.close();
  });

  it("opens a session's tree, folds and unfolds it, shows the timeline, then a log's messages as a chat", async () => {
    const page = await open("/");
    await page.click("#sessions >> text=order-help");
    await page.waitForURL(/\/sessions\/sesh_/);
    const tree = page.locator("#tree");
    expect((await tree.innerText()).replace(/\s+/g, " ")).toMatch(/tool support_agent[\s\S]*model gpt-4o-mini[\s\S]*\(openai\)[\s\S]*tokens 112 \/ 18[\s\S]*tool lookup_order[\s\S]*tool track_package[\s\S]*tool streamed_summary/);
    // <details> folds without script.
    const agent = tree.locator("details").first();
    expect(await agent.getAttribute("open")).not.toBeNull();
    await agent.locator("summary").first().click({ position: { x: 2, y: 2 } });
    expect(await agent.getAttribute("open")).toBeNull();
    expect(await page.locator("text=tool call").count()).toBe(0);
    await agent.locator("summary").first().click({ position: { x: 2, y: 2 } });
    expect(await agent.getAttribute("open")).not.toBeNull();
    expect(await page.locator("#timeline .tl-row").count()).toBe(8);
    // Open the first model call: the chat shows the roles and what was said, then the tool call it made.
    await tree.locator("a", { hasText: "gpt-4o-mini" }).first().click();
    await page.waitForURL(/\/logs\/data_/);
    const chat = page.locator("#chat");
    const messages = await chat.locator(".msg").allInnerTexts();
    expect(messages[0]).toMatch(/^SYSTEM\s+You are a support agent/);
    expect(messages[1]).toMatch(/^USER\s+Where is my order A-17\?/);
    expect(messages[2]).toMatch(/^ASSISTANT\s+tool call lookup_order call_1\s+\{\s+"orderId": "A-17"\s+\}/);
    expect(await page.locator("dl.facts").innerText()).toMatch(/Model\s+gpt-4o-mini\s+Provider\s+openai/);
    expect(await page.locator("#children, main").first().innerText()).toContain("Parent:");
    await page.close();
  });

  it("gives a rating and a comment from the log page, without JavaScript, and the store has them", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const log = server.logs().find((l) => (l.config as { name?: string }).name === "issue_refund")!;
    await page.goto(`${root}/logs/${log.id}`);
    await page.check("input[name=rating][value=bad]");
    await page.fill("textarea[name=comment]", "Should have asked a manager <b>first</b>");
    await page.fill("input[name=user]", "ana");
    await page.click("form.feedback-form button");
    await page.waitForURL(`${root}/logs/${log.id}?feedback=saved`);
    expect(await page.locator("[role=status]").innerText()).toBe("Feedback stored.");
    expect(await page.locator("#feedback").innerText()).toMatch(/rating\s+bad\s+ana[\s\S]*comment\s+Should have asked a manager <b>first<\/b>\s+ana/);
    const stored = server.store.feedbackFor(log.id).map(({ type, value, user }) => ({ type, value, user }));
    expect(stored).toEqual([
      { type: "rating", value: "bad", user: "ana" },
      { type: "comment", value: "Should have asked a manager <b>first</b>", user: "ana" },
    ]);
    await context.close();
  });

  it("shows a hostile log's markup as text on every page; no script runs, nothing is fetched from elsewhere", async () => {
    for (const path of ["/", `/traces/${hostileId}`, `/logs/${hostileId}`]) {
      const page = await open(path);
      const text = await page.locator("main").innerText();
      expect(await page.evaluate("window.__pwned")).toBeUndefined();
      expect(await page.locator("script").count()).toBe(0);
      expect(await page.locator("img[onerror], main b").count()).toBe(0);
      expect(text).toContain(`name ${SCRIPT}`);
      if (path.startsWith("/logs/")) {
        for (const shown of [`system ${SCRIPT}`, `user ${IMG}`, `result ${SCRIPT}`, `tool ${SCRIPT}`, `output ${SCRIPT} ${IMG}`, `error ${IMG}`, `name ${SCRIPT} ${IMG}`]) {
          expect(text).toContain(shown);
        }
        expect(await page.locator("#metadata").innerText()).toContain(`"<b>key</b>": "<img src=\\"x\\" onerror=`);
        // The data: image is a thumbnail; other URLs are text, not fetched, not links.
        expect(await page.locator("img.thumb").count()).toBe(1);
        expect(text).toContain("image: https://example.invalid/pixel.png (not fetched)");
        expect(await page.locator("a[href^='javascript']").count()).toBe(0);
      }
      await page.close();
    }
    expect(foreign).toEqual([]);
  });

  for (const width of [1280, 390]) {
    it(`reads at ${width} px: no page is wider than the window`, async () => {
      const session = server.store.queries.listSessions().sessions.find((s) => s.reference_id === "order-help")!;
      const model = server.logs().find((l) => l.session_id === session.id && Array.isArray(l.messages))!;
      for (const path of ["/", `/sessions/${session.id}`, `/logs/${model.id}`, `/logs/${hostileId}`, `/traces/${hostileId}`]) {
        const page = await open(path, width);
        const { scroll, client } = (await page.evaluate("({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })")) as { scroll: number; client: number };
        expect(scroll, `${path} at ${width}px`).toBeLessThanOrEqual(client);
        await page.close();
      }
    });
  }
});

describe("the viewer off loopback", () => {
  it("asks for the API key, refuses a wrong one, and lets the right one in with an HttpOnly SameSite=Strict cookie", async () => {
    const open0 = await HumanloopTestServer.start({ host: "0.0.0.0", apiKey: "team-key-123" });
    try {
      const base = open0.url.replace("0.0.0.0", "127.0.0.1").replace(/\/v4$/, "");
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${base}/sessions/sesh_x`);
      await page.waitForURL(/\/login\?next=/);
      expect(await page.locator("h1").innerText()).toBe("Log in");
      await page.fill("input[name=key]", "wrong");
      await page.click("form button");
      expect(await page.locator("[role=alert]").innerText()).toContain("That is not the key");
      expect(await context.cookies()).toEqual([]);
      await page.fill("input[name=key]", "team-key-123");
      await page.click("form button");
      await page.waitForURL(`${base}/sessions/sesh_x`);
      expect(await page.locator("h1").innerText()).toBe("Not found");
      const [cookie] = await context.cookies();
      expect(cookie).toMatchObject({ name: "hl_viewer", httpOnly: true, sameSite: "Strict" });
      expect(cookie!.value).not.toContain("team-key-123");
      await page.goto(`${base}/`);
      expect(await page.locator("h1").innerText()).toBe("Sessions");
      await page.click("header button");
      await page.waitForURL(`${base}/login`);
      await page.goto(`${base}/`);
      await page.waitForURL(/\/login/);
      await context.close();
    } finally {
      await open0.close();
    }
  });
});
