import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RunningBridge } from '../bridge/bridge-server.js';
import { SPEECH_FORMAT } from '../domain/audio.js';
import { decodeAudioFile } from '../infra/audio-file.js';
import { REPO_ROOT } from '../infra/config.js';
import { encodeWav } from '../infra/wav.js';
import { callWorkflowId } from '../workflows/call-messages.js';
import type { CallSummary } from '../workflows/call-messages.js';
import { startBridgeHarness } from './support/bridge-harness.js';
import type { BridgeHarness } from './support/bridge-harness.js';

const CHROMIUM = '/usr/bin/chromium';

let harness: BridgeHarness;
let bridge: RunningBridge;
let browser: Browser;
let workDir: string;

/**
 * The fake microphone: a caller phrase from samples/ between stretches of silence. Chromium
 * loops the file, so the silence after the phrase must outlast the whole turn.
 */
async function writeMicrophoneWav(file: string): Promise<void> {
  const sample = path.join(REPO_ROOT, 'samples', 'synthesized', 'synth-uk-fridge-price.wav');
  const phrase = await decodeAudioFile(await readFile(sample), path.basename(sample));
  const silence = (ms: number) => Buffer.alloc(((SPEECH_FORMAT.sampleRateHz * ms) / 1000) * 2);
  await writeFile(
    file,
    encodeWav(Buffer.concat([silence(1000), phrase.pcm, silence(20_000)]), SPEECH_FORMAT),
  );
}

describe.skipIf(!existsSync(CHROMIUM))('the browser softphone (headless Chromium)', () => {
  beforeAll(async () => {
    harness = await startBridgeHarness();
    bridge = await harness.openBridge();
    workDir = await mkdtemp(path.join(os.tmpdir(), 'dzvin-softphone-'));
    const microphone = path.join(workDir, 'microphone.wav');
    await writeMicrophoneWav(microphone);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        `--use-file-for-fake-audio-capture=${microphone}`,
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await harness?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('calls the bot from the microphone, shows the transcript and plays the reply', async () => {
    harness.stt.say('Скільки коштує холодильник?');
    const page = await browser.newPage();
    await page.goto(`${bridge.url}/softphone`);
    await page.click('#call');

    const transcript = page.getByTestId('transcript');
    await expect
      .poll(() => transcript.textContent(), { timeout: 30_000 })
      .toContain('Ви: Скільки коштує холодильник?');
    const agentLine = await page.locator('#transcript li.agent').first().textContent();
    expect(agentLine).toMatch(/^Бот: \S+/);
    const played = async () => Number(await page.getByTestId('played').textContent());
    await expect.poll(played, { timeout: 15_000 }).toBeGreaterThan(500);

    await page.click('#hangup');
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('hung up');

    let workflowId = '';
    const query = `WorkflowId STARTS_WITH "${callWorkflowId('softphone-')}"`;
    for await (const execution of harness.calls.temporal.client.workflow.list({ query })) {
      workflowId = execution.workflowId;
    }
    const handle = harness.calls.temporal.client.workflow.getHandle(workflowId);
    expect((await handle.result()) as CallSummary).toMatchObject({
      turns: 1,
      endReason: 'caller-hung-up',
    });
  });
});
