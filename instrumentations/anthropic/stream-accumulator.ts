/**
 * Rebuilds the response message from the Messages API event stream, as the
 * caller reads it, so a streamed call's span gets the same attributes as a
 * plain one. Per event it does a few property reads and string appends;
 * `tool_use` inputs are parsed once, from their `input_json_delta` pieces,
 * when the message is asked for. Unknown events and deltas are ignored.
 */
import type { ChunkObserver } from "../shared/index.js";
import type { ResponseMessage } from "./response-attributes.js";

type Block = Record<string, unknown>;

/** The accumulated state of one streamed message. */
export class MessageAccumulator implements ChunkObserver {
  private id: unknown;
  private model: unknown;
  private stopReason: unknown;
  private usage: Record<string, unknown> | undefined;
  private readonly blocks: Block[] = [];
  /** `input_json_delta` pieces per block index. */
  private readonly json: Array<string | undefined> = [];
  /** Whether any event has been seen. */
  started = false;

  /**
   * @param captureContent when false, block content is not kept (only ids,
   *   usage and the stop reason), since it will never be exported.
   */
  constructor(private readonly captureContent: boolean) {}

  /** The {@link ChunkObserver} hook: {@link MessageAccumulator.add}. */
  onChunk(event: unknown): void {
    this.add(event);
  }

  /** Takes one stream event, as the SDK yields it. */
  add(event: unknown): void {
    if (!event || typeof event !== "object") return;
    this.started = true;
    const e = event as Record<string, unknown>;
    switch (e.type) {
      case "message_start": {
        const m = (e.message ?? {}) as Record<string, unknown>;
        this.id = m.id;
        this.model = m.model;
        if (m.usage && typeof m.usage === "object") this.usage = { ...(m.usage as Block) };
        return;
      }
      case "content_block_start":
        if (this.captureContent && typeof e.index === "number" && e.content_block && typeof e.content_block === "object") {
          this.blocks[e.index] = { ...(e.content_block as Block) };
        }
        return;
      case "content_block_delta":
        if (this.captureContent && typeof e.index === "number") this.addDelta(e.index, e.delta as Block | undefined);
        return;
      case "message_delta": {
        const delta = e.delta as Block | undefined;
        if (delta && delta.stop_reason !== undefined) this.stopReason = delta.stop_reason;
        // message_delta usage is cumulative: its fields replace message_start's.
        if (e.usage && typeof e.usage === "object") {
          this.usage ??= {};
          for (const [k, v] of Object.entries(e.usage as Block)) if (v !== null && v !== undefined) this.usage[k] = v;
        }
        return;
      }
    }
  }

  private addDelta(index: number, delta: Block | undefined): void {
    const block = this.blocks[index];
    if (!block || !delta) return;
    switch (delta.type) {
      case "text_delta":
        block.text = String(block.text ?? "") + String(delta.text ?? "");
        return;
      case "thinking_delta":
        block.thinking = String(block.thinking ?? "") + String(delta.thinking ?? "");
        return;
      case "signature_delta":
        block.signature = delta.signature;
        return;
      case "input_json_delta":
        this.json[index] = (this.json[index] ?? "") + String(delta.partial_json ?? "");
        return;
    }
  }

  /** The message as far as it has streamed, with `tool_use` inputs parsed from their JSON pieces. */
  message(): ResponseMessage {
    const out: ResponseMessage = { id: this.id, model: this.model, stop_reason: this.stopReason, usage: this.usage };
    if (!this.captureContent) return out;
    out.content = this.blocks.flatMap((block, i) => {
      if (!block) return [];
      const raw = this.json[i];
      if (raw === undefined) return [block];
      let input: unknown = raw;
      try {
        input = raw.trim() === "" ? {} : JSON.parse(raw);
      } catch {
        // A stream cut mid-input: keep the partial JSON text.
      }
      return [{ ...block, input }];
    });
    return out;
  }
}
