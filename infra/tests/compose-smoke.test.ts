// The compose smoke test: builds both images from their Dockerfiles, brings up redis, the Jetstream simulator,
// ingest and graph with infra/compose/docker-compose.yml (plus a small override: simulator, stand-ins, ports),
// waits for the containers' own HEALTHCHECKs, runs a search and an export download through the published port,
// stops the apps with SIGTERM (they must exit 0, not be killed), and removes everything it made: containers,
// network, volumes, the two app images, temp files. `npm run test:compose` runs it alone.
//
// Needs a Docker engine (DOCKER_HOST or the default socket; `source .ci/dockerd.sh` starts a private one) and
// docker-compose. The base image: SMOKE_NODE_IMAGE if set, else the Dockerfiles' pinned node image if it is
// present locally, else a local stand-in built from Debian packages and Node 24 (infra/docker/standin-base.sh;
// needs root and debootstrap) because no image registry may be reachable. Redis likewise: redis:7.2-bookworm if
// present, else a stand-in with Debian's redis-server. Without an engine or a base it skips, saying why
// (it fails instead under COMPOSE_SMOKE_REQUIRED=1, which .ci/dockerd.sh sets once its engine answers).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { build } from 'esbuild';
import { freePort, makeTempDir, waitFor } from '@bsky-explorer/testing';
import { stringify } from 'yaml';
import { COMPOSE_DIR, ROOT, run, type CommandResult } from './_util';
import { all, probe, tools, type Availability } from './_tools';

const id = randomBytes(4).toString('hex');
const PROJECT = `bskysmoke${id}`;
const IMAGE_TAG = `smoke-${id}`;
const APP_IMAGES = [`bsky-explorer/ingest:${IMAGE_TAG}`, `bsky-explorer/graph:${IMAGE_TAG}`];
const STANDIN_BASE = 'bsky-explorer/node-standin:24-bookworm';
const STANDIN_REDIS = 'bsky-explorer/redis-standin:7-bookworm';
const OFFICIAL_REDIS = 'redis:7.2-bookworm';
// The simulator streams live (a subscriber without a cursor gets what is sent from then on): enough events at a
// modest rate to last well past the time ingest needs to start, connect and flush.
const EVENTS = 60_000;
const RATE = 200;

const docker = (args: string[]) => run('docker', args);
const imageExists = (image: string) => probe('docker', ['image', 'inspect', image], '').ok;

function availability(): Availability {
  const engine = probe(
    'docker',
    ['info', '--format', '{{.ServerVersion}}'],
    'no Docker engine answers: install docker.io and start one (source .ci/dockerd.sh), or set DOCKER_HOST',
  );
  if (!engine.ok) return engine;
  if (process.env.SMOKE_NODE_IMAGE || imageExists(pinnedBase())) return all(engine, tools.dockerCompose());
  const canBuildStandin =
    imageExists(STANDIN_BASE) ||
    (process.getuid?.() === 0 && probe('debootstrap', ['--version'], '').ok && /^v24\./.test(process.version));
  if (!canBuildStandin)
    return {
      ok: false,
      reason: `no base image: ${pinnedBase()} is not present (no registry reachable?) and a stand-in cannot be built here (needs root, debootstrap and Node 24); set SMOKE_NODE_IMAGE to a local Node 24 image`,
    };
  return tools.dockerCompose();
}

function pinnedBase(): string {
  const text = readFileSync(join(ROOT, 'apps/graph/Dockerfile'), 'utf8');
  return /^ARG NODE_IMAGE=(\S+)$/m.exec(text)?.[1] ?? '';
}

function describeSmoke(): jest.Describe {
  const a = availability();
  if (a.ok) return describe;
  if (process.env.COMPOSE_SMOKE_REQUIRED === '1' || process.env.INFRA_TOOLS_REQUIRED === '1') {
    return ((name: string) =>
      describe(name, () => {
        it('has a Docker engine and a base image', () => {
          throw new Error(`compose smoke test required but unavailable: ${a.reason}`);
        });
      })) as unknown as jest.Describe;
  }
  console.warn(`SKIPPED compose smoke test: ${a.reason}`);
  return describe.skip;
}

