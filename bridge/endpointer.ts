import { mulawToPcm16 } from '../infra/audio-codec.js';
import { VAD_FRAME_SAMPLES } from './vad.js';

/** Milliseconds in one VAD frame of 160 samples at 8 kHz. */
export const FRAME_MS = 20;

/** Turn-taking settings; see README "Environment" for the defaults and their reasons. */
export interface EndpointerSettings {
  /** Silence after speech that ends an utterance. */
  endOfUtteranceMs: number;
  /** Voiced audio within {@link START_WINDOW_MS} that counts as the caller starting to speak. */
  minSpeechMs: number;
  /** An utterance this long is cut and sent, and the rest becomes the next one. */
  maxUtteranceMs: number;
}

/** Window in which `minSpeechMs` of voiced frames must fall; tolerates short dips in a word. */
const START_WINDOW_MS = 300;
/** Audio kept from before the detected start, so the first consonant is not clipped. */
const PRE_ROLL_MS = 200;
/** Trailing silence kept at the end of an utterance: recognizers like a short tail. */
const TAIL_MS = 100;

export type EndpointerEvent =
  { type: 'speech-start' } | { type: 'utterance'; mulaw: Buffer; durationMs: number; cut: boolean };

/** Decides, 20 ms at a time, whether a frame holds speech. */
export interface VoiceDetector {
  isSpeech(samples: Int16Array): boolean;
}

/**
 * Cuts a caller's 8 kHz μ-law stream into utterances: speech starts once enough voiced frames
 * fall in a short window, and ends after a configured stretch of silence or at the longest
 * utterance allowed. Frames of any size go in; events come out in order.
 */
export class Endpointer {
  private pending = Buffer.alloc(0);
  private readonly recent: boolean[] = [];
  private readonly preRoll: Buffer[] = [];
  private utterance: Buffer[] = [];
  private speaking = false;
  private trailingSilence = 0;

  constructor(
    private readonly vad: VoiceDetector,
    private readonly settings: EndpointerSettings,
  ) {}

  /** True while the caller is speaking (after `speech-start`, before the utterance ends). */
  get inSpeech(): boolean {
    return this.speaking;
  }

  push(mulaw: Buffer): EndpointerEvent[] {
    const events: EndpointerEvent[] = [];
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, mulaw]) : mulaw;
    while (data.length >= VAD_FRAME_SAMPLES) {
      // Copied: the socket's buffer may be reused, and utterances outlive this call.
      const frame = Buffer.from(data.subarray(0, VAD_FRAME_SAMPLES));
      data = data.subarray(VAD_FRAME_SAMPLES);
      this.onFrame(frame, events);
    }
    this.pending = Buffer.from(data);
    return events;
  }

  private onFrame(frame: Buffer, events: EndpointerEvent[]): void {
    const pcm = mulawToPcm16(frame);
    const voiced = this.vad.isSpeech(new Int16Array(pcm.buffer, pcm.byteOffset, pcm.length / 2));
    const { endOfUtteranceMs, minSpeechMs, maxUtteranceMs } = this.settings;

    this.recent.push(voiced);
    if (this.recent.length > START_WINDOW_MS / FRAME_MS) this.recent.shift();

    if (!this.speaking) {
      this.preRoll.push(frame);
      if (this.preRoll.length > PRE_ROLL_MS / FRAME_MS) this.preRoll.shift();
      const voicedMs = this.recent.filter(Boolean).length * FRAME_MS;
      if (voicedMs >= Math.min(minSpeechMs, START_WINDOW_MS)) {
        this.speaking = true;
        this.trailingSilence = 0;
        this.utterance = this.preRoll.splice(0);
        events.push({ type: 'speech-start' });
      }
      return;
    }

    this.utterance.push(frame);
    this.trailingSilence = voiced ? 0 : this.trailingSilence + 1;
    if (this.trailingSilence * FRAME_MS >= endOfUtteranceMs) {
      const keep = this.utterance.length - this.trailingSilence + TAIL_MS / FRAME_MS;
      this.emit(this.utterance.slice(0, keep), false, events);
      this.speaking = false;
      this.recent.length = 0;
    } else if (this.utterance.length * FRAME_MS >= maxUtteranceMs) {
      // Still speaking: this part goes now, and the next utterance starts at once.
      this.emit(this.utterance, true, events);
      this.utterance = [];
    }
  }

  private emit(frames: Buffer[], cut: boolean, events: EndpointerEvent[]): void {
    this.utterance = [];
    const mulaw = Buffer.concat(frames);
    events.push({ type: 'utterance', mulaw, durationMs: frames.length * FRAME_MS, cut });
  }
}
