import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Registry } from 'prom-client';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';

import { createBridgeMetrics } from './bridge-metrics.js';
import type { BridgeMetrics } from './bridge-metrics.js';
import { CallRegistry } from './call-registry.js';
import { CallSession } from './call-session.js';
import type { SessionDeps } from './call-session.js';
import { Pacer } from './playback.js';
import type { MediaStreamProtocolFactory } from './protocols/media-stream.js';
import { createTwilioProtocol } from './protocols/twilio.js';
import { WebRtcVad, loadVadModule } from './vad.js';

const SOFTPHONE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'softphone');
const SOFTPHONE_FILES: Record<string, string> = {
  '/softphone': 'softphone.html',
  '/softphone/softphone.js': 'softphone.js',
  '/softphone/mic-worklet.js': 'mic-worklet.js',
};

/**
 * Largest WebSocket message accepted. A Twilio media message of 20 ms is about 300 bytes; even
 * a `start` with many custom parameters stays far below this.
 */
const MAX_MESSAGE_BYTES = 64 * 1024;
/** A stream that answers no ping for this long is dead (a peer that vanished without a FIN). */
const HEARTBEAT_MS = 15_000;

/** Media stream protocols by URL path: `wss://HOST/streams/<name>`. */
export const PROTOCOLS: Record<string, MediaStreamProtocolFactory> = {
  twilio: createTwilioProtocol,
};

export interface BridgeOptions extends Omit<
  SessionDeps,
  'metrics' | 'pacer' | 'registry' | 'createVad'
> {
  registry: Registry;
  port: number;
  host?: string;
}

export interface RunningBridge {
  /** `http://host:port` of the bridge. */
  url: string;
  port: number;
  metrics: BridgeMetrics;
  /** Streams open right now. */
  readonly openStreams: number;
  close(): Promise<void>;
}

/**
 * The telephony bridge: media streams over WebSocket at `/streams/<protocol>`, the browser
 * softphone at `/softphone`, Prometheus metrics at `/metrics` and `/healthz`.
 */
export async function startBridge(options: BridgeOptions): Promise<RunningBridge> {
  await loadVadModule();
  const metrics = createBridgeMetrics(options.registry);
  const pacer = new Pacer();
  const calls = new CallRegistry();
  const deps: SessionDeps = {
    ...options,
    metrics,
    pacer,
    registry: calls,
    createVad: () => WebRtcVad.createSync(options.settings.vadMode),
  };
  const softphone = await loadSoftphone();
  const sockets = new Set<WebSocket>();
  const alive = new WeakSet<WebSocket>();

  const server = createServer((request, response) => {
    serveHttp(request, response, options.registry, softphone);
  });
  const streams = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });

  server.on('upgrade', (request, socket, head) => {
    const name = /^\/streams\/([a-z0-9-]+)\/?$/.exec(request.url?.split('?')[0] ?? '')?.[1];
    const protocol = name === undefined ? undefined : PROTOCOLS[name];
    if (!protocol) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    streams.handleUpgrade(request, socket, head, (ws) => {
      sockets.add(ws);
      alive.add(ws);
      ws.on('pong', () => alive.add(ws));
      ws.on('close', () => sockets.delete(ws));
      new CallSession(ws, protocol(), deps);
    });
  });

  const heartbeat = setInterval(() => {
    for (const ws of sockets) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    metrics,
    get openStreams() {
      return sockets.size;
    },
    close: async () => {
      clearInterval(heartbeat);
      for (const ws of sockets) ws.close(1001, 'bridge shutting down');
      await new Promise((resolve) => setTimeout(resolve, 50));
      for (const ws of sockets) ws.terminate();
      calls.flush((callId) => options.logger.info({ callId }, 'hung up on shutdown'));
      pacer.stop();
      streams.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function loadSoftphone(): Promise<Map<string, { body: Buffer; type: string }>> {
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const [route, file] of Object.entries(SOFTPHONE_FILES)) {
    const type = file.endsWith('.html') ? 'text/html; charset=utf-8' : 'text/javascript';
    files.set(route, { body: await readFile(path.join(SOFTPHONE_DIR, file)), type });
  }
  return files;
}

function serveHttp(
  request: IncomingMessage,
  response: ServerResponse,
  registry: Registry,
  softphone: Map<string, { body: Buffer; type: string }>,
): void {
  const route = request.url?.split('?')[0] ?? '';
  if (request.method !== 'GET') {
    response.writeHead(405).end();
    return;
  }
  const file = softphone.get(route);
  if (file) {
    response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' });
    response.end(file.body);
    return;
  }
  if (route === '/healthz') {
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    return;
  }
  if (route === '/metrics') {
    registry.metrics().then(
      (body) => response.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (error: unknown) => response.writeHead(500).end(String(error)),
    );
    return;
  }
  response.writeHead(404).end();
}
