import { readFile } from 'node:fs/promises';
import path from 'node:path';

import WebSocket from 'ws';

import { floatToPcm16, pcm16ToFloat, pcm16ToMulaw, resampleMono } from '../../infra/audio-codec.js';
import { decodeAudioFile } from '../../infra/audio-file.js';
import { REPO_ROOT } from '../../infra/config.js';

/** One byte of μ-law silence (zero amplitude). */
const MULAW_SILENCE = 0xff;
const FRAME_BYTES = 160;
const FRAME_MS = 20;

/** A file from samples/ as 8 kHz μ-law, the way a phone line carries it. */
export async function loadSampleMulaw(relativePath: string): Promise<Buffer> {
  const file = path.join(REPO_ROOT, 'samples', relativePath);
  const decoded = await decodeAudioFile(await readFile(file), path.basename(file));
  const pcm8k = floatToPcm16(resampleMono(pcm16ToFloat(decoded.pcm), 16_000, 8000));
  return pcm16ToMulaw(pcm8k);
}

/** A reply as the phone heard it. */
export interface HeardReply {
  /** performance.now() when its first frame arrived. */
  firstFrameAtMs: number;
  frames: number;
  /** True when the bridge sent `clear` while it played. */
  cleared: boolean;
}

/**
 * A phone on a Twilio Media Stream, for tests and the benchmark: it speaks audio in real time,
 * 20 ms frames, and plays what the bridge sends at the pace a handset would, echoing each mark
 * once the audio before it has played and dropping its buffer on `clear`, as Twilio does.
 */
export class PhoneCaller {
  readonly replies: HeardReply[] = [];
  /** Softphone-only JSON events the bridge sent (transcripts, prompts). */
  readonly extras: Record<string, unknown>[] = [];
  clears = 0;
  /** performance.now() of the last speech frame sent by {@link say}. */
  lastSpeechSentAtMs = 0;
  private readonly queue: ({ frame: true } | { mark: string })[] = [];
  private lastMediaAtMs = 0;
  private readonly player: NodeJS.Timeout;
  readonly closed: Promise<number>;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => this.onMessage((data as Buffer).toString()));
    this.closed = new Promise((resolve) => socket.once('close', (code) => resolve(code)));
    this.player = setInterval(() => this.playFrame(), FRAME_MS);
    void this.closed.then(() => clearInterval(this.player));
  }

  /** Opens a stream to the bridge and sends `connected` and `start` for the call. */
  static async dial(
    bridgeUrl: string,
    call: { callId: string; from?: string; parameters?: Record<string, string> },
  ): Promise<PhoneCaller> {
    const socket = new WebSocket(`${bridgeUrl.replace(/^http/, 'ws')}/streams/twilio`);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const caller = new PhoneCaller(socket);
    caller.sendJson({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    caller.sendJson({
      event: 'start',
      sequenceNumber: '1',
      streamSid: `MZ${call.callId}`,
      start: {
        callSid: call.callId,
        streamSid: `MZ${call.callId}`,
        accountSid: 'ACtest',
        tracks: ['inbound'],
        customParameters: { ...call.parameters, ...(call.from ? { from: call.from } : {}) },
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
    });
    return caller;
  }

  /** Speaks μ-law audio in real time, then stays silent for `silenceMs`. */
  async say(mulaw: Buffer, silenceMs = 1000): Promise<void> {
    await this.stream(mulaw);
    this.lastSpeechSentAtMs = performance.now();
    await this.silence(silenceMs);
  }

  /** Sends silent frames in real time, as a phone does while its user listens. */
  silence(ms: number): Promise<void> {
    return this.stream(Buffer.alloc(Math.round(ms / FRAME_MS) * FRAME_BYTES, MULAW_SILENCE));
  }

  pressKey(digit: string): void {
    this.sendJson({ event: 'dtmf', streamSid: 'MZ', dtmf: { track: 'inbound_track', digit } });
  }

  /** Hangs up the way Twilio does: a `stop` event, then the socket closes. */
  async hangUp(): Promise<void> {
    this.sendJson({ event: 'stop', streamSid: 'MZ', stop: { callSid: 'x' } });
    this.socket.close();
    await this.closed;
  }

  /** The network goes away: no stop event, no close handshake. */
  drop(): void {
    this.socket.terminate();
  }

  /** Sends raw text, well-formed or not. */
  sendRaw(text: string | Buffer): void {
    this.socket.send(text);
  }

  sendJson(message: object): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  /** Waits until `count` replies have begun to arrive. */
  async waitForReplies(count: number, timeoutMs = 20_000): Promise<HeardReply> {
    await until(() => this.replies.length >= count, timeoutMs, `reply ${count}`);
    return this.replies[count - 1]!;
  }

  /** Waits until the phone has played everything it was sent. */
  async waitUntilQuiet(timeoutMs = 20_000): Promise<void> {
    await until(
      () => this.queue.length === 0 && performance.now() - this.lastMediaAtMs > 300,
      timeoutMs,
      'end of reply',
    );
  }

  private async stream(mulaw: Buffer): Promise<void> {
    const startedAt = performance.now();
    for (let i = 0; i * FRAME_BYTES < mulaw.length; i++) {
      // Paced by the wall clock, so timer lateness does not stretch the audio.
      const wait = startedAt + i * FRAME_MS - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (this.socket.readyState !== WebSocket.OPEN) return;
      const frame = mulaw.subarray(i * FRAME_BYTES, (i + 1) * FRAME_BYTES);
      this.sendJson({
        event: 'media',
        streamSid: 'MZ',
        media: { payload: frame.toString('base64') },
      });
    }
  }

  private onMessage(text: string): void {
    const message = JSON.parse(text) as { event: string; mark?: { name: string } };
    if (message.event === 'media') {
      const now = performance.now();
      // A gap of silence from the bridge means a new reply (or prompt) has begun.
      if (now - this.lastMediaAtMs > 250 || this.replies.length === 0) {
        this.replies.push({ firstFrameAtMs: now, frames: 0, cleared: false });
      }
      this.replies[this.replies.length - 1]!.frames += 1;
      this.lastMediaAtMs = now;
      this.queue.push({ frame: true });
    } else if (message.event === 'mark') {
      this.queue.push({ mark: message.mark!.name });
      this.playFrame(0);
    } else if (message.event === 'clear') {
      this.clears += 1;
      const current = this.replies[this.replies.length - 1];
      if (current) current.cleared = true;
      // Twilio empties its buffer and returns the marks that were still waiting in it.
      for (const item of this.queue.splice(0)) if ('mark' in item) this.echoMark(item.mark);
      this.lastMediaAtMs = 0;
    } else {
      this.extras.push(message);
    }
  }

  private playFrame(frames = 1): void {
    let played = 0;
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      if ('mark' in head) {
        this.queue.shift();
        this.echoMark(head.mark);
        continue;
      }
      if (played >= frames) break;
      this.queue.shift();
      played += 1;
    }
  }

  private echoMark(name: string): void {
    this.sendJson({ event: 'mark', streamSid: 'MZ', mark: { name } });
  }
}

/** Polls `check` every 20 ms until it holds, or fails after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
