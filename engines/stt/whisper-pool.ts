import type { AudioFormat } from '../../domain/audio.js';
import type { SttUsage, Transcript } from '../../domain/usage.js';
import type { LanguageHint, SpeechToText } from '../types.js';
import { WhisperServerError } from './whisper-errors.js';
import { WhisperServerStt } from './whisper-server.js';
import type { WhisperServerSttOptions } from './whisper-server.js';

/**
 * Several whisper-server processes with the same model, each serving one utterance at a time.
 * A transcription takes an idle instance or waits for the first one freed, in arrival order, so
 * N instances run N utterances in parallel and never more.
 */
export class WhisperPool implements SpeechToText {
  readonly provider = 'whisper.cpp';

  private readonly engines: WhisperServerStt[];
  private readonly idle: WhisperServerStt[];
  private readonly waiting: ((engine: WhisperServerStt) => void)[] = [];
  private closed = false;

  /** Thrown for `instances` below 1: a RangeError. */
  constructor(options: WhisperServerSttOptions & { instances: number }) {
    const { instances, ...engineOptions } = options;
    if (!Number.isInteger(instances) || instances < 1) {
      throw new RangeError(`a Whisper pool needs at least one instance, not ${instances}`);
    }
    this.engines = Array.from({ length: instances }, () => new WhisperServerStt(engineOptions));
    this.idle = [...this.engines];
  }

  /** Instances configured. */
  get size(): number {
    return this.engines.length;
  }

  /** Utterances being transcribed now. */
  get busy(): number {
    return this.engines.length - this.idle.length;
  }

  /** Server processes running now (an instance whose server crashed counts 0 until restarted). */
  get running(): number {
    return this.engines.reduce((sum, engine) => sum + engine.instances, 0);
  }

  /** Process ids of the running servers, for diagnostics. */
  get pids(): number[] {
    return this.engines.flatMap((engine) => (engine.pid === undefined ? [] : [engine.pid]));
  }

  /**
   * Starts every server and loads the model, one after another: N copies of a 3 GB model loading
   * at once from the same disk each take N times longer, and a failure shows on the first.
   */
  async start(): Promise<void> {
    for (const engine of this.engines) await engine.start();
  }

  /** Transcribes one utterance on the next free instance; errors as {@link WhisperServerStt}. */
  async transcribe(
    audio: Buffer,
    format: AudioFormat,
    hint: LanguageHint,
  ): Promise<{ transcript: Transcript; usage: SttUsage }> {
    const engine = await this.acquire();
    try {
      return await engine.transcribe(audio, format, hint);
    } finally {
      this.release(engine);
    }
  }

  /** Stops every server. Waiting and later calls fail with a non-retryable `closed` error. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.engines.map((engine) => engine.close()));
  }

  private acquire(): Promise<WhisperServerStt> {
    if (this.closed) {
      return Promise.reject(
        new WhisperServerError('closed', 'the Whisper engine was closed', false),
      );
    }
    const engine = this.idle.shift();
    if (engine) return Promise.resolve(engine);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(engine: WhisperServerStt): void {
    const next = this.waiting.shift();
    // A waiter handed a closed engine gets its `closed` error from the engine itself.
    if (next) next(engine);
    else this.idle.push(engine);
  }
}
