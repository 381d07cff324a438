import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { CONFIG_VARIABLES, REPO_ROOT, loadConfig } from '../infra/config.js';
import type { Config } from '../infra/config.js';
import { promtool } from './support/promtool.js';

// No Docker engine runs here, so these tests check what `docker compose up` would wire
// together: every setting the dzvin services get is one they read and accept, every address
// names a service of the file, every mounted file exists, and Prometheus and Grafana find
// what the workers serve.

interface Mount {
  type?: string;
  source: string;
  target: string;
}

interface Service {
  image?: string;
  build?: { context: string; target: string };
  command?: string[];
  /** A null value is passed through from the shell running compose, unset here. */
  environment?: Record<string, string | number | null>;
  volumes?: (string | Mount)[];
  profiles?: string[];
}

/** Compose's `${NAME}`, `${NAME:-default}` and `${NAME:+replacement}`, with every NAME unset. */
function interpolate(text: string, env: Record<string, string> = {}): string {
  return text.replace(/\$\{(\w+)(?::([-+])([^}]*))?\}/g, (_match, name: string, op, arg) => {
    const value = env[name] ?? '';
    if (op === '-') return value === '' ? (arg as string) : value;
    if (op === '+') return value === '' ? '' : (arg as string);
    return value;
  });
}

function loadCompose(env?: Record<string, string>): { services: Record<string, Service> } {
  const text = readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
  return parse(interpolate(text, env), { merge: true }) as { services: Record<string, Service> };
}

const compose = loadCompose();
const DZVIN_SERVICES = ['worker', 'bridge', 'gpu-worker'];

function serviceEnv(name: string): Record<string, string> {
  const environment = compose.services[name]?.environment ?? {};
  return Object.fromEntries(
    Object.entries(environment).flatMap(([key, value]) =>
      value === null ? [] : [[key, String(value)]],
    ),
  );
}

function serviceConfig(name: string): Config {
  return loadConfig(serviceEnv(name));
}

function mounts(service: Service): Mount[] {
  return (service.volumes ?? []).map((volume) => {
    if (typeof volume !== 'string') return volume;
    const [source = '', target = ''] = volume.split(':');
    return { type: source.startsWith('.') ? 'bind' : 'volume', source, target };
  });
}

/** Where each dzvin service serves `/metrics`, as its own configuration decides. */
const METRICS_PORT: Record<string, (config: Config) => number> = {
  worker: (config) => config.metricsPort,
  bridge: (config) => config.bridge.port,
  'gpu-worker': (config) => config.whisper.gpuWorkerPort,
};

describe('docker-compose.yml', () => {
  it('gives the dzvin services only settings they read, and settings they accept', () => {
    for (const name of DZVIN_SERVICES) {
      const unknown = Object.keys(serviceEnv(name)).filter(
        (key) => !CONFIG_VARIABLES.includes(key),
      );
      expect(unknown, name).toEqual([]);
      expect(() => serviceConfig(name), name).not.toThrow();
    }
  });

  it('points Temporal, Postgres and Redis at services of the file', () => {
    for (const name of DZVIN_SERVICES) {
      const config = serviceConfig(name);
      const hosts = [
        config.temporal.address?.split(':')[0],
        new URL(config.databaseUrl ?? 'missing://').hostname,
        new URL(config.redisUrl ?? 'missing://').hostname,
      ];
      expect(hosts, name).toEqual(['temporal', 'postgres', 'redis']);
    }
    const database = new URL(serviceConfig('worker').databaseUrl ?? '');
    const postgres = compose.services.postgres?.environment ?? {};
    expect([database.username, database.password, database.pathname.slice(1)]).toEqual([
      postgres.POSTGRES_USER,
      postgres.POSTGRES_PASSWORD,
      postgres.POSTGRES_DB,
    ]);
  });

  it('passes a Google key to the workers only when one is given', () => {
    expect(serviceConfig('worker').google.credentialsFile).toBeUndefined();
    const withKey = loadCompose({ GOOGLE_CREDENTIALS_FILE: '/etc/dzvin/google.json' });
    const env = withKey.services.worker?.environment ?? {};
    const key = mounts(withKey.services.worker ?? {}).find(
      (mount) => mount.source === '/etc/dzvin/google.json',
    );
    expect(key?.target).toBe(env.GOOGLE_APPLICATION_CREDENTIALS);
  });

  it('keeps the GPU worker behind its profile, on CUDA', () => {
    const gpu = compose.services['gpu-worker'];
    expect(gpu?.profiles).toEqual(['gpu']);
    expect(serviceConfig('gpu-worker').whisper.device).toBe('cuda');
  });

  it('builds images from Dockerfile stages that exist', () => {
    const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const stages = [...dockerfile.matchAll(/^FROM \S+ AS (\S+)$/gm)].map((match) => match[1]);
    const targets = Object.values(compose.services).flatMap(
      (service) => service.build?.target ?? [],
    );
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) expect(stages).toContain(target);
  });

  it('mounts only files and folders that are in the repository', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const mount of mounts(service)) {
        if (mount.type !== 'bind' || !mount.source.startsWith('.')) continue;
        expect(existsSync(path.join(REPO_ROOT, mount.source)), `${name}: ${mount.source}`).toBe(
          true,
        );
      }
    }
  });

  it('bounds Redis with an eviction policy that spares keys without a TTL', () => {
    const command = compose.services.redis?.command ?? [];
    expect(command).toContain('--maxmemory');
    expect(command[command.indexOf('--maxmemory-policy') + 1]).toBe('volatile-lru');
  });
});

