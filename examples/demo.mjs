// `npm run demo`: runs examples/support-agent.mjs against a local Humanloop v4
// server and a local model server speaking the OpenAI and Anthropic wire
// formats (no keys, no network), then prints what Humanloop stored, as one
// tree per session. With OPENAI_API_KEY, ANTHROPIC_API_KEY and
// HUMANLOOP_API_KEY set, the same app runs against the real services.
// HUMANLOOP_API_VERSION=v5 runs it on Humanloop's v5 API (Flow, Prompt and
// Tool logs in traces; the local server serves both).
import { rmSync } from "node:fs";
import { AnthropicTestServer, HumanloopTestServer, OpenAITestServer, formatTrees } from "humanloop-otel/testing";
import { prepareLocalRun } from "./local-run.mjs";

/** Where the local run keeps what the server stored, for `npm run server` to browse later. */
const DEMO_DB = ".humanloop/demo.db";

const real = Boolean(process.env.OPENAI_API_KEY && process.env.ANTHROPIC_API_KEY && process.env.HUMANLOOP_API_KEY);

if (real) {
  console.log("OPENAI_API_KEY, ANTHROPIC_API_KEY and HUMANLOOP_API_KEY are set: running against the real services.\n");
  process.env.DEMO_RUN_ID ??= new Date().toISOString().replace(/[-:]/g, "").slice(0, 15);
  const { main } = await import("./support-agent.mjs");
  const answers = await main();
  console.log(JSON.stringify(answers, null, 2));
  console.log(`\nThe logs are in Humanloop, project support-bot, sessions order-help-${process.env.DEMO_RUN_ID} and returns-${process.env.DEMO_RUN_ID}.`);
} else {
  // A fresh demo database each run (the example's session ids are fixed).
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${DEMO_DB}${suffix}`, { force: true });
  const v5 = process.env.HUMANLOOP_API_VERSION === "v5";
  const humanloop = await HumanloopTestServer.start({ dbPath: DEMO_DB, v5Strict: v5 });
  const openai = new OpenAITestServer();
  await openai.start();
  const anthropic = await AnthropicTestServer.start();

  prepareLocalRun({ humanloop, openai, anthropic });
  const { main } = await import("./support-agent.mjs");
  const answers = await main();

  console.log("The app answered:");
  for (const [step, text] of Object.entries(answers)) console.log(`  ${step}: ${text}`);
  console.log(`\nWhat Humanloop stored (local server, API ${v5 ? "v5" : "v4"}), one tree per session:\n`);
  const trees = humanloop.trees();
  process.stdout.write(formatTrees(trees));
  const { rejected, conflicts } = humanloop.stats;
  // v5 has no sessions: the trees group its logs by the session() id the exporter keeps in their metadata.
  const sessions = trees.filter((t) => t.session_id !== null || t.session_reference_id !== undefined).length;
  const refused = rejected.length + Object.values(conflicts).reduce((a, b) => a + b, 0);
  console.log(`\n${humanloop.logs().length} logs, ${sessions} sessions, ${refused} rejected requests.`);
  for (const r of rejected) console.log(`rejected ${r.route}: ${JSON.stringify(r.detail)}`);
  for (const [type, n] of Object.entries(conflicts)) console.log(`refused ${n} with 409 ${type}`);

  await Promise.all([humanloop.close(), openai.close(), anthropic.close()]);
  console.log(`\nStored in ${DEMO_DB}. Browse it later: npm run server, then open http://127.0.0.1:4010/ (the API is at http://127.0.0.1:4010/v4).`);
  if (refused > 0) process.exitCode = 1;
}
