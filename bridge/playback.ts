import { FRAME_MS } from './endpointer.js';
import { VAD_FRAME_SAMPLES } from './vad.js';

/**
 * Frames sent ahead of real time. Sixty milliseconds absorb the jitter of this process's timer
 * and of the network, yet keep what a barge-in must throw away (the provider's buffer) short.
 */
export const LEAD_FRAMES = 3;
/** A mark every 200 ms of audio tells how much of a reply the caller has heard. */
export const MARK_EVERY_FRAMES = 10;
/**
 * How long after its last frame's due time a reply counts as played even without the final
 * mark's echo: a provider that drops marks must not leave the call waiting for ever.
 */
const MARK_GRACE_MS = 1500;

/** Where a playback sends its messages, already encoded for the provider. */
export interface PlaybackSink {
  media(frame: Buffer): void;
  mark(name: string): void;
}

/**
 * One reply streamed to the caller in real time, 20 ms frames paced by a {@link Pacer}, with a
 * mark after every {@link MARK_EVERY_FRAMES} frames and after the last one.
 */
export class Playback {
  private sent = 0;
  private played = 0;
  private startedAtMs = 0;
  private stopped = false;
  private resolveDone!: (playedMs: number) => void;
  /** Resolves with the milliseconds the caller heard, when the reply ends or is stopped. */
  readonly done = new Promise<number>((resolve) => (this.resolveDone = resolve));
  /** Called once, when the first frame goes out. */
  onFirstFrame?: () => void;

  constructor(
    /** Distinguishes this reply's marks from an earlier one's late echoes. */
    readonly id: string,
    private readonly mulaw: Buffer,
    private readonly sink: PlaybackSink,
  ) {}

  get totalFrames(): number {
    return Math.ceil(this.mulaw.length / VAD_FRAME_SAMPLES);
  }

  get durationMs(): number {
    return this.totalFrames * FRAME_MS;
  }

  /** Milliseconds of this reply the provider has confirmed as played. */
  get playedMs(): number {
    return this.played * FRAME_MS;
  }

  get finished(): boolean {
    return this.stopped;
  }

  /** Sends every frame that is due at `nowMs`. */
  tick(nowMs: number): void {
    if (this.stopped) return;
    if (this.sent === 0 && this.startedAtMs === 0) this.startedAtMs = nowMs;
    const due = Math.min(
      this.totalFrames,
      Math.floor((nowMs - this.startedAtMs) / FRAME_MS) + LEAD_FRAMES,
    );
    while (this.sent < due) {
      const from = this.sent * VAD_FRAME_SAMPLES;
      this.sink.media(this.mulaw.subarray(from, from + VAD_FRAME_SAMPLES));
      this.sent += 1;
      if (this.sent === 1) this.onFirstFrame?.();
      if (this.sent % MARK_EVERY_FRAMES === 0 || this.sent === this.totalFrames) {
        this.sink.mark(`${this.id}:${this.sent}`);
      }
    }
    if (nowMs - this.startedAtMs > this.durationMs + MARK_GRACE_MS) this.finish(this.totalFrames);
  }

  /** Takes a mark echoed by the provider; returns false when it is not this reply's. */
  acknowledge(name: string): boolean {
    const [id, frames] = name.split(':');
    if (id !== this.id || frames === undefined) return false;
    this.played = Math.max(this.played, Number(frames) || 0);
    if (this.played >= this.totalFrames) this.finish(this.totalFrames);
    return true;
  }

  /** Stops sending; returns the milliseconds the caller heard (as far as marks tell). */
  stop(): number {
    this.finish(this.played);
    return this.playedMs;
  }

  private finish(playedFrames: number): void {
    if (this.stopped) return;
    this.stopped = true;
    this.played = playedFrames;
    this.resolveDone(this.playedMs);
  }
}

/**
 * One timer for every reply being played in this process: it wakes every 10 ms and sends what
 * each playback owes by the wall clock, so a late wake-up catches up instead of drifting, and
 * fifty calls cost one timer rather than fifty.
 */
export class Pacer {
  private readonly playing = new Set<Playback>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly tickMs = 10) {}

  play(playback: Playback): void {
    this.playing.add(playback);
    playback.tick(performance.now());
    void playback.done.then(() => this.forget(playback));
    this.timer ??= setInterval(() => this.tick(), this.tickMs);
  }

  get active(): number {
    return this.playing.size;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const playback of this.playing) playback.stop();
  }

  private tick(): void {
    const now = performance.now();
    for (const playback of this.playing) playback.tick(now);
  }

  private forget(playback: Playback): void {
    this.playing.delete(playback);
    if (this.playing.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
