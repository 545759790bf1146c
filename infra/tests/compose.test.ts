import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, makeTempDir, waitFor } from '@bsky-explorer/testing';
import { Redis } from 'ioredis';
import { parse } from 'yaml';
import { COMPOSE_DIR, run, startProcess, stopProcess } from './_util';
import { all, describeWith, tools } from './_tools';

// `docker-compose config` (Debian's docker-compose 1.29: no engine needed) validates the file against the
// Compose schema, substitutes .env and prints the resolved model.
const COMPOSE_FILE = join(COMPOSE_DIR, 'docker-compose.yml');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  restart?: string;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
}

async function composeConfig(envText: string) {
  const tmp = await makeTempDir('bsky-compose-');
  try {
    const envFile = join(tmp.path, '.env');
    await writeFile(envFile, envText);
    return await run('docker-compose', ['--env-file', envFile, '-f', COMPOSE_FILE, 'config']);
  } finally {
    await tmp.remove();
  }
}

describeWith('the compose file checks', all(tools.dockerCompose(), tools.redis()))(
  'infra/compose/docker-compose.yml',
  () => {
    let example: string;
    beforeAll(async () => {
      example = await readFile(join(COMPOSE_DIR, '.env.example'), 'utf8');
    });

    it('validates with docker-compose 1.29 using a .env made from .env.example', async () => {
      const result = await composeConfig(example);
      expect(result.stderr).not.toMatch(/ERROR|invalid/i);
      expect(result.code).toBe(0);

      const model = parse(result.stdout) as { services: Record<string, Service>; volumes: Record<string, unknown> };
      expect(Object.keys(model.services).sort()).toEqual([
        'alertmanager',
        'grafana',
        'graph',
        'ingest',
        'prometheus',
        'redis',
      ]);
      for (const [name, svc] of Object.entries(model.services)) {
        expect([name, svc.restart]).toEqual([name, 'unless-stopped']);
        expect([name, Array.isArray(svc.healthcheck?.test)]).toEqual([name, true]);
      }
      // Health-based start order where it matters.
      expect(model.services.ingest.depends_on?.redis.condition).toBe('service_healthy');
      expect(model.services.grafana.depends_on?.prometheus.condition).toBe('service_healthy');
      // Named volumes for Parquet, exports and Redis.
      expect(Object.keys(model.volumes)).toEqual(
        expect.arrayContaining(['parquet-data', 'exports', 'redis-data', 'alertmanager-data']),
      );
      expect(model.services.ingest.volumes).toContain('parquet-data:/data:rw');
      expect(model.services.graph.volumes).toEqual(
        expect.arrayContaining(['parquet-data:/data:rw', 'exports:/exports:rw']),
      );
      expect(model.services.redis.volumes).toContain('redis-data:/data:rw');
      // Every published port is bound to loopback only (the reverse proxy is the way in).
      for (const svc of Object.values(model.services))
        for (const p of svc.ports ?? []) expect(p).toMatch(/^127\.0\.0\.1:/);
      // The images are built from the repository's Dockerfiles; the secrets come from .env at run time.
      expect(model.services.ingest.build?.dockerfile).toBe('apps/ingest/Dockerfile');
      expect(model.services.graph.build?.dockerfile).toBe('apps/graph/Dockerfile');
      // Prometheus scrapes graph's metrics port (production keeps /metrics off the API port).
      const prom = parse(await readFile(join(COMPOSE_DIR, 'prometheus/prometheus.yml'), 'utf8')) as {
        scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
      };
      expect(prom.scrape_configs.find((j) => j.job_name === 'graph')?.static_configs[0].targets).toEqual([
        `graph:${model.services.graph.environment?.GRAPH_METRICS_PORT}`,
      ]);
      expect(model.services.graph.environment?.EXPORT_SIGNING_SECRET).toBe(
        /^EXPORT_SIGNING_SECRET=(.*)$/m.exec(example)?.[1],
      );
    });

    it.each(['EXPORT_SIGNING_SECRET', 'GRAFANA_ADMIN_PASSWORD', 'ALERT_WEBHOOK_URL', 'PUBLIC_URL'])(
      'refuses to render without %s, naming what to set',
      async (name) => {
        const without = example.replace(new RegExp(`^${name}=.*$`, 'm'), '');
        const result = await composeConfig(without);
        expect(result.code).not.toBe(0);
        expect(result.stderr).toContain(name);
      },
    );

    it('ships a redis.conf that redis-server loads, with AOF everysec, noeviction and a maxmemory', async () => {
      const tmp = await makeTempDir('bsky-redis-conf-');
      const port = await freePort();
      // The file as is, only the address and data dir overridden for a local run.
      const server = startProcess(
        'redis-server',
        [join(COMPOSE_DIR, 'redis.conf'), '--port', String(port), '--bind', '127.0.0.1', '--dir', tmp.path],
        process.env,
      );
      const client = new Redis({
        port,
        host: '127.0.0.1',
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      try {
        const started = await waitFor(
          'redis-server with redis.conf',
          async () => {
            if (server.child.exitCode !== null) return 'exited';
            return (await client.connect().then(() => client.ping())) === 'PONG' ? 'up' : undefined;
          },
          60_000,
          250,
        );
        expect(started).toBe('up');
        const get = async (key: string) => (await client.config('GET', key))[1];
        expect(await get('appendonly')).toBe('yes');
        expect(await get('appendfsync')).toBe('everysec');
        expect(await get('maxmemory-policy')).toBe('noeviction');
        expect(Number(await get('maxmemory'))).toBe(2 * 1024 ** 3);
        expect(await get('save')).toBe('');
      } catch (err) {
        throw new Error(`${String(err)}\n${server.output()}`);
      } finally {
        client.disconnect();
        await stopProcess(server.child);
        await tmp.remove();
      }
    });

    it('keeps placeholders, not secrets, in .env.example, and says how to generate them', () => {
      expect(example).toMatch(/^EXPORT_SIGNING_SECRET=change-me/m);
      expect(example).toMatch(/^GRAFANA_ADMIN_PASSWORD=change-me/m);
      expect(example).toContain('openssl rand -hex 32');
    });
  },
);
