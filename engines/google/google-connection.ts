import { readFile } from 'node:fs/promises';

import { credentials } from '@grpc/grpc-js';
import type { ChannelCredentials } from '@grpc/grpc-js';

import { ConfigError } from '../../infra/config.js';

/** Where the Google clients connect and how they prove who they are. */
export interface GoogleConnection {
  /**
   * `host` or `host:port` of an endpoint other than Google's default for each service. A
   * loopback host (a local fake or emulator) is reached without TLS or credentials.
   */
  apiEndpoint?: string;
  /** A service account key file; unset, google-auth-library finds its default credentials. */
  keyFilename?: string;
}

/**
 * The subset of the SDK client options that {@link googleClientOptions} fills in. A type alias,
 * not an interface, so that it fits the clients' index-signature `ClientOptions`.
 */
export type GoogleClientOptions = {
  apiEndpoint?: string;
  port?: number;
  sslCreds?: ChannelCredentials;
  keyFilename?: string;
  universeDomain?: string;
};

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[?::1\]?)$/;

/**
 * Options for a `SpeechClient` or `TextToSpeechClient`. For a loopback endpoint the channel is
 * plain TCP with no call credentials: google-gax uses `sslCreds` as given and then never asks
 * google-auth-library for a token, and with the universe domain given it looks up nothing
 * either, so nothing reaches out to Google.
 */
export function googleClientOptions(connection: GoogleConnection): GoogleClientOptions {
  // The SDK clients lay these over their defaults with Object.assign, so a key set to
  // undefined would erase a default (the port above all): only present values are returned.
  const options: GoogleClientOptions = {};
  if (connection.keyFilename) options.keyFilename = connection.keyFilename;
  if (!connection.apiEndpoint) return options;
  const { host, port } = splitEndpoint(connection.apiEndpoint);
  options.apiEndpoint = host;
  if (port !== undefined) options.port = port;
  if (isLoopback(host)) {
    delete options.keyFilename;
    options.sslCreds = credentials.createInsecure();
    // google-gax checks the credentials' universe domain before opening a channel; unless it is
    // given, google-auth-library looks for default credentials, up to the GCE metadata server.
    options.universeDomain = 'googleapis.com';
  }
  return options;
}

/** True when the endpoint is this machine, where the clients skip TLS and credentials. */
export function isLoopbackEndpoint(apiEndpoint: string | undefined): boolean {
  return apiEndpoint !== undefined && isLoopback(splitEndpoint(apiEndpoint).host);
}

/**
 * Builds the connection for the configured Google providers and checks, at start-up, that a
 * service account key is set and readable: without one the first caller would wait through a
 * failed turn instead of the operator reading a clear message now.
 *
 * Thrown: {@link ConfigError} when credentials are missing or unreadable.
 */
export async function openGoogleConnection(google: {
  credentialsFile?: string;
  apiEndpoint?: string;
}): Promise<GoogleConnection> {
  if (isLoopbackEndpoint(google.apiEndpoint)) return { apiEndpoint: google.apiEndpoint };
  const file = google.credentialsFile;
  if (!file) {
    throw new ConfigError([
      'GOOGLE_APPLICATION_CREDENTIALS: Google STT/TTS is selected but no credentials are set. ' +
        'Point it to a service account key file (JSON) with the Speech-to-Text and ' +
        'Text-to-Speech APIs enabled, or set STT_PROVIDER=whisper and TTS_PROVIDER=espeak.',
    ]);
  }
  let key: unknown;
  try {
    key = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ConfigError([
      `GOOGLE_APPLICATION_CREDENTIALS: cannot read a JSON key from ${file} ` +
        `(${error instanceof Error ? error.message : String(error)}). ` +
        'Download a service account key from the Google Cloud console and point to it.',
    ]);
  }
  if (typeof (key as { type?: unknown } | null)?.type !== 'string') {
    throw new ConfigError([
      `GOOGLE_APPLICATION_CREDENTIALS: ${file} is JSON but not a Google credentials file ` +
        '(it has no "type" field).',
    ]);
  }
  return { apiEndpoint: google.apiEndpoint, keyFilename: file };
}

function splitEndpoint(endpoint: string): { host: string; port: number | undefined } {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(endpoint.trim());
  if (!match) {
    throw new ConfigError([`GOOGLE_API_ENDPOINT: "${endpoint}" is not host or host:port`]);
  }
  return { host: match[1]!, port: match[2] === undefined ? undefined : Number(match[2]) };
}

function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}
