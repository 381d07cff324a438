import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { z } from 'zod';

/** The repository root, whatever the current directory is. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const url = (protocols: string[], example: string) =>
  optionalText.refine(
    (value) => value === undefined || protocols.some((p) => value.startsWith(`${p}://`)),
    { message: `must be a URL like ${example}` },
  );

/** `true`/`false` (or 1/0); unset stays undefined so a default can be chosen later. */
const onOff = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1')
  .optional();

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const environment = z
  .object({
    TEMPORAL_ADDRESS: optionalText,
    TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
    TEMPORAL_UI_URL: url(['http', 'https'], 'http://localhost:8233'),
    TEMPORAL_CLI_PATH: optionalText,
    TEMPORAL_DEV_PORT: positiveInt(7233),
    TEMPORAL_DEV_UI_PORT: positiveInt(8233),
    DATABASE_URL: url(['postgres', 'postgresql'], 'postgres://user@127.0.0.1:5432/dzvin'),
    REDIS_URL: url(['redis', 'rediss'], 'redis://127.0.0.1:6379'),
    DZVIN_DATA_DIR: optionalText,
    AUDIO_TTL_HOURS: positiveInt(24),
    STT_PROVIDER: z.enum(['whisper', 'google']).default('whisper'),
    LLM_PROVIDER: z.enum(['anthropic', 'fallback']).optional(),
    TTS_PROVIDER: z.enum(['espeak', 'google']).default('espeak'),
    ANTHROPIC_API_KEY: optionalText,
    ANTHROPIC_BASE_URL: url(['http', 'https'], 'https://api.anthropic.com'),
    LLM_MODEL_SIMPLE: z.string().trim().min(1).default('claude-haiku-4-5'),
    LLM_MODEL_COMPLEX: z.string().trim().min(1).default('claude-sonnet-4-5'),
    GOOGLE_APPLICATION_CREDENTIALS: optionalText,
    GOOGLE_API_ENDPOINT: optionalText,
    GOOGLE_STT_MODEL: optionalText,
    GOOGLE_TTS_VOICE_UK: optionalText,
    GOOGLE_TTS_VOICE_RU: optionalText,
    GOOGLE_TTS_ENCODING: z.enum(['linear16', 'mulaw']).default('linear16'),
    GOOGLE_TTS_SAMPLE_RATE_HZ: z.coerce.number().int().min(8000).max(48_000).optional(),
    TTS_CACHE_TTL_HOURS: positiveInt(24),
    TTS_CACHE_MAX_CHARS: positiveInt(100),
    TTS_CACHE_REPEAT_THRESHOLD: positiveInt(3),
    TTS_CACHE_LOOKUP_TIMEOUT_MS: positiveInt(50),
    DZVIN_DEPLOYMENT: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lowercase letters, digits and dashes, like prod-kyiv')
      .default('default'),
    PROMPT_VERSION: z.string().trim().min(1).default('1'),
    FF_STT_PROVIDER: z.enum(['whisper', 'google']).default('whisper'),
    FF_WHISPER_ROLLOUT_PERCENT: z.coerce.number().int().min(0).max(100).default(100),
    FF_LLM_ROUTING_ENABLED: onOff,
    /** The same switch without the flag prefix; setting both to different values is an error. */
    LLM_ROUTING_ENABLED: onOff,
    WHISPER_MODEL_PATH: optionalText,
    WHISPER_THREADS: positiveInt(2),
    WHISPER_DEVICE: z.enum(['cpu', 'cuda']).default('cpu'),
    WHISPER_MODEL_SIZE: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be a ggml model size like large-v3, medium or base')
      .default('large-v3'),
    WHISPER_INSTANCES: positiveInt(1),
    GPU_WORKER_PORT: z.coerce.number().int().min(0).max(65_535).default(9465),
    BRIDGE_PORT: positiveInt(8080),
    BRIDGE_HOST: z.string().trim().min(1).default('0.0.0.0'),
    BRIDGE_VAD_MODE: z.coerce.number().int().min(0).max(3).default(2),
    BRIDGE_END_OF_UTTERANCE_MS: z.coerce.number().int().min(200).max(5000).default(700),
    BRIDGE_MIN_SPEECH_MS: z.coerce.number().int().min(20).max(300).default(160),
    BRIDGE_MAX_UTTERANCE_MS: z.coerce.number().int().min(1000).max(60_000).default(20_000),
    BRIDGE_SILENCE_TIMEOUT_MS: positiveInt(10_000),
    BRIDGE_MAX_CALL_MS: positiveInt(1_800_000),
    BRIDGE_RECONNECT_GRACE_MS: z.coerce.number().int().min(0).default(5000),
    BRIDGE_LANGUAGE: z.enum(['uk', 'ru']).default('uk'),
    CALLER_HASH_SECRET: z
      .string()
      .min(8, 'must be at least 8 characters')
      .default('dzvin-dev-secret'),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    // 9464 is the port Prometheus' registry of default ports gives OpenTelemetry's exporter; 0 picks
    // a free one (tests).
    METRICS_PORT: z.coerce.number().int().min(0).max(65_535).default(9464),
    LOG_PII: z
      .enum(['true', 'false', '1', '0'])
      .default('false')
      .transform((value) => value === 'true' || value === '1'),
  })
  .superRefine((env, context) => {
    const [flag, plain] = [env.FF_LLM_ROUTING_ENABLED, env.LLM_ROUTING_ENABLED];
    if (flag !== undefined && plain !== undefined && flag !== plain) {
      context.addIssue({
        code: 'custom',
        path: ['LLM_ROUTING_ENABLED'],
        message: `contradicts FF_LLM_ROUTING_ENABLED; set one of the two`,
      });
    }
  });

