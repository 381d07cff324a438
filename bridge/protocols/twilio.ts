import { z } from 'zod';

import { ProtocolError } from './media-stream.js';
import type { InboundEvent, MediaStreamProtocol } from './media-stream.js';

/**
 * Largest inbound media payload accepted, in bytes of μ-law. Twilio sends 160 (20 ms); a
 * frame of a second or more is no phone stream and would let one message flood the VAD.
 */
export const MAX_MEDIA_PAYLOAD_BYTES = 1600;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const sid = z.string().min(1).max(128);

const connected = z.object({ event: z.literal('connected') });

const start = z.object({
  event: z.literal('start'),
  streamSid: sid.optional(),
  start: z.object({
    callSid: sid.regex(/^[A-Za-z0-9._-]+$/, 'call sid must be letters, digits, dots or dashes'),
    streamSid: sid,
    accountSid: z.string().optional(),
    tracks: z.array(z.string()).optional(),
    customParameters: z.record(z.string(), z.string().max(512)).default({}),
    mediaFormat: z
      .object({
        encoding: z.literal('audio/x-mulaw'),
        sampleRate: z.literal(8000),
        channels: z.literal(1),
      })
      .optional(),
  }),
});

const media = z.object({
  event: z.literal('media'),
  media: z.object({
    track: z.string().optional(),
    payload: z.string().regex(BASE64, 'payload must be base64'),
  }),
});

const dtmf = z.object({
  event: z.literal('dtmf'),
  dtmf: z.object({ digit: z.string().regex(/^[0-9*#A-D]$/, 'digit must be 0-9, *, # or A-D') }),
});

const mark = z.object({ event: z.literal('mark'), mark: z.object({ name: z.string().max(128) }) });
const stop = z.object({ event: z.literal('stop') });

const message = z.discriminatedUnion('event', [connected, start, media, dtmf, mark, stop]);
const KNOWN_EVENTS = new Set(['connected', 'start', 'media', 'dtmf', 'mark', 'stop']);

/**
 * Twilio Media Streams, bidirectional (`<Connect><Stream>`): JSON text frames with base64
 * 8 kHz μ-law. The caller's number is not part of Twilio's `start` event; pass it as a custom
 * parameter named `from` (`<Parameter name="from" value="{{From}}"/>`).
 */
export function createTwilioProtocol(): MediaStreamProtocol {
  let streamSid = '';

  return {
    name: 'twilio',

    parse(text: string): InboundEvent {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new ProtocolError('malformed-json', 'message is not JSON');
      }
      const event = (json as { event?: unknown } | null)?.event;
      if (typeof event !== 'string' || !KNOWN_EVENTS.has(event)) {
        throw new ProtocolError('unknown-event', `unknown event "${String(event).slice(0, 40)}"`);
      }
      const parsed = message.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new ProtocolError(
          'invalid-message',
          `${event}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`,
        );
      }
      const value = parsed.data;
      switch (value.event) {
        case 'connected':
          return { kind: 'connected' };
        case 'start': {
          streamSid = value.start.streamSid;
          const { from, ...parameters } = value.start.customParameters;
          return {
            kind: 'start',
            callId: value.start.callSid,
            streamId: value.start.streamSid,
            from,
            parameters,
          };
        }
        case 'media': {
          const mulaw = Buffer.from(value.media.payload, 'base64');
          if (mulaw.length === 0 || mulaw.length > MAX_MEDIA_PAYLOAD_BYTES) {
            throw new ProtocolError(
              'bad-payload-size',
              `media payload of ${mulaw.length} bytes (expected 1..${MAX_MEDIA_PAYLOAD_BYTES})`,
            );
          }
          return { kind: 'media', mulaw };
        }
        case 'dtmf':
          return { kind: 'dtmf', digit: value.dtmf.digit };
        case 'mark':
          return { kind: 'mark', name: value.mark.name };
        case 'stop':
          return { kind: 'stop' };
      }
    },

    media: (mulaw) =>
      JSON.stringify({ event: 'media', streamSid, media: { payload: mulaw.toString('base64') } }),
    mark: (name) => JSON.stringify({ event: 'mark', streamSid, mark: { name } }),
    clear: () => JSON.stringify({ event: 'clear', streamSid }),
  };
}
