/**
 * What the bridge needs from a telephony provider's media stream, whatever its wire format:
 * decoded inbound events in, and outbound messages built for the provider. A provider module
 * (e.g. `twilio.ts`) implements {@link MediaStreamProtocol}; the call session never sees JSON.
 */

/** The stream is open; nothing is known about the call yet. */
export interface ConnectedEvent {
  kind: 'connected';
}

/** The call's metadata, sent once before any audio. */
export interface StartEvent {
  kind: 'start';
  /** The provider's id of the phone call; one call id maps to one workflow. */
  callId: string;
  /** The provider's id of this stream; a reconnect of the same call gets a new one. */
  streamId: string;
  /** The caller's number when the provider passes it (personal data: log under `pii` only). */
  from?: string;
  /** Free-form values set where the stream was opened (TwiML `<Parameter>`, softphone page). */
  parameters: Record<string, string>;
}

/** One frame of caller audio, 8 kHz μ-law. */
export interface MediaEvent {
  kind: 'media';
  mulaw: Buffer;
}

/** A key the caller pressed. */
export interface DtmfEvent {
  kind: 'dtmf';
  digit: string;
}

/** The provider has played the outbound audio up to a mark the bridge sent. */
export interface MarkEvent {
  kind: 'mark';
  name: string;
}

/** The stream ends: the caller hung up or the provider closed it. */
export interface StopEvent {
  kind: 'stop';
}

export type InboundEvent =
  ConnectedEvent | StartEvent | MediaEvent | DtmfEvent | MarkEvent | StopEvent;

/** Thrown by {@link MediaStreamProtocol.parse} for a message the bridge cannot use. */
export class ProtocolError extends Error {
  constructor(
    /** Stable reason for logs and metrics. */
    readonly reason: 'malformed-json' | 'invalid-message' | 'unknown-event' | 'bad-payload-size',
    message: string,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/**
 * One provider's wire format of a bidirectional media stream over WebSocket. An instance serves
 * one connection: outbound messages carry the stream id that its `start` event announced.
 */
export interface MediaStreamProtocol {
  readonly name: string;
  /** Decodes one WebSocket text message. Throws {@link ProtocolError}. */
  parse(message: string): InboundEvent;
  /** Caller-bound audio: 8 kHz μ-law, any whole number of samples. */
  media(mulaw: Buffer): string;
  /** A marker the provider echoes back once the audio sent before it has been played. */
  mark(name: string): string;
  /** Drops every buffered, not yet played outbound sample at once (barge-in). */
  clear(): string;
}

/** Makes a fresh protocol instance for each accepted connection. */
export type MediaStreamProtocolFactory = () => MediaStreamProtocol;
