import { randomBytes } from 'node:crypto';

import type { Client, WorkflowHandle } from '@temporalio/client';
import type { WebSocket } from 'ws';

import type { AudioRef } from '../domain/audio.js';
import { hashCaller } from '../domain/caller.js';
import { rootMessage } from '../domain/failure-chain.js';
import type { Language } from '../domain/language.js';
import type { BlobStore } from '../infra/blob-store.js';
import { startCallWorkflow } from '../infra/calls-client.js';
import type { Logger } from '../infra/logger.js';
import { bargeInSignal, dtmfSignal } from '../workflows/bridge-messages.js';
import { hangupSignal, turnUpdate } from '../workflows/call-messages.js';
import type { HangupInput, TurnResult } from '../workflows/call-messages.js';
import type { BridgeMetrics } from './bridge-metrics.js';
import type { BridgeSettings } from './bridge-settings.js';
import type { CallRegistry } from './call-registry.js';
import { Endpointer } from './endpointer.js';
import type { EndpointerEvent, VoiceDetector } from './endpointer.js';
import { FloodGuard } from './flood-guard.js';
import { heardText } from './heard-text.js';
import { Playback } from './playback.js';
import type { Pacer } from './playback.js';
import type { BridgePrompts, PromptName } from './prompts.js';
import { ProtocolError } from './protocols/media-stream.js';
import type { InboundEvent, MediaStreamProtocol, StartEvent } from './protocols/media-stream.js';
import { toTelephoneMulaw } from './reply-audio.js';

/** What every session of one bridge process shares. */
export interface SessionDeps {
  client: Client;
  blobs: BlobStore;
  logger: Logger;
  metrics: BridgeMetrics;
  pacer: Pacer;
  prompts: BridgePrompts;
  settings: BridgeSettings;
  callerHashSecret: string;
  createVad(): VoiceDetector & { close(): void };
  /** Keeps track of calls whose stream dropped, so that a reconnect can take them over. */
  registry: CallRegistry;
  taskQueue?: string;
}

/**
 * Sent on a stream whose consumer stopped reading; past it the peer is gone or hopelessly
 * behind, and holding more reply audio for it only grows this process's memory.
 */
const MAX_BUFFERED_BYTES = 1 << 20;

type CallHandle = WorkflowHandle;

/**
 * One media stream: the caller's audio is cut into utterances, each sent to the call's
 * workflow as a `turn` Update, and each reply is streamed back in real time. Never throws into
 * the socket's event handlers: every fault is logged with the call id and counted.
 */
