import { createRequire } from 'node:module';
import path from 'node:path';

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

import { audioDurationMs, bytesPerSample } from '../../domain/audio.js';
import type { AudioFormat } from '../../domain/audio.js';
import { floatToPcm16, pcm16ToMulaw } from '../../infra/audio-codec.js';
import { encodeWav } from '../../infra/wav.js';

const require = createRequire(import.meta.url);
const packageRoot = (name: string) => path.dirname(require.resolve(`${name}/package.json`));

/** The protos the official clients ship, with google-gax's for the shared google/api types. */
const SPEECH_PROTOS = path.join(packageRoot('@google-cloud/speech'), 'build', 'protos');
const TTS_PROTOS = path.join(packageRoot('@google-cloud/text-to-speech'), 'build', 'protos');
// google-gax's exports hide package.json; its entry point is build/src/index.js.
const GAX_PROTOS = path.resolve(
  path.dirname(require.resolve('google-gax', { paths: [SPEECH_PROTOS] })),
  '..',
  'protos',
);

/** Google bills Speech-to-Text v1 per request in whole 15 s increments; the fake does too. */
const BILLING_INCREMENT_MS = 15_000;
/** Synthesized speech lasts this long per character, about a calm speaker's pace. */
const SPOKEN_MS_PER_CHARACTER = 60;

/** A Recognize request as the fake decoded it (camelCase fields, enums as names). */
export interface RecognizeRequest {
  config: {
    encoding: string;
    sampleRateHertz: number;
    audioChannelCount: number;
    languageCode: string;
    alternativeLanguageCodes: string[];
    model: string;
    enableAutomaticPunctuation: boolean;
  };
  audio: { content: Buffer };
}

/** A SynthesizeSpeech request as the fake decoded it. */
export interface SynthesizeRequest {
  input: { text: string };
  voice: { languageCode: string; name: string };
  audioConfig: { audioEncoding: string; sampleRateHertz: number; effectsProfileId: string[] };
}

/** One request the fake received, with the metadata (headers) the client sent. */
export interface Received<T> {
  request: T;
  metadata: Record<string, string>;
  at: number;
}

/** What the fake does with one request: answer after `latencyMs`, or fail with a status. */
export type FakeStep<Answer> = { latencyMs?: number } & (
  ({ fail?: undefined } & Answer) | { fail: grpc.status; message?: string }
);

export type RecognizeStep = FakeStep<{
  transcript?: string;
  /** As Google reports it, e.g. `uk-ua`. @default the request's languageCode, lower-cased */
  languageCode?: string;
  confidence?: number;
}>;

export type SynthesizeStep = FakeStep<object>;

type Service = 'speech' | 'tts';

/**
 * Google Speech-to-Text v1 `Recognize` and Text-to-Speech v1 `SynthesizeSpeech` over real gRPC,
 * built from the protos in the client packages, so the official SDK clients talk to it as they
 * would to Google. Tests script each answer (transcripts, latency, gRPC status codes), set an
 * outage for every later request, and read the journal of what arrived.
 */
export class GoogleFake {
  readonly recognizeRequests: Received<RecognizeRequest>[] = [];
  readonly synthesizeRequests: Received<SynthesizeRequest>[] = [];
  /** When false, answers leave out `totalBilledTime`, as some responses do. @default true */
  reportBilledTime = true;

