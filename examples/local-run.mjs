// The local half of the demo, shared by `npm run demo` and the viewer tests:
// what the local model servers answer, in the order examples/support-agent.mjs
// asks, and the environment that points the app at the local servers.

/**
 * Scripts `openai` (an OpenAITestServer) and `anthropic` (an AnthropicTestServer)
 * with the support app's answers, and sets the app's environment so it talks
 * to them and delivers to `humanloop` (a HumanloopTestServer).
 */
export function prepareLocalRun({ humanloop, openai, anthropic }) {
  openai.reply(
    { kind: "answer", toolCalls: [{ id: "call_1", name: "lookup_order", arguments: JSON.stringify({ orderId: "A-17" }) }], usage: { input: 112, output: 18 } },
    { kind: "answer", toolCalls: [{ id: "call_2", name: "track_package", arguments: JSON.stringify({ tracking: "DHL-4411" }) }], usage: { input: 160, output: 20 } },
    { kind: "answer", text: "Your order A-17 has shipped with DHL and is at the Leipzig hub; it arrives tomorrow.", usage: { input: 205, output: 24 } },
    { kind: "answer", text: "A-17 shipped (DHL), arriving tomorrow.", chunks: 6, usage: { input: 41, output: 11 } },
  );
  anthropic.reply({
    kind: "message",
    content: [{ type: "text", text: "Yes, within 30 days. A refund above $500 needs a manager's approval; I've asked for it." }],
    usage: { input_tokens: 64, output_tokens: 27 },
  });
  Object.assign(process.env, {
    HUMANLOOP_API_KEY: humanloop.apiKey,
    HUMANLOOP_BASE_URL: humanloop.url,
    OPENAI_API_KEY: "sk-local-demo",
    OPENAI_BASE_URL: openai.url,
    ANTHROPIC_API_KEY: "sk-ant-local-demo",
    ANTHROPIC_BASE_URL: anthropic.url,
  });
}
