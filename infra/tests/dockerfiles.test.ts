import { randomBytes } from 'node:crypto';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, makeTempDir, startRedis, waitFor } from '@bsky-explorer/testing';
import { APPS, EXTERNAL_PACKAGES, bundleApp, type AppName } from '../docker/bundle';
import { ROOT, run, startProcess, stopProcess } from './_util';

// Checks that need no Docker engine (compose-smoke.test.ts builds and starts the real images where one runs): the
// Dockerfiles are read statically, and their build step (the esbuild bundle) and run step (CMD, HEALTHCHECK) are
// executed for real in the image's layout: /app/dist/*.js beside /app/node_modules.

const PORT_ENV: Record<AppName, [string, number]> = { ingest: ['INGEST_PORT', 9464], graph: ['GRAPH_PORT', 4000] };

async function dockerfile(app: AppName) {
  const text = await readFile(join(ROOT, `apps/${app}/Dockerfile`), 'utf8');
  const lines = text.split('\n');
  const instr = (name: string) => lines.filter((l) => l.startsWith(`${name} `));
  // Continuation lines joined, so that multi-line instructions can be read as one.
  const joined = text.replace(/\\\n\s*/g, ' ').split('\n');
  const jsonArg = (name: string) =>
    JSON.parse(joined.find((l) => l.startsWith(name))!.replace(/^.*?\bCMD\s+/, '')) as string[];
  return { text, lines, instr, joined, cmd: jsonArg('CMD '), healthcheck: jsonArg('HEALTHCHECK ') };
}

let tmpRoot: { path: string; remove: () => Promise<void> };
beforeAll(async () => {
  tmpRoot = await makeTempDir('bsky-dockerfile-');
});
afterAll(async () => {
  await tmpRoot.remove();
});

