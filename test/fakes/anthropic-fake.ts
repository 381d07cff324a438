/**
 * A fake Anthropic Messages API on loopback HTTP, for driving the real SDK in tests. It answers
 * `POST /v1/messages` with scripted responses in the API's own JSON shapes (text, tool use,
 * usage with cache tokens, error bodies and headers), can stall or drop a connection, and keeps a
 * journal of what it received so that tests count attempts and inspect the requests.
 *
 * It checks the few request rules the real API enforces that dzvin could plausibly break (roles,
 * empty text, tool results answering the previous tool calls) and answers 400 as the API does.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Token counts of one response; omitted kinds are zero. */
export interface FakeUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

/** A content block of a scripted reply, as the API returns it (ids are filled in). */
export type FakeBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; name: string; input: Record<string, unknown> };

/** One scripted answer to one request. */
export type FakeResponse = { delayMs?: number } & (
  | {
      kind: 'message';
      content: FakeBlock[];
      stopReason?: 'end_turn' | 'tool_use' | 'max_tokens' | 'refusal';
      usage?: FakeUsage;
    }
  | {
      kind: 'error';
      status: number;
      errorType: string;
      message: string;
      headers?: Record<string, string>;
    }
  | { kind: 'drop' }
);

/** A request as received: parsed JSON body plus the moment it arrived. */
export interface ReceivedRequest {
  /** Milliseconds since the fake started. */
  atMs: number;
  headers: http.IncomingHttpHeaders;
  body: MessagesRequestBody;
}

/** The parts of a Messages API request that tests look at. */
export interface MessagesRequestBody {
  model: string;
  max_tokens: number;
  system?: string | Array<{ type: 'text'; text: string; cache_control?: unknown }>;
  tools?: Array<{ name: string; input_schema: unknown; cache_control?: unknown }>;
  tool_choice?: { type: string };
  messages: Array<{ role: string; content: string | RequestBlock[] }>;
}

export type RequestBlock = {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  tool_use_id?: string;
  content?: unknown;
  is_error?: boolean;
  cache_control?: unknown;
};

/** A scripted response, or a function that writes one from the request (to echo tool results). */
export type Responder = FakeResponse | ((request: ReceivedRequest) => FakeResponse);

/** Builders for the responses the real API gives. */
export const fakeReply = {
  text: (text: string, usage?: FakeUsage): FakeResponse => ({
    kind: 'message',
    content: [{ type: 'text', text }],
    stopReason: 'end_turn',
    ...(usage ? { usage } : {}),
  }),
  toolUse: (
    name: string,
    input: Record<string, unknown>,
    options: { text?: string; usage?: FakeUsage } = {},
  ): FakeResponse => ({
    kind: 'message',
    content: [
      ...(options.text ? [{ type: 'text' as const, text: options.text }] : []),
      { type: 'tool_use', name, input },
    ],
    stopReason: 'tool_use',
    ...(options.usage ? { usage: options.usage } : {}),
  }),
  error: (
    status: number,
    errorType: string,
    message: string,
    headers?: Record<string, string>,
  ): FakeResponse => ({
    kind: 'error',
    status,
    errorType,
    message,
    ...(headers ? { headers } : {}),
  }),
  badRequest: (message = 'messages: invalid request'): FakeResponse =>
    fakeReply.error(400, 'invalid_request_error', message),
  unauthorized: (): FakeResponse =>
    fakeReply.error(401, 'authentication_error', 'invalid x-api-key'),
  rateLimited: (retryAfterS: number): FakeResponse =>
    fakeReply.error(429, 'rate_limit_error', 'Number of request tokens has exceeded your limit', {
      'retry-after': String(retryAfterS),
    }),
  serverError: (): FakeResponse => fakeReply.error(500, 'api_error', 'Internal server error'),
  overloaded: (): FakeResponse => fakeReply.error(529, 'overloaded_error', 'Overloaded'),
  drop: (): FakeResponse => ({ kind: 'drop' }),
  delayed: (delayMs: number, response: FakeResponse): FakeResponse => ({ ...response, delayMs }),
};

/** The fake server. Start one per test file; `reset` between tests. */
export class AnthropicFake {
  /** Every request received, in arrival order, valid or not. */
  readonly requests: ReceivedRequest[] = [];

  readonly #server: http.Server;
  readonly #startedMs = performance.now();
  readonly #queue: Responder[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  #whenIdle: Responder | undefined;
  #sequence = 0;

  private constructor(server: http.Server) {
    this.#server = server;
  }

  /** Starts listening on a free loopback port. */
  static async start(): Promise<AnthropicFake> {
    const handlers: { fake?: AnthropicFake } = {};
    const server = http.createServer((req, res) => {
      void handlers.fake!.#handle(req, res);
    });
    const fake = new AnthropicFake(server);
    handlers.fake = fake;
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return fake;
  }

