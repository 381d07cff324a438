/** Calls by id whose hang-up is held back while their stream may reconnect. */
export class CallRegistry {
  private readonly pending = new Map<string, NodeJS.Timeout>();

  /** Hangs the call up after `graceMs`, unless a new stream claims it first. */
  holdHangup(callId: string, graceMs: number, hangup: () => void): void {
    this.claim(callId);
    const timer = setTimeout(() => {
      this.pending.delete(callId);
      hangup();
    }, graceMs);
    timer.unref();
    this.pending.set(callId, timer);
  }

  /** A stream (re)connected for the call: returns true when a held hang-up was cancelled. */
  claim(callId: string): boolean {
    const timer = this.pending.get(callId);
    if (!timer) return false;
    clearTimeout(timer);
    this.pending.delete(callId);
    return true;
  }

  /** Hangs up every held call now (the bridge is shutting down). */
  flush(hangup: (callId: string) => void): void {
    for (const [callId, timer] of this.pending) {
      clearTimeout(timer);
      hangup(callId);
    }
    this.pending.clear();
  }
}
