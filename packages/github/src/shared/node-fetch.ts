import http from "node:http";
import https from "node:https";

/**
 * The `fetch` Octokit sends through: node:http(s) with keep-alive agents instead of the global fetch (undici).
 * Octokit only needs a request out and a whole `Response` back; undici's fetch spends about 2.5 ms of CPU per
 * request on WHATWG streams and its own bookkeeping, where node:http spends a fraction of it. A first sweep sends
 * a hundred requests and more on two shared cores, so that CPU was a tenth of its time (docs/decisions.md).
 *
 * What fetch does that Octokit relies on is kept: redirects are followed (a renamed repository answers 301, up to
 * 20 hops, GET and HEAD only, as every GitHub API read is), an abort rejects with the signal's reason (our
 * timeouts are recognised by it), a network error rejects like fetch's `TypeError` with the cause attached, and
 * `response.url` is the address that answered. Bodies are read whole before the Response is returned (every
 * answer is JSON, read whole anyway), so the caller's timeout covers the body too. No compression is asked for:
 * a GraphQL answer of 100 repositories is tens of kilobytes, cheaper to receive than to inflate.
 */

const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: 256 }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: 256 }),
};

const MAX_REDIRECTS = 20;
const NULL_BODY = new Set([204, 205, 304]);
const REDIRECT = new Set([301, 302, 303, 307, 308]);

export const nodeFetch: typeof fetch = async (input, init) => {
  let url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
  const method = (init?.method ?? "GET").toUpperCase();
  const headers = plainHeaders(init?.headers);
  const body = typeof init?.body === "string" || init?.body instanceof Uint8Array ? init.body : undefined;
  if (init?.body != null && body === undefined)
    throw new TypeError("nodeFetch sends string or byte bodies only");
  for (let hop = 0; ; hop++) {
    const answer = await send(url, method, headers, body, init?.signal ?? undefined);
    const location = answer.headers.location;
    const follow = REDIRECT.has(answer.status) && location && (method === "GET" || method === "HEAD");
    if (!follow || init?.redirect === "manual") return toResponse(answer, url);
    if (init?.redirect === "error" || hop >= MAX_REDIRECTS)
      throw new TypeError("fetch failed", { cause: new Error(`redirect to ${location} not followed`) });
    const next = new URL(location, url);
    // Credentials never travel to another origin (fetch drops Authorization on a cross-origin redirect).
    if (next.origin !== url.origin) delete headers.authorization;
    url = next;
  }
};

interface Answer {
  readonly status: number;
  readonly statusText: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly raw: readonly string[];
  readonly body: Buffer;
}

function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | Uint8Array | undefined,
  signal: AbortSignal | undefined,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const transport = url.protocol === "https:" ? https : url.protocol === "http:" ? http : undefined;
    if (!transport) return reject(new TypeError(`fetch failed: unsupported protocol ${url.protocol}`));
    const agent = agents[url.protocol as keyof typeof agents];
    const request = transport.request(url, { method, headers, agent });
    const onAbort = () => {
      request.destroy();
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const done = () => signal?.removeEventListener("abort", onAbort);
    request.on("error", (error) => {
      done();
      reject(new TypeError("fetch failed", { cause: error }));
    });
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", (error) => {
        done();
        reject(new TypeError("fetch failed", { cause: error }));
      });
      response.on("end", () => {
        done();
        resolve({
          status: response.statusCode ?? 0,
          statusText: response.statusMessage ?? "",
          headers: response.headers,
          raw: response.rawHeaders,
          body: Buffer.concat(chunks),
        });
      });
    });
    request.end(body);
  });
}

function toResponse(answer: Answer, url: URL): Response {
  if (answer.status < 200 || answer.status > 599)
    throw new TypeError("fetch failed", { cause: new Error(`unexpected HTTP status ${answer.status}`) });
  // What Octokit and our observer read of a Response (status, url, headers.get and iteration, text, json,
  // arrayBuffer); a WHATWG Response would wrap the bytes we already hold in a stream only to read them back.
  return new BufferedResponse(answer, url.href) as unknown as Response;
}

/** A whole answer, read as fetch's Response is read. */
class BufferedResponse {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly redirected = false;
  readonly type = "basic";
  readonly headers: AnswerHeaders;
  private readonly bytes: Buffer | null;
  bodyUsed = false;

  constructor(
    answer: Answer,
    readonly url: string,
  ) {
    this.status = answer.status;
    this.statusText = answer.statusText;
    this.ok = answer.status >= 200 && answer.status < 300;
    this.headers = new AnswerHeaders(answer.raw);
    this.bytes = NULL_BODY.has(answer.status) ? null : answer.body;
  }

  /** The body as a stream, for a caller that asks for one (Octokit does with parseSuccessResponseBody: false). */
  get body(): ReadableStream<Uint8Array> | null {
    return this.bytes ? new Response(this.bytes).body : null;
  }

  private take(): Buffer {
    if (this.bodyUsed) throw new TypeError("Body is unusable: Body has already been read");
    this.bodyUsed = true;
    return this.bytes ?? Buffer.alloc(0);
  }

  async text(): Promise<string> {
    return this.take().toString("utf8");
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = this.take();
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  }
}

/** Response headers as fetch's Headers reads them: names lower case, repeated values joined by ", ". */
class AnswerHeaders {
  private readonly map = new Map<string, string>();

  constructor(raw: readonly string[]) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = (raw[i] as string).toLowerCase();
      const had = this.map.get(name);
      this.map.set(name, had === undefined ? (raw[i + 1] as string) : `${had}, ${raw[i + 1]}`);
    }
  }

  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }

  forEach(callback: (value: string, name: string) => void): void {
    for (const [name, value] of this.entries()) callback(value, name);
  }

  entries(): IterableIterator<[string, string]> {
    return [...this.map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))[Symbol.iterator]();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

function plainHeaders(given: RequestInit["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  if (!given) return out;
  // Never `instanceof Headers`: touching that global loads undici (20 ms), which this module exists to avoid.
  const entries: Iterable<readonly [string, string]> = Array.isArray(given)
    ? (given as [string, string][])
    : typeof (given as { entries?: unknown }).entries === "function"
      ? [...(given as Iterable<[string, string]> & { entries(): Iterable<[string, string]> }).entries()]
      : Object.entries(given as Record<string, string>);
  for (const [key, value] of entries) out[key.toLowerCase()] = String(value);
  return out;
}