  private readonly steps: { speech: RecognizeStep[]; tts: SynthesizeStep[] } = {
    speech: [],
    tts: [],
  };
  private readonly outages: Partial<Record<Service, SynthesizeStep>> = {};
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: grpc.Server,
    /** The port on 127.0.0.1 the fake listens on. */
    readonly port: number,
  ) {}

  /** `host:port` for `GOOGLE_API_ENDPOINT` or a client's `apiEndpoint` + `port`. */
  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Starts the fake on a free loopback port. */
  static async start(): Promise<GoogleFake> {
    const server = new grpc.Server();
    const options: protoLoader.Options = {
      keepCase: false,
      longs: Number,
      enums: String,
      defaults: true,
      oneofs: true,
    };
    const speech = grpc.loadPackageDefinition(
      await protoLoader.load('google/cloud/speech/v1/cloud_speech.proto', {
        ...options,
        includeDirs: [SPEECH_PROTOS, GAX_PROTOS],
      }),
    ) as unknown as ServiceTree;
    const tts = grpc.loadPackageDefinition(
      await protoLoader.load('google/cloud/texttospeech/v1/cloud_tts.proto', {
        ...options,
        includeDirs: [TTS_PROTOS, GAX_PROTOS],
      }),
    ) as unknown as ServiceTree;

    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      );
    });
    const fake = new GoogleFake(server, port);
    server.addService(speech.google.cloud.speech.v1.Speech.service, {
      Recognize: fake.unary('speech', (request: RecognizeRequest, step: RecognizeStep) =>
        fake.recognized(request, step),
      ),
    });
    server.addService(tts.google.cloud.texttospeech.v1.TextToSpeech.service, {
      SynthesizeSpeech: fake.unary('tts', (request: SynthesizeRequest) => synthesized(request)),
    });
    return fake;
  }

  /** Queues answers for the next Recognize requests, one step each, in order. */
  scriptRecognize(...steps: RecognizeStep[]): void {
    this.steps.speech.push(...steps);
  }

  /** Queues answers for the next SynthesizeSpeech requests. */
  scriptSynthesize(...steps: SynthesizeStep[]): void {
    this.steps.tts.push(...steps);
  }

  /**
   * Every later request to the service (once its script is used up) fails with `fail`, or
   * hangs for `latencyMs` first. `undefined` ends the outage.
   */
  outage(service: Service, step: SynthesizeStep | undefined): void {
    if (step) this.outages[service] = step;
    else delete this.outages[service];
  }

  /** Forgets scripts, outages and the journal. */
  reset(): void {
    this.steps.speech.length = 0;
    this.steps.tts.length = 0;
    delete this.outages.speech;
    delete this.outages.tts;
    this.recognizeRequests.length = 0;
    this.synthesizeRequests.length = 0;
    this.reportBilledTime = true;
  }

  /** Stops at once, dropping requests still held by scripted latency. */
  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.server.forceShutdown();
  }

  private unary<Request, Step extends FakeStep<object>>(
    service: Service,
    answer: (request: Request, step: Step) => object,
  ): grpc.handleUnaryCall<Request, object> {
    return (call, callback) => {
      const journal = service === 'speech' ? this.recognizeRequests : this.synthesizeRequests;
      (journal as Received<Request>[]).push({
        request: call.request,
        metadata: flatten(call.metadata),
        at: Date.now(),
      });
      const step = ((this.steps[service] as Step[]).shift() ??
        (this.outages[service] as Step | undefined) ??
        {}) as Step;

      const reply = () => {
        if (step.fail !== undefined) {
          callback({
            code: step.fail,
            details: step.message ?? `fake ${grpc.status[step.fail]}`,
            metadata: new grpc.Metadata(),
          });
          return;
        }
        try {
          callback(null, answer(call.request, step));
        } catch (error) {
          callback({ code: grpc.status.INVALID_ARGUMENT, details: (error as Error).message });
        }
      };
      if (!step.latencyMs) {
        reply();
        return;
      }
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        reply();
      }, step.latencyMs);
      this.timers.add(timer);
    };
  }

  private recognized(request: RecognizeRequest, step: RecognizeStep): object {
    const format = recognizeFormat(request);
    const audioMs = audioDurationMs(request.audio.content.length, format);
    const billedMs = Math.max(1, Math.ceil(audioMs / BILLING_INCREMENT_MS)) * BILLING_INCREMENT_MS;
    const transcript = 'transcript' in step ? (step.transcript ?? '') : '';
    return {
      results: transcript
        ? [
            {
              alternatives: [
                { transcript, confidence: 'confidence' in step ? step.confidence : 0.9 },
              ],
              languageCode:
                ('languageCode' in step ? step.languageCode : undefined) ??
                request.config.languageCode.toLowerCase(),
              resultEndTime: duration(audioMs),
            },
          ]
        : [],
      ...(this.reportBilledTime ? { totalBilledTime: duration(billedMs) } : {}),
      requestId: this.recognizeRequests.length,
    };
  }
}

/** Reads the request's audio format the way Google does, refusing what Google refuses. */
function recognizeFormat(request: RecognizeRequest): AudioFormat {
  const { encoding, sampleRateHertz } = request.config;
  if (encoding !== 'LINEAR16' && encoding !== 'MULAW') {
    throw new Error(`the fake understands LINEAR16 and MULAW, not ${encoding}`);
  }
  if (sampleRateHertz < 8000 || sampleRateHertz > 48_000) {
    throw new Error(`sample_rate_hertz (${sampleRateHertz}) must be between 8000 and 48000`);
  }
  if (!request.config.languageCode) throw new Error('language_code is required');
  return {
    encoding: encoding === 'MULAW' ? 'mulaw' : 'pcm_s16le',
    sampleRateHz: sampleRateHertz,
    channels: 1,
  };
}

/**
 * A tone as long as the text would take to say, in the requested encoding and rate, wrapped in
 * a WAV header as Google wraps LINEAR16 and MULAW answers.
 */
function synthesized(request: SynthesizeRequest): object {
  if (!request.input.text) throw new Error('input.text is required');
  const { audioEncoding, sampleRateHertz } = request.audioConfig;
  if (audioEncoding !== 'LINEAR16' && audioEncoding !== 'MULAW') {
    throw new Error(`the fake speaks LINEAR16 and MULAW, not ${audioEncoding}`);
  }
  const sampleRateHz = sampleRateHertz || 24_000;
  const format: AudioFormat = {
    encoding: audioEncoding === 'MULAW' ? 'mulaw' : 'pcm_s16le',
    sampleRateHz,
    channels: 1,
  };
  const durationMs = [...request.input.text].length * SPOKEN_MS_PER_CHARACTER;
  const frames = Math.round((durationMs / 1000) * sampleRateHz);
  const tone = Array.from(
    { length: frames },
    (_, i) => 0.3 * Math.sin((2 * Math.PI * 220 * i) / sampleRateHz),
  );
  const pcm = floatToPcm16(tone);
  const samples = format.encoding === 'mulaw' ? pcm16ToMulaw(pcm) : pcm;
  if (samples.length !== frames * bytesPerSample(format.encoding)) {
    throw new Error('fake synthesis produced a partial frame');
  }
  return { audioContent: encodeWav(samples, format) };
}

function duration(ms: number): { seconds: number; nanos: number } {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

function flatten(metadata: grpc.Metadata): Record<string, string> {
  return Object.fromEntries(
    Object.entries(metadata.getMap()).map(([key, value]) => [key, String(value)]),
  );
}

interface ServiceTree {
  google: {
    cloud: {
      speech: { v1: { Speech: grpc.ServiceClientConstructor } };
      texttospeech: { v1: { TextToSpeech: grpc.ServiceClientConstructor } };
    };
  };
}