function must(r: CommandResult, what: string): string {
  if (r.code !== 0)
    throw new Error(`${what} failed (exit ${r.code}):\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
  return r.stdout;
}

const log = (line: string) => process.stdout.write(`[compose-smoke] ${line}\n`);

describeSmoke()('compose smoke test: both images built and started with docker-compose', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let compose: (args: string[]) => Promise<CommandResult>;
  let graphUrl = '';
  let base = '';
  const started = Date.now();

  const container = async (service: string) => must(await compose(['ps', '-q', service]), `ps ${service}`).trim();
  const inspect = async (target: string, format: string) =>
    must(await docker(['inspect', '--format', format, target]), `inspect ${target}`).trim();
  const graphql = async (query: string) => {
    const res = await fetch(`${graphUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    return (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  };

  beforeAll(async () => {
    tmp = await makeTempDir('bsky-compose-smoke-');
    // 1. Base images: the pinned official ones where present, local stand-ins otherwise.
    base = process.env.SMOKE_NODE_IMAGE || (imageExists(pinnedBase()) ? pinnedBase() : '');
    if (!base) {
      log(`base ${pinnedBase()} not present: using the TEST STAND-IN ${STANDIN_BASE} (Debian bookworm + Node 24)`);
      must(await run(join(ROOT, 'infra/docker/standin-base.sh'), [STANDIN_BASE]), 'standin-base.sh');
      base = STANDIN_BASE;
    }
    let redisImage = OFFICIAL_REDIS;
    if (!imageExists(OFFICIAL_REDIS)) {
      redisImage = STANDIN_REDIS;
      if (!imageExists(STANDIN_REDIS)) {
        log(`${OFFICIAL_REDIS} not present: building the TEST STAND-IN ${STANDIN_REDIS} (Debian redis-server)`);
        must(
          await docker([
            'build',
            '-q',
            '--force-rm',
            '-f',
            join(ROOT, 'infra/docker/standin-redis.Dockerfile'),
            '--build-arg',
            `BASE=${base}`,
            '-t',
            STANDIN_REDIS,
            join(ROOT, 'infra/docker'),
          ]),
          'build redis stand-in',
        );
      }
    }
    log(`base image ${base}, redis image ${redisImage}`);

    // 2. The simulator as one file, run by node in a container of the base image on the compose network.
    const simDir = join(tmp.path, 'sim');
    await build({
      absWorkingDir: ROOT,
      entryPoints: { cli: 'tools/jetstream-sim/src/cli.ts' },
      outdir: simDir,
      bundle: true,
      platform: 'node',
      target: 'node24',
      format: 'cjs',
      tsconfig: 'tsconfig.base.json',
      logLevel: 'warning',
    });

    // 3. .env from .env.example (secrets and addresses replaced), and the override.
    const graphPort = await freePort();
    graphUrl = `http://127.0.0.1:${graphPort}`;
    const env = (await readFile(join(COMPOSE_DIR, '.env.example'), 'utf8'))
      .replace(/^COMPOSE_PROJECT_NAME=.*$/m, `COMPOSE_PROJECT_NAME=${PROJECT}`)
      .replace(/^PUBLIC_URL=.*$/m, `PUBLIC_URL=${graphUrl}`)
      .replace(/^EXPORT_SIGNING_SECRET=.*$/m, `EXPORT_SIGNING_SECRET=${randomBytes(32).toString('hex')}`)
      .replace(/^GRAFANA_ADMIN_PASSWORD=.*$/m, `GRAFANA_ADMIN_PASSWORD=${randomBytes(18).toString('base64')}`)
      .replace(/^FLUSH_INTERVAL_MS=.*$/m, 'FLUSH_INTERVAL_MS=1000')
      .replace(/^IMAGE_TAG=.*$/m, `IMAGE_TAG=${IMAGE_TAG}`)
      .replace(/^GRAPH_HOST_PORT=.*$/m, `GRAPH_HOST_PORT=${graphPort}`)
      .replace(/^JETSTREAM_URL=.*$/m, 'JETSTREAM_URL=ws://sim:6008/subscribe');
    const envFile = join(tmp.path, '.env');
    await writeFile(envFile, env, { mode: 0o600 });
    const override = {
      services: {
        redis: { image: redisImage },
        ingest: { build: { args: { NODE_IMAGE: base } }, depends_on: { sim: { condition: 'service_started' } } },
        graph: { build: { args: { NODE_IMAGE: base } } },
        sim: {
          image: base,
          user: 'node',
          command: [
            'node',
            '/sim/cli.js',
            '--synthetic',
            '--count',
            String(EVENTS),
            '--rate',
            String(RATE),
            '--seed',
            '7',
            '--host',
            '0.0.0.0',
            '--port',
            '6008',
          ],
          volumes: [`${simDir}:/sim:ro`],
        },
      },
    };
    const overrideFile = join(tmp.path, 'docker-compose.smoke.yml');
    await writeFile(overrideFile, stringify(override));
    compose = (args) =>
      run(
        'docker-compose',
        [
          '--project-name',
          PROJECT,
          '--env-file',
          envFile,
          '-f',
          join(COMPOSE_DIR, 'docker-compose.yml'),
          '-f',
          overrideFile,
          ...args,
        ],
        { cwd: COMPOSE_DIR, env: { ...process.env, DOCKER_BUILDKIT: '0', COMPOSE_DOCKER_CLI_BUILD: '0' } },
      );

    // 4. Build both images, start, wait for the HEALTHCHECKs.
    const t0 = Date.now();
    // --force-rm: a failed step's container goes too.
    must(await compose(['build', '--force-rm', 'ingest', 'graph']), 'docker-compose build');
    log(`built ${APP_IMAGES.join(', ')} in ${Math.round((Date.now() - t0) / 1000)} s`);
    must(await compose(['up', '-d', 'redis', 'sim', 'ingest', 'graph']), 'docker-compose up');
    for (const service of ['redis', 'ingest', 'graph']) {
      const c = await container(service);
      await waitFor(
        `${service} to be healthy`,
        async () => {
          const status = await inspect(c, '{{.State.Health.Status}}');
          if (status === 'unhealthy')
            throw new Error(`${service} unhealthy: ${(await compose(['logs', service])).stdout}`);
          return status === 'healthy' ? true : undefined;
        },
        180_000,
        1_000,
      ).catch(async (err: unknown) => {
        throw new Error(`${String(err)}\n${(await compose(['logs', '--tail', '50'])).stdout}`);
      });
    }
    log(`redis, ingest and graph healthy ${Math.round((Date.now() - started) / 1000)} s after the start`);
  }, 1_200_000);

  afterAll(async () => {
    // Safety net if a test failed before the teardown test: leave nothing behind in any case.
    if (compose) await compose(['down', '--volumes', '--remove-orphans', '--timeout', '30']);
    await docker(['image', 'rm', '--force', ...APP_IMAGES]);
    await tmp?.remove();
  }, 300_000);

  it('runs each app as the non-root node user with only its own production dependencies, metrics where Prometheus scrapes', async () => {
    for (const service of ['ingest', 'graph']) {
      const c = await container(service);
      expect([service, must(await docker(['exec', c, 'id', '-u']), 'id').trim()]).toEqual([service, '1000']);
      const modules = must(await docker(['exec', c, 'ls', '/app/node_modules', '/app/node_modules/@duckdb']), 'ls');
      expect([
        service,
        modules
          .split(/\s+/)
          .filter((l) => l && !l.endsWith(':'))
          .sort(),
      ]).toEqual([
        service,
        ['@duckdb', 'detect-libc', 'node-api', 'node-bindings', 'node-bindings-linux-x64', 'parquet-wasm'].sort(),
      ]);
    }
    // What Prometheus scrapes on the compose network: ingest on its port, graph on GRAPH_METRICS_PORT.
    for (const [service, port, family] of [
      ['ingest', 9464, 'ingest_events_received_total'],
      ['graph', 9465, 'graph_operation_duration_seconds'],
    ] as const) {
      const script = `fetch('http://127.0.0.1:${port}/metrics').then(async (r) => console.log(r.status, await r.text()))`;
      const out = must(await docker(['exec', await container(service), 'node', '-e', script]), `${service} metrics`);
      expect([service, out.slice(0, 3), out.includes(family)]).toEqual([service, '200', true]);
    }
    const baseSize = Number(await inspect(base, '{{.Size}}'));
    for (const image of APP_IMAGES) {
      const size = Number(await inspect(image, '{{.Size}}'));
      log(
        `${image}: ${(size / 1e6).toFixed(0)} MB (base ${(baseSize / 1e6).toFixed(0)} MB + ${((size - baseSize) / 1e6).toFixed(0)} MB app)`,
      );
      // The whole workspace's production node_modules alone was 124 MB: the app layers stay well below it.
      expect(size - baseSize).toBeLessThan(100e6);
    }
  });

  it('ingests from the simulator: a search finds posts and an export downloads as CSV', async () => {
    const page = await waitFor(
      'posts to be searchable',
      async () => {
        const r = await graphql('{ searchPosts(first: 5) { totalCount edges { node { uri text } } } }');
        const p = r.data?.searchPosts as { totalCount: number; edges: { node: { uri: string } }[] } | undefined;
        return p && p.edges.length === 5 ? p : undefined;
      },
      120_000,
      1_000,
    ).catch(async (err: unknown) => {
      throw new Error(`${String(err)}\n${(await compose(['logs', '--tail', '40', 'sim', 'ingest', 'graph'])).stdout}`);
    });
    expect(page.edges.every((e) => e.node.uri.startsWith('at://'))).toBe(true);
    log(`searchPosts(first: 5): ${page.edges.length} edges, totalCount ${page.totalCount}`);

    const exported = await graphql('mutation { exportPosts(limit: 20) { url rowCount } }');
    const result = exported.data?.exportPosts as { url: string; rowCount: number } | undefined;
    expect(exported.errors).toBeUndefined();
    expect(result?.rowCount).toBe(20);
    expect(result?.url.startsWith(graphUrl)).toBe(true);
    const download = await fetch(result!.url);
    expect(download.status).toBe(200);
    // Post texts hold newlines and quotes: parse the CSV, do not count lines.
    const rows = parseCsv(await download.text(), { columns: true }) as Record<string, string>[];
    expect(rows.length).toBe(20);
    expect(rows.every((r) => r.uri?.startsWith('at://'))).toBe(true);
    log(`exportPosts(limit: 20): downloaded ${rows.length} CSV rows (${Object.keys(rows[0]).length} columns)`);
  });

  it('stops ingest and graph cleanly on SIGTERM (exit 0 within the grace period)', async () => {
    const ids = { ingest: await container('ingest'), graph: await container('graph') };
    const t0 = Date.now();
    must(await compose(['stop', 'ingest', 'graph']), 'docker-compose stop');
    const seconds = (Date.now() - t0) / 1000;
    for (const [service, c] of Object.entries(ids)) {
      const [code, oom] = (await inspect(c, '{{.State.ExitCode}} {{.State.OOMKilled}}')).split(' ');
      expect([service, code, oom]).toEqual([service, '0', 'false']);
    }
    log(`ingest and graph stopped with exit code 0 in ${seconds.toFixed(1)} s`);
    expect(seconds).toBeLessThan(60);
  });

  it('tears everything down, leaving no container, network, volume or app image behind', async () => {
    must(await compose(['down', '--volumes', '--remove-orphans', '--timeout', '30']), 'docker-compose down');
    must(await docker(['image', 'rm', ...APP_IMAGES]), 'image rm');
    const label = `label=com.docker.compose.project=${PROJECT}`;
    const left = {
      containers: must(await docker(['ps', '-aq', '--filter', label]), 'ps').trim(),
      networks: must(await docker(['network', 'ls', '-q', '--filter', label]), 'network ls').trim(),
      volumes: must(await docker(['volume', 'ls', '-q', '--filter', label]), 'volume ls').trim(),
      images: (await Promise.all(APP_IMAGES.map(async (i) => (imageExists(i) ? i : '')))).join(''),
    };
    expect(left).toEqual({ containers: '', networks: '', volumes: '', images: '' });
    log(`torn down: no container, network, volume or app image of ${PROJECT} left`);
  });
});
