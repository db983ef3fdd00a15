/**
 * The Humanloop v4 HTTP client: one caller object that owns the retry
 * policy. It retries what can succeed later (408, 429, 5xx, connection
 * errors, timeouts) with exponential backoff and full jitter, honours
 * `Retry-After`, and stops at the caller's deadline; any other status is
 * returned at once for the caller to interpret.
 */

/** The outcome of one logical request (all its attempts). */
export interface HttpResult {
  /** HTTP status of the last attempt; 0 when it never got an answer. */
  status: number;
  /** The parsed JSON body (or the text when it is not JSON). */
  body: unknown;
  /** How many attempts were made. */
  attempts: number;
  /** For status 0: what went wrong (connection error, timeout, aborted). */
  error?: string;
}

/** Settings of {@link HumanloopClient}. */
export interface ClientSettings {
  baseUrl: string;
  apiKey: string;
  requestTimeoutMillis: number;
  retryInitialDelayMillis: number;
  retryMaxDelayMillis: number;
  /** The fetch to use; global `fetch` by default. */
  fetch?: typeof fetch;
}

/** Whether a status is worth retrying. */
export function isRetryable(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500;
}

/** `Retry-After` (seconds or an HTTP date) in ms, or undefined. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    // Unref'd like the OTel batch processor's timers: a backoff must not keep a finished
    // process alive; register()'s exit flush delivers what is left, within its limit.
    const timer = setTimeout(done, ms);
    timer.unref?.();
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Sends requests to the Humanloop v4 API with retries. */
export class HumanloopClient {
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly settings: ClientSettings) {
    this.fetchImpl = settings.fetch ?? fetch;
  }

  /**
   * Sends `body` (JSON text, or its UTF-8 bytes) with `method` to `path` (relative to the base
   * URL), retrying retryable failures until `deadline` (epoch ms) or until
   * `signal` aborts.
   */
  async request(method: string, path: string, body: string | Uint8Array<ArrayBuffer> | undefined, deadline: number, signal: AbortSignal): Promise<HttpResult> {
    let attempts = 0;
    for (;;) {
      attempts++;
      const { result, retryAfterMs } = await this.attempt(method, path, body, deadline, signal);
      result.attempts = attempts;
      if (!isRetryable(result.status) || signal.aborted) return result;
      const cap = Math.min(this.settings.retryMaxDelayMillis, this.settings.retryInitialDelayMillis * 2 ** (attempts - 1));
      const delay = retryAfterMs ?? Math.random() * cap;
      if (Date.now() + delay >= deadline) return result;
      await sleep(delay, signal);
      if (signal.aborted) return result;
    }
  }

  private async attempt(
    method: string,
    path: string,
    body: string | Uint8Array<ArrayBuffer> | undefined,
    deadline: number,
    signal: AbortSignal,
  ): Promise<{ result: HttpResult; retryAfterMs?: number }> {
    const timeout = Math.max(1, Math.min(this.settings.requestTimeoutMillis, deadline - Date.now()));
    const attemptSignal = AbortSignal.any([signal, AbortSignal.timeout(timeout)]);
    try {
      const headers: Record<string, string> = { "X-API-KEY": this.settings.apiKey, Accept: "application/json" };
      if (body !== undefined) headers["Content-Type"] = "application/json";
      const response = await this.fetchImpl(this.settings.baseUrl + path, { method, headers, body, signal: attemptSignal });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text === "" ? undefined : JSON.parse(text);
      } catch {
        // not JSON: keep the text for the report
      }
      const result: HttpResult = { status: response.status, body: parsed, attempts: 0 };
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
      return retryAfterMs === undefined ? { result } : { result, retryAfterMs };
    } catch (err) {
      const reason = signal.aborted ? "aborted" : attemptSignal.aborted ? `timed out after ${timeout} ms` : describe(err);
      return { result: { status: 0, body: undefined, attempts: 0, error: reason } };
    }
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? err.message;
  }
  return String(err);
}
