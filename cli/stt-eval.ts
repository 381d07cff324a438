import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { openGoogleConnection } from '../engines/google/google-connection.js';
import { GoogleStt } from '../engines/stt/google-stt.js';
import { resolveWhisperModel } from '../engines/stt/whisper-model.js';
import { WhisperServerStt } from '../engines/stt/whisper-server.js';
import type { SpeechToText } from '../engines/types.js';
import { errorRate } from '../evaluation/error-rates.js';
import { loadReferenceSet } from '../evaluation/reference-set.js';
import { scoreWithSclite } from '../evaluation/sclite.js';
import { evaluateStt } from '../evaluation/stt-eval.js';
import type { FileScore } from '../evaluation/stt-eval.js';
import { loadConfig, REPO_ROOT } from '../infra/config.js';
import { parseCommandLine } from './command-line.js';

const USAGE = `Usage: npm run stt:eval -- [options]

Transcribes a folder of recordings and reports word and character error rates (WER, CER) per
file and overall. References come from the folder's MANIFEST.tsv (file, language, transcript
columns) or from a <name>.txt beside each audio file.

Scoring: both texts are lower-cased (NFKC, ё=е), punctuation and hyphens split words,
apostrophes stay inside words, digits are kept as written (3 against "три" is an error). WER
aligns words the way NIST sclite does; CER counts letters and digits, spaces left out.

Options:
  --dir <folder>          recordings with references (default ../shared/audio)
  --provider <name>       whisper (whisper.cpp, default) or google (needs Google credentials)
  --model <file>          ggml model for whisper (default: WHISPER_MODEL_PATH or the installed one)
  --threads <n>           whisper CPU threads (default WHISPER_THREADS)
  --arm <name>            the A/B arm these results stand for (default: the provider)
  --out <file>            JSON report (default out/stt-eval-<arm>.json)
  --sclite                also score with NIST sclite (apt-get install sctk) and print its WER
  -h, --help              show this help`;

async function main(): Promise<number> {
  const { values } = parseCommandLine(
    {
      options: {
        dir: { type: 'string', default: path.resolve(REPO_ROOT, '..', 'shared', 'audio') },
        provider: { type: 'string', default: 'whisper' },
        model: { type: 'string' },
        threads: { type: 'string' },
        arm: { type: 'string' },
        out: { type: 'string' },
        sclite: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    },
    USAGE,
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.provider !== 'whisper' && values.provider !== 'google') {
    console.error(`--provider must be whisper or google, not "${values.provider}"\n\n${USAGE}`);
    return 2;
  }
  const config = loadConfig();
  const items = await loadReferenceSet(path.resolve(values.dir));
  const arm = values.arm ?? values.provider;

  const provider = await openProvider(values.provider, {
    modelPath: values.model ?? config.whisper.modelPath,
    threads: values.threads ? Number(values.threads) : config.whisper.threads,
    google: config.google,
  });
  const { stt, model } = provider;
  try {
    console.log(
      `${items.length} recordings, provider ${stt.provider}${model ? ` (${model})` : ''}`,
    );
    console.log(row(['file', 'WER %', 'CER %', 'words', 'latency ms']));
    const report = await evaluateStt({
      items,
      stt,
      arm,
      model,
      onFile: (file) => console.log(fileRow(file)),
    });
    const { overall } = report;
    console.log(
      row([
        'overall',
        percent(overall.wer),
        percent(overall.cer),
        String(overall.words.referenceLength),
        '',
      ]),
    );

    if (values.sclite) {
      const totals = await scoreWithSclite(
        report.files.map((file) => ({ id: file.file, ...file })),
      );
      console.log(`sclite WER ${percent(errorRate(totals))} % (ours ${percent(overall.wer)} %)`);
    }

    const out = path.resolve(values.out ?? path.join(REPO_ROOT, 'out', `stt-eval-${arm}.json`));
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`report: ${out}`);
    return 0;
  } finally {
    await provider.close();
  }
}

async function openProvider(
  provider: 'whisper' | 'google',
  options: {
    modelPath: string | undefined;
    threads: number;
    google: { credentialsFile?: string; apiEndpoint?: string; sttModel?: string };
  },
): Promise<{ stt: SpeechToText; model?: string; close: () => Promise<void> }> {
  if (provider === 'google') {
    const connection = await openGoogleConnection(options.google);
    const google = new GoogleStt({ connection, model: options.google.sttModel });
    return { stt: google, model: options.google.sttModel, close: () => google.close() };
  }
  const model = await resolveWhisperModel({ configuredPath: options.modelPath, download: false });
  if (model.origin === 'weightless-test-model') {
    // Scoring a model without weights would print 100 % WER and look like a finding.
    throw new Error(
      'no real Whisper model is installed: run `npm run setup` or pass --model <ggml file>',
    );
  }
  const whisper = new WhisperServerStt({ modelPath: model.path, threads: options.threads });
  await whisper.start();
  return { stt: whisper, model: path.basename(model.path), close: () => whisper.close() };
}

function fileRow(file: FileScore): string {
  return row([
    file.file,
    percent(file.wer),
    percent(file.cer),
    String(file.words.referenceLength),
    String(file.latencyMs),
  ]);
}

function row(cells: string[]): string {
  const [name = '', ...rest] = cells;
  return `${name.padEnd(42)} ${rest.map((cell) => cell.padStart(10)).join(' ')}`;
}

function percent(rate: number): string {
  return (rate * 100).toFixed(1);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