describe('the Prometheus of docker-compose.yml', () => {
  const prometheus = parse(
    readFileSync(path.join(REPO_ROOT, 'ops', 'prometheus', 'prometheus.yml'), 'utf8'),
  ) as { scrape_configs: { static_configs: { targets: string[] }[] }[] };
  const targets = prometheus.scrape_configs.flatMap((job) =>
    job.static_configs.flatMap((group) => group.targets),
  );

  it('is a valid configuration whose alert rules load', async () => {
    const output = await promtool('check', 'config', 'prometheus.yml');
    expect(output).toContain('SUCCESS: prometheus.yml is valid prometheus config file syntax');
    expect(output).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('scrapes every dzvin service on the port that service serves /metrics on', () => {
    const expected = DZVIN_SERVICES.map((name) => {
      const port = METRICS_PORT[name];
      if (!port) throw new Error(`no metrics port known for ${name}`);
      return `${name}:${port(serviceConfig(name))}`;
    });
    expect(targets.sort()).toEqual(expected.sort());
  });

  it('is mounted where the prometheus service reads its configuration', () => {
    const service = compose.services.prometheus ?? {};
    const file = (service.command ?? []).find((arg) => arg.startsWith('--config.file='));
    const mount = mounts(service).find((m) => m.source === './ops/prometheus');
    expect(file).toBe(`--config.file=${mount?.target}/prometheus.yml`);
  });
});

describe('the Grafana of docker-compose.yml', () => {
  const provisioning = path.join(REPO_ROOT, 'ops', 'grafana', 'provisioning');
  const grafana = mounts(compose.services.grafana ?? {});

  it('reads Prometheus from its service', () => {
    const file = readFileSync(path.join(provisioning, 'datasources', 'prometheus.yml'), 'utf8');
    const { datasources } = parse(file) as { datasources: { type: string; url: string }[] };
    const url = new URL(datasources[0]?.url ?? '');
    expect(datasources[0]?.type).toBe('prometheus');
    expect(Object.keys(compose.services)).toContain(url.hostname);
  });

  it('loads the cost dashboard from the folder it mounts', () => {
    const file = readFileSync(path.join(provisioning, 'dashboards', 'dzvin.yml'), 'utf8');
    const { providers } = parse(file) as { providers: { options: { path: string } }[] };
    const folder = grafana.find((mount) => mount.target === providers[0]?.options.path);
    expect(folder).toBeDefined();
    expect(existsSync(path.join(REPO_ROOT, folder?.source ?? '', 'dzvin-cost.json'))).toBe(true);
    expect(grafana.find((mount) => mount.target === '/etc/grafana/provisioning')?.source).toBe(
      './ops/grafana/provisioning',
    );
  });
});