export type Config = ReturnType<typeof toConfig>;

/** Every environment variable dzvin reads. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(environment.shape);

/** Thrown at start-up when the environment holds a missing or bad value. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads the process environment once into a typed configuration. Every unset service falls
 * back to its embedded default (see README, "Environment").
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environment.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  return toConfig(parsed.data);
}

function toConfig(env: z.infer<typeof environment>) {
  const dataDir = path.resolve(env.DZVIN_DATA_DIR ?? path.join(REPO_ROOT, '.dzvin'));
  return {
    dataDir,
    temporal: {
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE,
      uiUrl: env.TEMPORAL_UI_URL,
      cliPath: env.TEMPORAL_CLI_PATH,
      devPort: env.TEMPORAL_DEV_PORT,
      devUiPort: env.TEMPORAL_DEV_UI_PORT,
    },
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    audioTtlMs: env.AUDIO_TTL_HOURS * 3_600_000,
    whisper: {
      modelPath: env.WHISPER_MODEL_PATH,
      threads: env.WHISPER_THREADS,
      /** Where the GPU worker runs the model; `cuda` needs an NVIDIA GPU and the CUDA toolkit. */
      device: env.WHISPER_DEVICE,
      /** The GPU worker loads `ggml-<size>.bin` from the model cache (or downloads it). */
      modelSize: env.WHISPER_MODEL_SIZE,
      /** Model copies the GPU worker keeps loaded, i.e. utterances it transcribes at once. */
      instances: env.WHISPER_INSTANCES,
      /** Port of the GPU worker's `/ready` and `/metrics`; 0 picks a free one. */
      gpuWorkerPort: env.GPU_WORKER_PORT,
    },
    providers: {
      stt: env.STT_PROVIDER,
      // Without a key the fallback dialog answers, as in an Anthropic outage.
      llm: env.LLM_PROVIDER ?? (env.ANTHROPIC_API_KEY ? 'anthropic' : 'fallback'),
      tts: env.TTS_PROVIDER,
    },
    anthropic: {
      apiKey: env.ANTHROPIC_API_KEY,
      baseUrl: env.ANTHROPIC_BASE_URL,
      simpleModel: env.LLM_MODEL_SIMPLE,
      complexModel: env.LLM_MODEL_COMPLEX,
    },
    google: {
      credentialsFile: env.GOOGLE_APPLICATION_CREDENTIALS,
      /** `host:port` of a Speech/TTS endpoint other than Google's (a local fake in tests). */
      apiEndpoint: env.GOOGLE_API_ENDPOINT,
      /** Speech-to-Text v1 model; the engine's default when unset. */
      sttModel: env.GOOGLE_STT_MODEL,
      /** Text-to-Speech voice per language; the engine's defaults when unset. */
      ttsVoices: { uk: env.GOOGLE_TTS_VOICE_UK, ru: env.GOOGLE_TTS_VOICE_RU },
      /** Reply audio: 16-bit PCM (16 kHz unless set) or telephone μ-law at 8 kHz. */
      ttsFormat: {
        encoding: env.GOOGLE_TTS_ENCODING === 'mulaw' ? ('mulaw' as const) : ('pcm_s16le' as const),
        sampleRateHz:
          env.GOOGLE_TTS_SAMPLE_RATE_HZ ?? (env.GOOGLE_TTS_ENCODING === 'mulaw' ? 8000 : 16_000),
      },
    },
    ttsCache: {
      ttlMs: env.TTS_CACHE_TTL_HOURS * 3_600_000,
      maxShortReplyChars: env.TTS_CACHE_MAX_CHARS,
      repeatThreshold: env.TTS_CACHE_REPEAT_THRESHOLD,
      lookupTimeoutMs: env.TTS_CACHE_LOOKUP_TIMEOUT_MS,
    },
    promptVersion: env.PROMPT_VERSION,
    /** Defaults of the run-time flags; the flag store overrides them (see `npm run flags`). */
    flagDefaults: {
      sttProvider: env.FF_STT_PROVIDER,
      whisperRolloutPercent: env.FF_WHISPER_ROLLOUT_PERCENT,
      llmRoutingEnabled: env.FF_LLM_ROUTING_ENABLED ?? env.LLM_ROUTING_ENABLED ?? true,
    },
    /** Names this deployment in shared stores, e.g. Redis keys `dzvin:<deployment>:…`. */
    deployment: env.DZVIN_DEPLOYMENT,
    bridge: {
      port: env.BRIDGE_PORT,
      host: env.BRIDGE_HOST,
      settings: {
        vadMode: env.BRIDGE_VAD_MODE as 0 | 1 | 2 | 3,
        endOfUtteranceMs: env.BRIDGE_END_OF_UTTERANCE_MS,
        minSpeechMs: env.BRIDGE_MIN_SPEECH_MS,
        maxUtteranceMs: env.BRIDGE_MAX_UTTERANCE_MS,
        silenceTimeoutMs: env.BRIDGE_SILENCE_TIMEOUT_MS,
        maxCallMs: env.BRIDGE_MAX_CALL_MS,
        reconnectGraceMs: env.BRIDGE_RECONNECT_GRACE_MS,
        defaultLanguage: env.BRIDGE_LANGUAGE,
      },
    },
    callerHashSecret: env.CALLER_HASH_SECRET,
    log: { level: env.LOG_LEVEL, pii: env.LOG_PII },
    /** Port of this worker's Prometheus `/metrics` endpoint. */
    metricsPort: env.METRICS_PORT,
  };
}
