import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { REPO_ROOT } from '../infra/config.js';
import { serveMetrics } from '../infra/metrics.js';
import { hangupSignal, turnUpdate } from '../workflows/call-messages.js';
import { startCallHarness } from './support/call-harness.js';
import type { CallHarness } from './support/call-harness.js';
import { THREE_PRICED_TURNS, scriptedCostEngines } from './support/scripted-cost-engines.js';
import { freePort } from './support/temporal.js';

interface Panel {
  title: string;
  targets?: { expr: string }[];
}

const DASHBOARD = path.join(REPO_ROOT, 'ops', 'grafana', 'dzvin-cost.json');
const ALERT_RULES = path.join(REPO_ROOT, 'ops', 'prometheus', 'alerts.yml');

let harness: CallHarness;
let metrics: Awaited<ReturnType<typeof serveMetrics>>;
let prometheus: ChildProcess;
let prometheusUrl: string;
let prometheusLog = '';
let workDir: string;

async function oneCall(): Promise<void> {
  const handle = await harness.startCall({ language: 'uk' });
  const callId = handle.workflowId.replace(/^call-/, '');
  for (const turn of [1, 2, 3]) {
    const audio = await harness.storeRecording(callId, `utt-${turn}`, 'uk/ast_uk_vm-sorry.wav');
    await handle.executeUpdate(turnUpdate, { args: [{ audio }] });
  }
  await handle.signal(hangupSignal, { reason: 'caller-hung-up' });
  await handle.result();
}

async function query(expr: string): Promise<{ status: string; data?: { result: unknown[] } }> {
  const url = `${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`;
  const response = await fetch(url);
  const body = (await response.json()) as { status: string; error?: string };
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error ?? response.status}`);
  return body;
}

async function waitFor(what: string, test: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await test().catch(() => false)) return;
    await sleep(500);
  }
  throw new Error(`timed out waiting for ${what}; prometheus said:\n${prometheusLog.slice(-2000)}`);
}

/** Grafana's interval variables, set to what a 1 s scrape of a few minutes can answer. */
function asPromQl(expr: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$__range', '10m');
}

beforeAll(async () => {
  harness = await startCallHarness({ overrides: scriptedCostEngines(THREE_PRICED_TURNS) });
  metrics = await serveMetrics(harness.runtime.metrics, { port: 0, host: '127.0.0.1' });
  // Calls before the first scrape create every series; calls after it make the rates positive.
  await oneCall();
  await oneCall();

  workDir = await mkdtemp(path.join(os.tmpdir(), 'dzvin-prometheus-'));
  const port = await freePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  const target = new URL(metrics.url).host;
  await writeFile(
    path.join(workDir, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      `rule_files: [${JSON.stringify(ALERT_RULES)}]`,
      'scrape_configs:',
      `  - job_name: dzvin-calls-worker`,
      `    static_configs: [{ targets: [${JSON.stringify(target)}] }]`,
      '',
    ].join('\n'),
  );
  prometheus = spawn(
    'prometheus',
    [
      `--config.file=${path.join(workDir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(workDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus.on('error', (error) => {
    prometheusLog += `\ncannot start prometheus (apt-get install -y prometheus): ${error.message}`;
  });
  prometheus.stdout?.on('data', (chunk: Buffer) => (prometheusLog += chunk.toString()));
  prometheus.stderr?.on('data', (chunk: Buffer) => (prometheusLog += chunk.toString()));

  await waitFor(
    'five scrapes of the worker',
    async () => {
      const { data } = await query('count_over_time(up{job="dzvin-calls-worker"}[1m]) >= 5');
      return (data?.result.length ?? 0) > 0;
    },
    60_000,
  );
  await oneCall();
  await sleep(3000);
}, 240_000);

afterAll(async () => {
  prometheus?.kill('SIGTERM');
  await metrics?.close();
  await harness?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('the Grafana cost dashboard against a real Prometheus scraping a calls worker', () => {
  it('has a query for every panel the cost work needs', async () => {
    const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as { panels: Panel[] };
    const titles = dashboard.panels.map((panel) => panel.title).join(' | ');
    for (const needed of [
      'Average cost per call',
      'Cost by component',
      'cost by model',
      'TTS cache hit rate',
      'Model share',
      'STT arm',
      'STT latency',
    ]) {
      expect(titles.toLowerCase()).toContain(needed.toLowerCase());
    }
  });

  it("answers every panel's PromQL with data", async () => {
    const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as { panels: Panel[] };
    const empty: string[] = [];
    let queries = 0;
    for (const panel of dashboard.panels) {
      for (const target of panel.targets ?? []) {
        queries += 1;
        const { data } = await query(asPromQl(target.expr));
        if ((data?.result.length ?? 0) === 0) empty.push(`${panel.title}: ${target.expr}`);
      }
    }
    expect(queries).toBe(dashboard.panels.length);
    expect(empty).toEqual([]);
  });

  it('loads the alert rules and evaluates the recording rules on live data', async () => {
    const { data } = await query('dzvin:cost_usd_per_hour:rate1h > 0');
    expect(data?.result.length).toBe(1);
  });
});
