import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { WorkflowUpdateFailedError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';

import { getCall } from '../db/calls-repository.js';
import { hashCaller } from '../domain/caller.js';
import type { Language } from '../domain/language.js';
import { AudioDecodeError, decodeAudioFile } from '../infra/audio-file.js';
import type { DecodedAudioFile } from '../infra/audio-file.js';
import { startCallWorkflow } from '../infra/calls-client.js';
import { loadConfig } from '../infra/config.js';
import { createLogger } from '../infra/logger.js';
import { runSetup } from '../infra/setup.js';
import { installTemporalLogging } from '../infra/temporal-logging.js';
import { connectTemporal, workflowUiLink } from '../infra/temporal.js';
import { encodeWav } from '../infra/wav.js';
import { hangupSignal, turnUpdate } from '../workflows/call-messages.js';
import type { TurnResult } from '../workflows/call-messages.js';
import { createWorkerSet } from '../workers/worker-set.js';
import { createRuntime } from '../workers/runtime.js';
import { rootMessage } from '../domain/failure-chain.js';
import { parseCommandLine } from './command-line.js';

const USAGE = `Usage: npm run demo -- [options] <audio file>...

Runs one phone call in which each audio file is one caller utterance (WAV, MP3, OGG or FLAC).

Options:
  --caller <number>     the calling number (default +380501234567, which has seeded orders)
  --language <uk|ru>    the language the call starts in (default uk)
  --out <folder>        where reply audio is written (default out/<call id>)
  --history <file>      also save the call's workflow history as JSON (for replay tests)
  -h, --help            show this help`;

async function main(): Promise<number> {
  const { values, positionals } = parseCommandLine(
    {
      allowPositionals: true,
      options: {
        caller: { type: 'string', default: '+380501234567' },
        language: { type: 'string', default: 'uk' },
        out: { type: 'string' },
        history: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    },
    USAGE,
  );
  if (values.help || positionals.length === 0) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (values.language !== 'uk' && values.language !== 'ru') {
    console.error(`--language must be uk or ru, not "${values.language}"`);
    return 2;
  }
  const language: Language = values.language;

  const utterances = await decodeAll(positionals);
  if (!utterances) return 2;

  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  const logger = createLogger({ ...config.log, process: 'demo' });
  installTemporalLogging(logger);
  const callerHash = hashCaller(values.caller, config.callerHashSecret);
  await runSetup(config, (line) => console.log(`setup: ${line}`));

  console.log('Starting Temporal, the database and the speech engines...');
  const temporal = await connectTemporal(config, logger);
  const runtime = await createRuntime(config, logger);
  try {
    if (runtime.whisperModel?.origin === 'weightless-test-model') {
      console.log(
        '\n!!! No real Whisper model is installed: using the weightless test model.\n' +
          '!!! It loads and runs, but every transcript will be EMPTY.\n' +
          '!!! Set WHISPER_MODEL_PATH to a ggml model, or run `npm run setup` with network access.\n',
      );
    } else if (runtime.whisperModel) {
      console.log(`Whisper model: ${runtime.whisperModel.path} (${runtime.whisperModel.origin})`);
    }

    const workers = await createWorkerSet({
      address: temporal.connection.options.address,
      namespace: temporal.namespace,
      runtime,
    });
    const callId = `demo-${new Date()
      .toISOString()
      .replace(/[-:.TZ]/g, '')
      .slice(0, 14)}-${randomBytes(3).toString('hex')}`;
    const outDir = path.resolve(values.out ?? path.join('out', callId));
    await mkdir(outDir, { recursive: true });

    const answered = await workers.runUntil(async () => {
      const handle = await startCallWorkflow(
        temporal.client,
        { callId, callerHash, language },
        { summary: `Demo call: ${utterances.length} caller utterance(s)` },
      );
      console.log(`\nCall ${callId} started (workflow ${handle.workflowId})`);

      let ended: string | undefined;
      let turnsAnswered = 0;
      try {
        for (const [index, utterance] of utterances.entries()) {
          if (ended) {
            console.log(`\n(${utterance.name} not sent: ${ended})`);
            continue;
          }
          const key = `call/${callId}/utt-${index + 1}.pcm`;
          await runtime.blobs.put(key, utterance.audio.pcm);
          const sentAt = performance.now();
          try {
            const result: TurnResult = await handle.executeUpdate(turnUpdate, {
              args: [
                {
                  audio: {
                    key,
                    format: utterance.audio.format,
                    bytes: utterance.audio.pcm.length,
                    durationMs: utterance.audio.durationMs,
                  },
                },
              ],
            });
            const roundTripMs = Math.round(performance.now() - sentAt);
            const replyFile = path.join(outDir, `reply-${result.turn}.wav`);
            const replyAudio = await runtime.blobs.get(result.reply.audio.key);
            await writeFile(replyFile, encodeWav(replyAudio, result.reply.audio.format));
            printTurn(utterance.name, result, roundTripMs, replyFile);
            turnsAnswered += 1;
            if (result.reply.transfer) ended = 'the call was handed to an operator';
            else if (result.reply.endCall) ended = 'the agent ended the call';
          } catch (error) {
            const reason =
              error instanceof WorkflowUpdateFailedError ? rootMessage(error) : String(error);
            console.log(`\nTurn with ${utterance.name} failed: ${reason}`);
          }
        }
      } catch (error) {
        // Whatever broke the demo, the call must not stay open in Temporal for hours.
        await handle.signal(hangupSignal, { reason: 'error' }).catch(() => undefined);
        throw error;
      }

      if (!ended) await handle.signal(hangupSignal, { reason: 'caller-hung-up' });
      const summary = await handle.result();

      console.log('\nCost breakdown (USD):');
      console.log(JSON.stringify(summary.costBreakdown, null, 2));
      const row = await getCall(runtime.database.db, callId);
      console.log(`\nThe \`calls\` row as stored (${runtime.database.kind}):`);
      console.log(JSON.stringify(row, null, 2));
      if (temporal.uiUrl) {
        console.log(
          `\nWeb UI: ${workflowUiLink(temporal.uiUrl, temporal.namespace, handle.workflowId)}`,
        );
        if (temporal.devServer) {
          console.log('(the embedded Temporal dev server keeps running; `npm run stop` stops it)');
        }
      }
      console.log(`Reply audio: ${outDir}`);
      if (values.history) {
        await writeFile(values.history, historyToJSON(await handle.fetchHistory()));
        console.log(`Workflow history: ${path.resolve(values.history)}`);
      }
      return turnsAnswered;
    });
    if (answered === 0) {
      console.error('\nNo turn of the call was answered: see the failures above.');
      return 1;
    }
    return 0;
  } finally {
    await runtime.close();
    await temporal.close();
  }
}

interface Utterance {
  name: string;
  audio: DecodedAudioFile;
}

/** Decodes every file before the call starts, so a bad file costs nothing. */
async function decodeAll(files: string[]): Promise<Utterance[] | undefined> {
  const utterances: Utterance[] = [];
  let failed = false;
  for (const file of files) {
    try {
      const audio = await decodeAudioFile(await readFile(file), path.basename(file));
      utterances.push({ name: path.basename(file), audio });
    } catch (error) {
      failed = true;
      // A decoding error names the file itself; a read error (a missing file) does not.
      if (error instanceof AudioDecodeError) console.error(error.message);
      else console.error(`${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return failed ? undefined : utterances;
}

function printTurn(name: string, result: TurnResult, roundTripMs: number, replyFile: string): void {
  const { latencyMs } = result;
  console.log(`\n— Turn ${result.turn}: ${name}`);
  console.log(`  caller: ${result.transcript.text || '(nothing recognized)'}`);
  console.log(`  agent [${result.reply.language}]: ${result.reply.text}`);
  console.log(
    `  latency: stt ${latencyMs.stt} ms, llm ${latencyMs.llm} ms, tts ${latencyMs.tts} ms, ` +
      `workflow ${latencyMs.total} ms, round trip ${roundTripMs} ms`,
  );
  console.log(`  cost: $${result.costUsd}   reply audio: ${replyFile}`);
  if (result.reply.transfer) console.log('  → transferred to a human operator');
  if (result.reply.endCall) console.log('  → the agent ended the call');
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
