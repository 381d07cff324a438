import { defineSignal } from '@temporalio/workflow';

/**
 * Messages the telephony bridge sends to a call's workflow beside the `turn` Update and the
 * `hangup` Signal. Until the workflow registers handlers for them, Temporal keeps them in the
 * call's history as received signals, so nothing the bridge reports is lost.
 */

export interface BargeInInput {
  /** The turn whose reply the caller interrupted. */
  turn: number;
  /** Milliseconds of the reply audio the caller heard before speaking over it. */
  heardMs: number;
  /** Length of the whole reply audio. */
  replyMs: number;
  /**
   * The words of the reply spoken by then, estimated from the share of the audio played
   * (speech rate is taken as even). The workflow should record only this much of the reply as
   * said to the caller in the dialog history.
   */
  heardText: string;
}

export interface DtmfInput {
  /** One key: 0-9, `*`, `#` or A-D. */
  digit: string;
  /** Milliseconds since the bridge accepted the call, to order keys among turns. */
  atMs: number;
}

/** The caller spoke over a reply: playback stopped, and this is what they heard of it. */
export const bargeInSignal = defineSignal<[BargeInInput]>('bargeIn');
/** The caller pressed a key on the phone's keypad. */
export const dtmfSignal = defineSignal<[DtmfInput]>('dtmf');
