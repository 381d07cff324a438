/** μ-law bytes per millisecond of 8 kHz audio: the rate a real caller sends. */
const BYTES_PER_MS = 8;
/**
 * Audio a stream may send ahead of real time. Two seconds cover a network stall whose frames
 * then arrive at once; a caller cannot speak faster than time passes.
 */
const BURST_MS = 2000;
/** Audio refused in excess before the stream is judged abusive and closed. */
const ABUSE_MS = 10_000;

/**
 * A token bucket over inbound audio: frames beyond real time plus a burst are dropped (they
 * would only queue up turns nobody spoke), and a stream that keeps flooding is closed.
 */
export class FloodGuard {
  private tokens = BURST_MS * BYTES_PER_MS;
  private refilledAtMs: number | undefined;
  private refusedBytes = 0;

  admit(bytes: number, nowMs: number): 'ok' | 'dropped' | 'abusive' {
    const elapsedMs = this.refilledAtMs === undefined ? 0 : nowMs - this.refilledAtMs;
    this.refilledAtMs = nowMs;
    this.tokens = Math.min(BURST_MS * BYTES_PER_MS, this.tokens + elapsedMs * BYTES_PER_MS);
    if (bytes <= this.tokens) {
      this.tokens -= bytes;
      return 'ok';
    }
    this.refusedBytes += bytes;
    return this.refusedBytes > ABUSE_MS * BYTES_PER_MS ? 'abusive' : 'dropped';
  }
}