describe.each(APPS)('apps/%s/Dockerfile', (app) => {
  it('is multi-stage on a Node 24 base pinned by version and digest, runs as non-root with only its own production dependencies, exposes its port, has a HEALTHCHECK on /healthz', async () => {
    const d = await dockerfile(app);
    // The same pinned base in both Dockerfiles (docs/deploy.md says how to update it).
    expect(d.instr('ARG')[0]).toMatch(/^ARG NODE_IMAGE=node:24\.\d+\.\d+-bookworm-slim@sha256:[0-9a-f]{64}$/);
    expect(d.instr('ARG')[0]).toBe((await dockerfile(app === 'graph' ? 'ingest' : 'graph')).instr('ARG')[0]);
    // No `# syntax=` line: the classic builder needs no frontend image pull.
    expect(d.text).not.toMatch(/^# syntax=/m);
    expect(d.instr('FROM').length).toBeGreaterThanOrEqual(3);
    const runtime = d.text.slice(d.text.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/\nUSER node\n/);
    expect(runtime).toMatch(/COPY --from=prod-deps \/app\/node_modules/);
    expect(runtime).not.toMatch(/npm (ci|install)/);
    expect(d.joined.join('\n')).toContain(
      `npm ci --omit=dev --ignore-scripts --no-audit --no-fund --workspace=@bsky-explorer/${app}`,
    );
    expect(d.instr('EXPOSE')).toEqual([`EXPOSE ${PORT_ENV[app][1]}`]);
    expect(d.healthcheck.join(' ')).toContain('/healthz');
    // Ingest bounds V8's young generation (its RSS target, < 512 MB; apps/ingest/README.md).
    const flags = app === 'ingest' ? ['--max-semi-space-size=16'] : [];
    expect(d.cmd).toEqual(['node', '--enable-source-maps', ...flags, 'dist/main.js']);
    // No secret is baked in: nothing secret-like in ENV/ARG, and .env never enters the build context.
    expect([...d.instr('ENV'), ...d.instr('ARG')].join('\n')).not.toMatch(/SECRET|PASSWORD|TOKEN/i);
  });

  it('declares among its own dependencies the packages its bundle leaves out', async () => {
    const manifest = JSON.parse(await readFile(join(ROOT, `apps/${app}/package.json`), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    // The prod-deps stage installs the app's "dependencies" and those of the workspace libraries among them; the
    // bundle inlines all of them but these, which it loads from /app/node_modules at run time, so it keeps only these
    // (and what they need).
    expect(Object.keys(manifest.dependencies ?? {})).toEqual(expect.arrayContaining(EXTERNAL_PACKAGES));
    const keep = (await dockerfile(app)).lines.find((l) => l.startsWith('RUN node /tmp/keep-modules.mjs . '));
    expect(keep?.split(' && ')[0].split(' ').slice(4).sort()).toEqual([...EXTERNAL_PACKAGES].sort());
  });

  it('its bundle loads no package at run time but those it leaves out (and ws optional add-ons)', async () => {
    const { runtimePackages } = await bundleApp(app, join(tmpRoot.path, `${app}-bundle`));
    // ws loads these two only if they are installed (inside try/catch): optional speed-ups, not installed.
    const optional = new Set(['bufferutil', 'utf-8-validate']);
    expect(runtimePackages.filter((n) => !optional.has(n))).toEqual([...EXTERNAL_PACKAGES].sort());
  });

  it('installs from the manifests of exactly the workspaces package-lock.json knows, found rather than listed', async () => {
    const d = await dockerfile(app);
    const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { name?: string }>;
    };
    const workspaces = Object.keys(lock.packages)
      .filter((k) => k !== '' && !k.startsWith('node_modules/') && lock.packages[k].name)
      .sort();
    // The manifests stage runs this find over the build context; run it over the repository the same way.
    const find = /find (apps libs tools -mindepth 2 -maxdepth 2 -name package\.json)/.exec(d.text);
    expect(find).not.toBeNull();
    const found = await run('find', find![1].split(' '));
    expect(
      found.stdout
        .trim()
        .split('\n')
        .map((f) => f.replace(/\/package\.json$/, ''))
        .sort(),
    ).toEqual(workspaces);
    const root = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
    expect(root.workspaces).toEqual(['apps/*', 'libs/*', 'tools/*']);
    // Both npm ci stages start from those manifests only, so their layers are cached until a dependency changes.
    expect(d.lines.filter((l) => l === 'COPY --from=manifests /manifests/ ./').length).toBe(2);
    expect(d.lines.filter((l) => /^COPY \S+\/package\.json/.test(l))).toEqual([]);
  });
});

describe('infra/docker/keep-modules.mjs', () => {
  it('keeps the named packages and what they need (nested, optional, peer), removes the rest and stale .bin links', async () => {
    const dir = join(tmpRoot.path, 'keep-modules');
    const pkg = async (path: string, manifest: object) => {
      await mkdir(join(dir, 'node_modules', path), { recursive: true });
      await writeFile(join(dir, 'node_modules', path, 'package.json'), JSON.stringify(manifest));
    };
    await pkg('a', { dependencies: { b: '1', '@s/x': '1' }, optionalDependencies: { 'not-here': '1' } });
    await pkg('b', { peerDependencies: { c: '1' } });
    await pkg('c', {});
    await pkg('@s/x', { dependencies: { d: '2' } });
    await pkg('@s/x/node_modules/d', {});
    await pkg('d', {});
    await pkg('unused', { dependencies: { b: '1' } });
    await pkg('@t/unused', {});
    await pkg('e', {});
    await mkdir(join(dir, 'node_modules/.bin'));
    await symlink('../unused/cli.js', join(dir, 'node_modules/.bin/unused'));
    const script = join(ROOT, 'infra/docker/keep-modules.mjs');

    const result = await run('node', [script, dir, 'a', 'e']);
    expect([result.code, result.stderr]).toEqual([0, '']);
    const found = await run('find', ['node_modules', '-name', 'package.json'], { cwd: dir });
    expect(found.stdout.trim().split('\n').sort()).toEqual(
      ['a', 'b', 'c', 'e', '@s/x', '@s/x/node_modules/d'].map((p) => `node_modules/${p}/package.json`).sort(),
    );
    expect((await run('ls', ['-A', 'node_modules'], { cwd: dir })).stdout.split('\n').filter(Boolean).sort()).toEqual(
      ['@s', 'a', 'b', 'c', 'e'].sort(),
    );
    // A named package, or a dependency, that is not installed is an error, not a smaller image.
    expect((await run('node', [script, dir, 'missing'])).code).not.toBe(0);
  });
});

describe('.dockerignore', () => {
  it('keeps secrets, local data, node_modules and git out of the build context', async () => {
    const lines = (await readFile(join(ROOT, '.dockerignore'), 'utf8')).split('\n');
    expect(lines).toEqual(
      expect.arrayContaining(['.git', '**/node_modules', '**/data', '**/.env', '**/.env.*', '!**/.env.example']),
    );
  });
});

describe('the image build and run steps, without Docker', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  beforeAll(async () => {
    tmp = await makeTempDir('bsky-image-');
  });
  afterAll(async () => {
    await tmp.remove();
  });

  // The image layout: /app/dist/<bundles> and /app/node_modules (production dependencies) next to it.
  const image = async (app: AppName) => {
    const appDir = join(tmp.path, app);
    await mkdir(appDir);
    await bundleApp(app, join(appDir, 'dist'));
    await symlink(join(ROOT, 'node_modules'), join(appDir, 'node_modules'));
    return appDir;
  };
  const base = (dataDir: string) => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
  });

  it('graph: the bundle starts with the Dockerfile CMD, answers /healthz and /readyz, and the HEALTHCHECK passes', async () => {
    const appDir = await image('graph');
    const d = await dockerfile('graph');
    const dataDir = join(tmp.path, 'graph-data');
    await mkdir(dataDir);
    const port = await freePort();
    const env = {
      ...base(dataDir),
      GRAPH_PORT: String(port),
      EXPORT_DIR: join(tmp.path, 'graph-exports'),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      EXPORT_SIGNING_SECRET: randomBytes(32).toString('hex'),
    };
    // In production the signing secret is required: the image refuses to start without it.
    const noSecret = await run(d.cmd[0], d.cmd.slice(1), { cwd: appDir, env: { ...env, EXPORT_SIGNING_SECRET: '' } });
    expect(noSecret.code).not.toBe(0);
    expect(noSecret.stderr + noSecret.stdout).toContain('EXPORT_SIGNING_SECRET');

    const svc = startProcess(d.cmd[0], d.cmd.slice(1), env, appDir);
    try {
      await waitFor(
        'graph bundle /readyz',
        async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined),
        60_000,
      );
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      const health = await run(d.healthcheck[0], d.healthcheck.slice(1), { cwd: appDir, env });
      expect(health.code).toBe(0);
    } catch (err) {
      throw new Error(`${String(err)}\n${svc.output()}`);
    } finally {
      await stopProcess(svc.child);
    }
    // Once the service is gone the same probe fails.
    expect((await run(d.healthcheck[0], d.healthcheck.slice(1), { cwd: appDir, env })).code).not.toBe(0);
  });

  it('ingest: the bundle starts with the Dockerfile CMD against a real Redis, the HEALTHCHECK passes, and dist/compact.js runs', async () => {
    const appDir = await image('ingest');
    const d = await dockerfile('ingest');
    const dataDir = join(tmp.path, 'ingest-data');
    await mkdir(dataDir);
    const redis = await startRedis();
    const port = await freePort();
    // Nothing listens on the Jetstream port: ingest keeps retrying, and is still alive (/healthz).
    const env = {
      ...base(dataDir),
      REDIS_URL: redis.url,
      JETSTREAM_URL: `ws://127.0.0.1:${await freePort()}/subscribe`,
      INGEST_PORT: String(port),
    };
    const svc = startProcess(d.cmd[0], d.cmd.slice(1), env, appDir);
    try {
      await waitFor(
        'ingest bundle /healthz',
        async () => ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok ? true : undefined),
        60_000,
      );
      expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toContain('ingest_jetstream_connected 0');
      const health = await run(d.healthcheck[0], d.healthcheck.slice(1), { cwd: appDir, env });
      expect(health.code).toBe(0);
      const compact = await run('node', ['dist/compact.js'], { cwd: appDir, env });
      expect([compact.code, compact.stderr]).toEqual([0, '']);
    } catch (err) {
      throw new Error(`${String(err)}\n${svc.output()}`);
    } finally {
      await stopProcess(svc.child);
      await redis.stop();
    }
  });
});