export class CallSession {
  private readonly token = randomBytes(4).toString('hex');
  private readonly acceptedAtMs = performance.now();
  private log: Logger;
  private call:
    { id: string; handle: Promise<CallHandle | undefined>; softphone: boolean } | undefined;
  private endpointer: Endpointer | undefined;
  private vad: (VoiceDetector & { close(): void }) | undefined;
  private readonly flood = new FloodGuard();
  private language: Language;
  private utterances = 0;
  private turnsInFlight = 0;
  private playback: { playback: Playback; turn?: number; text?: string } | undefined;
  private silencePrompts = 0;
  private silenceTimer: NodeJS.Timeout | undefined;
  private maxCallTimer: NodeJS.Timeout | undefined;
  private ending = false;
  private ended = false;
  private closed = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly protocol: MediaStreamProtocol,
    private readonly deps: SessionDeps,
  ) {
    this.log = deps.logger.child({ protocol: protocol.name, stream: this.token });
    this.language = deps.settings.defaultLanguage;
    deps.metrics.connections.inc();
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('close', () => this.onClose());
    socket.on('error', (error) => this.log.warn({ err: error.message }, 'media stream error'));
  }

  private onMessage(data: unknown, isBinary: boolean): void {
    try {
      if (isBinary) throw new ProtocolError('invalid-message', 'binary message on a JSON stream');
      const event = this.protocol.parse(String(data));
      this.onEvent(event);
    } catch (error) {
      if (error instanceof ProtocolError) {
        this.deps.metrics.protocolErrors.inc({ reason: error.reason });
        this.log.warn({ reason: error.reason, err: error.message }, 'message refused');
      } else {
        this.log.error({ err: String(error) }, 'message handling failed');
      }
    }
  }

  private onEvent(event: InboundEvent): void {
    switch (event.kind) {
      case 'connected':
        return;
      case 'start':
        return this.onStart(event);
      case 'media':
        return this.onMedia(event.mulaw);
      case 'dtmf':
        return this.onDtmf(event.digit);
      case 'mark':
        this.playback?.playback.acknowledge(event.name);
        return;
      case 'stop':
        return this.end({ reason: 'caller-hung-up' }, 'stop event');
    }
  }

  private onStart(event: StartEvent): void {
    if (this.call) {
      this.deps.metrics.protocolErrors.inc({ reason: 'duplicate-start' });
      this.log.warn({}, 'second start event ignored');
      return;
    }
    const language = event.parameters.language;
    if (language === 'uk' || language === 'ru') this.language = language;
    this.log = this.log.child({ callId: event.callId });
    const reconnected = this.deps.registry.claim(event.callId);
    const handle = this.startWorkflow(event).catch((error: unknown) => {
      this.deps.metrics.workflowErrors.inc({ operation: 'start' });
      this.log.error({ err: String(error) }, 'call workflow did not start; closing the stream');
      this.close(1011);
      return undefined;
    });
    this.call = { id: event.callId, handle, softphone: event.parameters.client === 'softphone' };
    this.vad = this.deps.createVad();
    this.endpointer = new Endpointer(this.vad, this.deps.settings);
    this.deps.metrics.callsActive.inc();
    this.maxCallTimer = setTimeout(
      () => this.sayGoodbye('max-call-duration'),
      this.deps.settings.maxCallMs,
    );
    this.armSilenceTimer();
    this.log.info({ reconnected, language: this.language }, 'call stream started');
  }

  private async startWorkflow(event: StartEvent): Promise<CallHandle> {
    let callerHash: string | undefined;
    if (event.from) {
      try {
        callerHash = hashCaller(event.from, this.deps.callerHashSecret);
      } catch {
        this.log.warn({ pii: { from: event.from } }, 'caller number unreadable; call is anonymous');
      }
    }
    return startCallWorkflow(
      this.deps.client,
      { callId: event.callId, callerHash, language: this.language },
      { taskQueue: this.deps.taskQueue, summary: `Phone call ${event.callId} (${this.language})` },
    );
  }

  private onMedia(mulaw: Buffer): void {
    if (!this.endpointer || this.ending) {
      this.deps.metrics.framesDropped.inc({ reason: this.ending ? 'after-end' : 'before-start' });
      return;
    }
    const verdict = this.flood.admit(mulaw.length, performance.now());
    if (verdict !== 'ok') {
      this.deps.metrics.framesDropped.inc({ reason: 'flood' });
      if (verdict === 'abusive') {
        this.log.warn({}, 'media flood far past real time; closing stream');
        this.end({ reason: 'error' }, 'media flood');
      }
      return;
    }
    for (const event of this.endpointer.push(mulaw)) this.onSpeech(event);
  }

  private onSpeech(event: EndpointerEvent): void {
    if (event.type === 'speech-start') {
      this.disarmSilenceTimer();
      this.silencePrompts = 0;
      if (this.playback) this.bargeIn();
      return;
    }
    const endpointAtMs = performance.now();
    void this.runTurn(event.mulaw, event.durationMs, endpointAtMs);
  }

  private bargeIn(): void {
    const current = this.playback;
    if (!current) return;
    this.playback = undefined;
    this.send(this.protocol.clear());
    const heardMs = current.playback.stop();
    if (current.turn === undefined) return;
    const replyMs = current.playback.durationMs;
    this.deps.metrics.bargeIns.inc();
    this.log.info({ turn: current.turn, heardMs, replyMs }, 'caller spoke over the reply');
    this.signalBargeIn(current.turn, heardMs, replyMs, current.text ?? '');
  }

  private signalBargeIn(turn: number, heardMs: number, replyMs: number, text: string): void {
    const input = { turn, heardMs, replyMs, heardText: heardText(text, heardMs, replyMs) };
    void this.signal('barge-in', (handle) => handle.signal(bargeInSignal, input));
  }

  private async runTurn(mulaw: Buffer, durationMs: number, endpointAtMs: number): Promise<void> {
    const seq = ++this.utterances;
    this.turnsInFlight += 1;
    try {
      const handle = await this.call?.handle;
      if (!handle || this.ending) {
        this.deps.metrics.turns.inc({ outcome: 'dropped' });
        return;
      }
      const audio: AudioRef = {
        key: `call/${this.call!.id}/utt-${this.token}-${seq}.ulaw`,
        format: { encoding: 'mulaw', sampleRateHz: 8000, channels: 1 },
        bytes: mulaw.length,
        durationMs,
      };
      await this.deps.blobs.put(audio.key, mulaw);
      const result = await handle.executeUpdate(turnUpdate, { args: [{ audio }] });
      await this.onReply(seq, result, endpointAtMs);
    } catch (error) {
      this.deps.metrics.turns.inc({ outcome: 'failed' });
      this.log.warn({ utterance: seq, err: rootMessage(error) }, 'turn failed');
    } finally {
      this.turnsInFlight -= 1;
      this.armSilenceTimer();
    }
  }

  private async onReply(seq: number, result: TurnResult, endpointAtMs: number): Promise<void> {
    this.language = result.reply.language;
    this.sendSoftphoneEvent({
      event: 'transcript',
      turn: result.turn,
      caller: result.transcript.text,
      agent: result.reply.text,
    });
    this.log.info(
      {
        turn: result.turn,
        latencyMs: result.latencyMs,
        pii: { caller: result.transcript.text, agent: result.reply.text },
      },
      'turn answered',
    );
    if (seq !== this.utterances || this.endpointer?.inSpeech) {
      // The caller spoke again before this reply could play: they never hear it.
      this.deps.metrics.turns.inc({ outcome: 'superseded' });
      this.signalBargeIn(result.turn, 0, result.reply.audio.durationMs, result.reply.text);
      return;
    }
    const reply = await this.deps.blobs.get(result.reply.audio.key);
    if (this.ending || seq !== this.utterances || this.endpointer?.inSpeech) {
      this.deps.metrics.turns.inc({ outcome: 'superseded' });
      return;
    }
    const mulaw = toTelephoneMulaw(reply, result.reply.audio.format);
    const { stt, llm, tts } = result.latencyMs;
    const playback = this.play(
      `t${result.turn}`,
      mulaw,
      { turn: result.turn, text: result.reply.text },
      () => {
        const seconds = (performance.now() - endpointAtMs) / 1000;
        this.deps.metrics.replyLatency.observe(seconds);
        this.deps.metrics.addedLatency.observe(Math.max(0, seconds - (stt + llm + tts) / 1000));
      },
    );
    this.deps.metrics.turns.inc({ outcome: 'played' });
    const heardMs = await playback.done;
    if (this.playback?.playback === playback) this.playback = undefined;
    if (heardMs >= playback.durationMs && (result.reply.endCall || result.reply.transfer)) {
      const reason = result.reply.transfer ? 'transferred' : 'agent-ended';
      // The workflow ended the call itself; a hang-up signal would only find it completed.
      this.end({ reason }, 'agent ended the call', false);
    }
  }

  private play(
    id: string,
    mulaw: Buffer,
    reply: { turn?: number; text?: string } = {},
    onFirstFrame?: () => void,
  ): Playback {
    if (this.playback) {
      // A prompt still playing gives way to the reply, and the provider drops what it buffered.
      this.playback.playback.stop();
      this.send(this.protocol.clear());
    }
    const playback = new Playback(`${id}-${this.token}`, mulaw, {
      media: (frame) => this.send(this.protocol.media(frame)),
      mark: (name) => this.send(this.protocol.mark(name)),
    });
    playback.onFirstFrame = onFirstFrame;
    this.playback = { playback, ...reply };
    this.deps.pacer.play(playback);
    void playback.done.then(() => {
      if (this.playback?.playback === playback) this.playback = undefined;
      this.armSilenceTimer();
    });
    return playback;
  }

  private onDtmf(digit: string): void {
    if (!this.call) return;
    this.deps.metrics.dtmf.inc();
    const atMs = Math.round(performance.now() - this.acceptedAtMs);
    this.log.info({ pii: { digit } }, 'keypad press forwarded');
    void this.signal('dtmf', (handle) => handle.signal(dtmfSignal, { digit, atMs }));
  }

  /** Arms the silence timer when the call is idle: nobody speaks and nothing is pending. */
  private armSilenceTimer(): void {
    if (this.ending || !this.call || this.playback || this.turnsInFlight > 0) return;
    if (this.endpointer?.inSpeech) return;
    this.disarmSilenceTimer();
    this.silenceTimer = setTimeout(() => this.onSilence(), this.deps.settings.silenceTimeoutMs);
  }

  private disarmSilenceTimer(): void {
    clearTimeout(this.silenceTimer);
    this.silenceTimer = undefined;
  }

  private onSilence(): void {
    if (this.silencePrompts === 0) {
      this.silencePrompts += 1;
      this.playPrompt('stillThere');
      return;
    }
    this.sayGoodbye('silence');
  }

  private playPrompt(name: PromptName): Playback {
    this.deps.metrics.prompts.inc({ prompt: name });
    this.sendSoftphoneEvent({ event: 'prompt', prompt: name });
    return this.play(name, this.deps.prompts[name][this.language]);
  }

  /** Says goodbye, then hangs up with reason `timeout` (silent caller or longest call). */
  private sayGoodbye(why: 'silence' | 'max-call-duration'): void {
    if (this.ending) return;
    this.log.info({ why }, 'ending the call politely');
    this.disarmSilenceTimer();
    this.send(this.protocol.clear());
    const playback = this.playPrompt('goodbye');
    this.ending = true;
    void playback.done.then(() => this.end({ reason: 'timeout' }, why));
  }

  private onClose(): void {
    this.closed = true;
    if (!this.call) {
      this.cleanUp();
      return;
    }
    if (this.ended) return;
    this.ending = true;
    // No stop event: the network or the provider dropped the stream. A reconnect may follow.
    this.deps.metrics.socketsLost.inc();
    this.log.warn({ graceMs: this.deps.settings.reconnectGraceMs }, 'media stream lost');
    const handle = this.call.handle;
    this.ended = true;
    this.cleanUp();
    this.deps.registry.holdHangup(this.call.id, this.deps.settings.reconnectGraceMs, () => {
      this.deps.metrics.callsEnded.inc({ reason: 'stream-lost' });
      void this.signalHangup(handle, { reason: 'caller-hung-up' });
    });
  }

  /** Ends the call: hang-up signalled, timers and playback stopped, socket closed. */
  private end(hangup: HangupInput, why: string, signal = true): void {
    if (this.ended) return;
    this.ended = true;
    this.ending = true;
    this.deps.metrics.callsEnded.inc({ reason: hangup.reason });
    this.log.info({ reason: hangup.reason, why }, 'call ended');
    const handle = this.call?.handle;
    this.cleanUp();
    if (handle && signal) void this.signalHangup(handle, hangup);
    this.close(1000);
  }

  private cleanUp(): void {
    this.disarmSilenceTimer();
    clearTimeout(this.maxCallTimer);
    this.playback?.playback.stop();
    this.playback = undefined;
    if (this.vad) {
      this.vad.close();
      this.vad = undefined;
      this.endpointer = undefined;
      this.deps.metrics.callsActive.dec();
    }
  }

  private async signalHangup(
    handle: Promise<CallHandle | undefined>,
    input: HangupInput,
  ): Promise<void> {
    const started = await handle;
    if (!started) return;
    try {
      await started.signal(hangupSignal, input);
    } catch (error) {
      this.deps.metrics.workflowErrors.inc({ operation: 'hangup' });
      this.log.warn({ err: rootMessage(error) }, 'hang-up signal failed');
    }
  }

  private async signal(
    operation: string,
    send: (handle: CallHandle) => Promise<void>,
  ): Promise<void> {
    const handle = await this.call?.handle;
    if (!handle) return;
    try {
      await send(handle);
    } catch (error) {
      this.deps.metrics.workflowErrors.inc({ operation });
      this.log.warn({ err: rootMessage(error) }, `${operation} signal failed`);
    }
  }

  private sendSoftphoneEvent(event: Record<string, unknown>): void {
    // Only the softphone understands these; a telephony provider gets nothing it does not know.
    if (this.call?.softphone) this.send(JSON.stringify(event));
  }

  private send(message: string): void {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.log.warn({ buffered: this.socket.bufferedAmount }, 'peer stopped reading; closing');
      this.end({ reason: 'error' }, 'slow consumer');
      return;
    }
    this.socket.send(message);
  }

  private close(code: number): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close(code);
  }
}
