// A small support app traced with humanloop-otel: an agent that calls tools
// through OpenAI function calling, a streamed answer, and an Anthropic call,
// in two sessions. `examples/demo.mjs` runs it against local servers; with
// OPENAI_API_KEY, ANTHROPIC_API_KEY and HUMANLOOP_API_KEY set it runs against
// the real services (`node examples/support-agent.mjs`).
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { pathToFileURL } from "node:url";
import { register, traced, session } from "humanloop-otel";

const OPENAI_MODEL = process.env.DEMO_OPENAI_MODEL ?? "gpt-4o-mini";
const ANTHROPIC_MODEL = process.env.DEMO_ANTHROPIC_MODEL ?? "claude-haiku-4-5";

const ORDERS = { "A-17": { status: "shipped", carrier: "DHL", tracking: "DHL-4411" } };

const lookupOrder = traced(async function lookup_order({ orderId }) {
  const order = ORDERS[orderId];
  if (!order) throw new Error(`No order ${orderId}`);
  return { orderId, ...order };
}, { kind: "tool" });

const trackPackage = traced(async function track_package({ tracking }) {
  return { tracking, location: "Leipzig hub", eta: "tomorrow" };
}, { kind: "tool" });

const issueRefund = traced(async function issue_refund({ orderId, amount }) {
  if (amount > 500) throw new Error(`Refunds above $500 need approval (order ${orderId}, $${amount})`);
  return { orderId, refunded: amount };
}, { kind: "tool" });

const TOOLS = { lookup_order: lookupOrder, track_package: trackPackage };
const TOOL_SPECS = [
  { type: "function", function: { name: "lookup_order", description: "Find an order by id", parameters: { type: "object", properties: { orderId: { type: "string" } }, required: ["orderId"] } } },
  { type: "function", function: { name: "track_package", description: "Where a parcel is", parameters: { type: "object", properties: { tracking: { type: "string" } }, required: ["tracking"] } } },
];

/** Runs the app: returns the answers it gave. `register()` is called here, once per process. */
export async function main() {
  const tracing = register({ project: "support-bot", instrumentModules: { openai: OpenAI, anthropic: Anthropic } });
  const openai = new OpenAI();
  const anthropic = new Anthropic();

  // The agent: the model picks tools until it can answer.
  const supportAgent = traced(async function support_agent(question) {
    const messages = [
      { role: "system", content: "You are a support agent. Use the tools to answer questions about orders." },
      { role: "user", content: question },
    ];
    for (let turn = 0; turn < 5; turn++) {
      const completion = await openai.chat.completions.create({ model: OPENAI_MODEL, messages, tools: TOOL_SPECS });
      const message = completion.choices[0].message;
      messages.push(message);
      if (!message.tool_calls?.length) return message.content;
      for (const call of message.tool_calls) {
        const tool = TOOLS[call.function.name];
        const result = tool ? await tool(JSON.parse(call.function.arguments)) : { error: "unknown tool" };
        messages.push({ role: "tool", tool_call_id: call.id, content: JSON.stringify(result) });
      }
    }
    return "Sorry, I could not work that out.";
  }, { kind: "agent" });

  // A streamed answer: the span stays open until the stream is read.
  const streamedSummary = traced(async function streamed_summary(answer) {
    const stream = await openai.chat.completions.create({
      model: OPENAI_MODEL,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: `Summarize for an SMS: ${answer}` }],
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    return text;
  }, { kind: "chain" });

  // An Anthropic call, and a tool that fails (the error is recorded, the agent carries on).
  const returnsAgent = traced(async function returns_agent(question) {
    let refund;
    try {
      refund = await issueRefund({ orderId: "A-17", amount: 899 });
    } catch (err) {
      refund = { error: err.message };
    }
    const reply = await anthropic.messages.create({
      model: ANTHROPIC_MODEL,
      max_tokens: 200,
      system: "You answer questions about returns. Be brief.",
      messages: [{ role: "user", content: `${question}\nRefund attempt: ${JSON.stringify(refund)}` }],
    });
    return reply.content.map((b) => (b.type === "text" ? b.text : "")).join("");
  }, { kind: "agent" });

  const answers = {};
  // Against the real Humanloop, each run gets its own sessions (DEMO_RUN_ID, set by demo.mjs) instead of merging into earlier runs'.
  const run = process.env.DEMO_RUN_ID ? `-${process.env.DEMO_RUN_ID}` : "";
  await session({ id: `order-help${run}`, userId: "alice" }, async () => {
    answers.order = await supportAgent("Where is my order A-17?");
    answers.sms = await streamedSummary(answers.order);
  });
  await session({ id: `returns${run}`, userId: "bob" }, async () => {
    answers.returns = await returnsAgent("Can I return the blender from order A-17?");
  });
  await tracing.shutdown();
  return answers;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const answers = await main();
  console.log(JSON.stringify(answers, null, 2));
}