  /** Base URL for the SDK's `baseURL`. */
  get url(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Scripts the next responses, one per request, in order. */
  enqueue(...responders: Responder[]): void {
    this.#queue.push(...responders);
  }

  /** What every request gets once the script is used up (an outage, say). */
  whenIdle(responder: Responder | undefined): void {
    this.#whenIdle = responder;
  }

  /** Forgets the script, the idle responder and the journal. */
  reset(): void {
    this.#queue.length = 0;
    this.#whenIdle = undefined;
    this.requests.length = 0;
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#server.closeAllConnections();
    this.#server.close();
    await once(this.#server, 'close');
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const n = ++this.#sequence;

    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/v1/messages') {
      return sendError(res, n, 404, 'not_found_error', `${req.method} ${req.url} not found`);
    }
    let body: MessagesRequestBody;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as MessagesRequestBody;
    } catch {
      return sendError(res, n, 400, 'invalid_request_error', 'request body is not valid JSON');
    }
    const request: ReceivedRequest = {
      atMs: performance.now() - this.#startedMs,
      headers: req.headers,
      body,
    };
    this.requests.push(request);

    const problem = requestProblem(req.headers, body);
    if (problem) {
      const status = problem.startsWith('x-api-key') ? 401 : 400;
      const type = status === 401 ? 'authentication_error' : 'invalid_request_error';
      return sendError(res, n, status, type, problem);
    }

    const responder = this.#queue.shift() ?? this.#whenIdle;
    if (responder === undefined) {
      return sendError(res, n, 500, 'api_error', 'the fake has no scripted response left');
    }
    const response = typeof responder === 'function' ? responder(request) : responder;
    if (response.delayMs) await this.#sleep(response.delayMs);
    // The client gave up waiting (its timeout): there is nobody left to answer.
    if (res.destroyed) return;

    switch (response.kind) {
      case 'drop':
        req.socket.destroy();
        return;
      case 'error':
        return sendError(res, n, response.status, response.errorType, response.message, {
          ...response.headers,
        });
      case 'message':
        return send(res, n, 200, toMessage(n, body.model, response));
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }
}

function toMessage(n: number, model: string, response: Extract<FakeResponse, { kind: 'message' }>) {
  let toolIndex = 0;
  return {
    id: `msg_fake${String(n).padStart(6, '0')}`,
    type: 'message',
    role: 'assistant',
    model,
    content: response.content.map((block) =>
      block.type === 'text'
        ? { type: 'text', text: block.text, citations: null }
        : {
            type: 'tool_use',
            id: `toolu_fake${String(n).padStart(6, '0')}_${++toolIndex}`,
            name: block.name,
            input: block.input,
          },
    ),
    stop_reason: response.stopReason ?? 'end_turn',
    stop_sequence: null,
    usage: {
      input_tokens: response.usage?.input_tokens ?? 10,
      output_tokens: response.usage?.output_tokens ?? 5,
      cache_creation_input_tokens: response.usage?.cache_creation_input_tokens ?? 0,
      cache_read_input_tokens: response.usage?.cache_read_input_tokens ?? 0,
      cache_creation: null,
      server_tool_use: null,
      service_tier: 'standard',
    },
  };
}

/** The first rule of the real API this request breaks, worded like the API; undefined if none. */
function requestProblem(
  headers: http.IncomingHttpHeaders,
  body: MessagesRequestBody,
): string | undefined {
  // The SDK sends the key as `Authorization: Bearer`; older clients send `x-api-key`.
  if (!headers['x-api-key'] && !headers.authorization?.startsWith('Bearer ')) {
    return 'x-api-key header is required';
  }
  if (!headers['anthropic-version']) return 'anthropic-version: header is required';
  if (typeof body.model !== 'string' || body.model === '') return 'model: Field required';
  if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) {
    return 'max_tokens: Input should be a positive integer';
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return 'messages: at least one message is required';
  }
  if (body.messages[0]?.role !== 'user') return 'messages: first message must use the "user" role';

  let previousToolIds = new Set<string>();
  for (const [i, message] of body.messages.entries()) {
    if (message.role !== 'user' && message.role !== 'assistant') {
      return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    }
    const blocks =
      typeof message.content === 'string'
        ? [{ type: 'text', text: message.content }]
        : message.content;
    const toolIds = new Set<string>();
    for (const [j, block] of blocks.entries()) {
      if (block.type === 'text' && !block.text?.trim()) {
        return `messages.${i}.content.${j}.text: text content blocks must be non-empty`;
      }
      if (block.type === 'tool_use' && block.id) toolIds.add(block.id);
      if (block.type === 'tool_result' && !previousToolIds.has(block.tool_use_id ?? '')) {
        return (
          `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` ` +
          'blocks. Each `tool_result` block must have a corresponding `tool_use` block in the ' +
          'previous message.'
        );
      }
    }
    previousToolIds = toolIds;
  }
  return undefined;
}

function sendError(
  res: http.ServerResponse,
  n: number,
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  send(res, n, status, { type: 'error', error: { type, message } }, headers);
}

function send(
  res: http.ServerResponse,
  n: number,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'request-id': `req_fake${String(n).padStart(6, '0')}`,
    ...headers,
  });
  res.end(JSON.stringify(body));
}
