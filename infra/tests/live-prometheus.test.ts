import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { spawn } from 'node:child_process';
import { freePort, makeTempDir, startRedis, waitFor, type RedisServer } from '@bsky-explorer/testing';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import {
  ALERTS_FILE,
  ROOT,
  alertDataExpressions,
  loadAlertRules,
  loadDashboardQueries,
  startProcess,
  stopProcess,
  substituteGrafanaVariables,
} from './_util';
import { all, describeWith, tools } from './_tools';

// The real check: simulator → ingest (private redis-server) → Parquet ← graph, scraped every second by a real
// Prometheus that also loads alerts.yml; then every dashboard expression, and the data part of every alert
// expression (see alertDataExpressions), must return a non-empty result from Prometheus's HTTP API.
//
// The firehose is a synthetic capture (dated 2026-05-25, so its day is closed and compaction really runs) with a
// non-JSON line every 1000 events (dead letters) and a connection cut every 4000 events (reconnects).

const EVENTS = 12_000;
type Proc = ReturnType<typeof startProcess>;

interface PromResult {
  status: string;
  error?: string;
  data?: { resultType: string; result: unknown[] };
}

describeWith('the live Prometheus test', all(tools.prometheus(), tools.redis()))(
  'dashboards and alerts against a live Prometheus scraping ingest and graph',
  () => {
    let tmp: { path: string; remove: () => Promise<void> };
    let redis: RedisServer | undefined;
    const procs: Proc[] = [];
    let promUrl = '';
    let graphUrl = '';
    let ingestUrl = '';

    const tsx = (entry: string, args: string[], env: NodeJS.ProcessEnv) => {
      const p = startProcess(process.execPath, ['--import', 'tsx', join(ROOT, entry), ...args], env);
      procs.push(p);
      return p;
    };
    const httpOk = (url: string) => async () => ((await fetch(url)).ok ? true : undefined);
    const metricsText = async () => (await fetch(`${ingestUrl}/metrics`)).text();
    const graphql = async (query: string, variables: Record<string, unknown> = {}) => {
      const res = await fetch(`${graphUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as { data?: Record<string, unknown>; errors?: { extensions?: { code?: string } }[] };
    };
    const promQuery = async (expr: string): Promise<PromResult> =>
      (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`)).json() as Promise<PromResult>;

    beforeAll(async () => {
      tmp = await makeTempDir('bsky-infra-live-');
      const dataDir = join(tmp.path, 'data');
      await mkdir(dataDir);

      // The capture: the simulator's own synthetic events, plus garbage lines.
      const dump = join(tmp.path, 'dump.jsonl');
      const capture = join(tmp.path, 'capture.jsonl');
      await new Promise<void>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            join(ROOT, 'tools/jetstream-sim/src/cli.ts'),
            '--synthetic',
            '--count',
            String(EVENTS),
            '--seed',
            '7',
            '--dump',
          ],
          {
            cwd: ROOT,
            stdio: ['ignore', 'pipe', 'inherit'],
          },
        );
        child.stdout.pipe(createWriteStream(dump));
        child.once('error', reject);
        child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sim --dump exited ${code}`))));
      });
      const out = createWriteStream(capture);
      let n = 0;
      for await (const line of createInterface({ input: createReadStream(dump) })) {
        out.write(line + '\n');
        if (++n % 1000 === 0) out.write(`not json, dead-letter me #${n}\n`);
      }
      await new Promise<void>((resolve) => out.end(resolve));

      redis = await startRedis();
      // As in infra/compose/redis.conf: a maxmemory, so the Redis memory ratio has a denominator.
      const admin = new Redis(redis.url);
      await admin.config('SET', 'maxmemory', String(256 * 1024 * 1024));
      admin.disconnect();

      const [simPort, ingestPort, graphPort, promPort] = [
        await freePort(),
        await freePort(),
        await freePort(),
        await freePort(),
      ];
      ingestUrl = `http://127.0.0.1:${ingestPort}`;
      graphUrl = `http://127.0.0.1:${graphPort}`;
      promUrl = `http://127.0.0.1:${promPort}`;

      tsx(
        'tools/jetstream-sim/src/cli.ts',
        ['--replay', capture, '--rate', '1000', '--drop-every', '4000', '--port', String(simPort)],
        process.env,
      );
      const base = { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', DATA_DIR: dataDir };
      tsx('apps/ingest/src/main.ts', [], {
        ...base,
        REDIS_URL: redis.url,
        JETSTREAM_URL: `ws://127.0.0.1:${simPort}/subscribe`,
        INGEST_PORT: String(ingestPort),
        FLUSH_INTERVAL_MS: '1000',
        FLUSH_SAFETY_LAG_MS: '200',
        COMPACTION_INTERVAL_MS: '3000',
        COMPACTION_GRACE_MS: '0',
        JETSTREAM_BACKOFF_MIN_MS: '100',
        JETSTREAM_BACKOFF_MAX_MS: '500',
      });
      tsx('apps/graph/src/main.ts', [], {
        ...base,
        GRAPH_PORT: String(graphPort),
        EXPORT_DIR: join(tmp.path, 'exports'),
        PUBLIC_URL: graphUrl,
        EXPORT_SIGNING_SECRET: randomBytes(32).toString('hex'),
        DUCKDB_THREADS: '1',
      });

      const promDir = join(tmp.path, 'prometheus');
      await mkdir(promDir);
      const promConfig = {
        global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
        rule_files: [ALERTS_FILE],
        scrape_configs: [
          { job_name: 'ingest', static_configs: [{ targets: [`127.0.0.1:${ingestPort}`] }] },
          { job_name: 'graph', static_configs: [{ targets: [`127.0.0.1:${graphPort}`] }] },
        ],
      };
      await writeFile(join(promDir, 'prometheus.yml'), stringify(promConfig));
      const prom = startProcess(
        'prometheus',
        [
          `--config.file=${join(promDir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(promDir, 'tsdb')}`,
          `--web.listen-address=127.0.0.1:${promPort}`,
          '--log.level=warn',
        ],
        process.env,
      );
      procs.push(prom);

      const describeProcs = () =>
        procs
          .map((p) => `--- ${String(p.child.spawnargs.slice(-3).join(' '))} (exit ${p.child.exitCode})\n${p.output()}`)
          .join('\n');
      try {
        await waitFor('ingest /readyz', httpOk(`${ingestUrl}/readyz`), 90_000);
        await waitFor('graph /readyz', httpOk(`${graphUrl}/readyz`), 90_000);
        await waitFor('prometheus /-/ready', httpOk(`${promUrl}/-/ready`), 60_000);
        // Ingest has flushed, dead-lettered, reconnected and compacted at least once.
        await waitFor(
          'ingest to flush, dead-letter, reconnect and compact',
          async () => {
            const text = await metricsText();
            const seen = (re: RegExp) => [...text.matchAll(re)].some((m) => Number(m[1]) > 0);
            return seen(/^ingest_flushes_total\{result="ok"\} (\S+)/gm) &&
              seen(/^ingest_events_invalid_total\{[^}]*\} (\S+)/gm) &&
              seen(/^ingest_jetstream_reconnects_total\{[^}]*\} (\S+)/gm) &&
              seen(/^ingest_compactions_total\{result="ok"\} (\S+)/gm)
              ? true
              : undefined;
          },
          120_000,
        );
      } catch (err) {
        throw new Error(`${String(err)}\n${describeProcs()}`);
      }
    });

    afterAll(async () => {
      for (const p of [...procs].reverse()) await stopProcess(p.child);
      await redis?.stop();
      await tmp?.remove();
    });

    it('every dashboard expression and the data part of every alert return data', async () => {
      // Queries, an error with a code, an export and its download (ok and bad signature).
      const page = await graphql('{ searchPosts(first: 5) { edges { node { uri } } } }');
      const edges = (page.data?.searchPosts as { edges: { node: { uri: string } }[] } | undefined)?.edges ?? [];
      expect(edges.length).toBe(5);
      expect(
        (await graphql('query($u: String!) { post(uri: $u) { uri } }', { u: edges[0].node.uri })).data?.post,
      ).toEqual({ uri: edges[0].node.uri });
      const bad = await graphql('{ searchPosts(first: 5, after: "not-a-cursor") { edges { cursor } } }');
      expect(bad.errors?.[0]?.extensions?.code).toBe('INVALID_CURSOR');
      const exported = await graphql('mutation { exportPosts(limit: 20) { url rowCount } }');
      const url = (exported.data?.exportPosts as { url: string; rowCount: number }).url;
      expect((exported.data?.exportPosts as { rowCount: number }).rowCount).toBe(20);
      expect((await fetch(url)).status).toBe(200);
      expect((await fetch(url.replace(/signature=[^&]+/, 'signature=00'))).status).toBe(403);

      const exprs = [
        ...loadDashboardQueries().map((q) => ({
          from: `${q.dashboard} / ${q.panel}`,
          expr: substituteGrafanaVariables(q.expr),
        })),
        ...loadAlertRules().flatMap((r) =>
          alertDataExpressions(r.expr).map((expr) => ({ from: `alert ${r.alert}`, expr })),
        ),
      ];
      // Poll until Prometheus has scraped all of the above (a few 1 s scrapes); report what stayed empty.
      let empty: string[] = [];
      await waitFor(
        'every expression to return data',
        async () => {
          empty = [];
          for (const { from, expr } of exprs) {
            const r = await promQuery(expr);
            if (r.status !== 'success') throw new Error(`${from}: ${expr}: ${r.error}`);
            if ((r.data?.result.length ?? 0) === 0) empty.push(`${from}: ${expr}`);
          }
          return empty.length === 0 ? true : undefined;
        },
        60_000,
        1_000,
      ).catch(() => undefined);
      expect(empty).toEqual([]);

      // The full alert expressions evaluate too, and Prometheus loaded every rule without an evaluation error.
      for (const rule of loadAlertRules())
        expect([rule.alert, (await promQuery(rule.expr)).status]).toEqual([rule.alert, 'success']);
      const rules = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as {
        data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
      };
      const loaded = rules.data.groups.flatMap((g) => g.rules);
      expect(loaded.map((r) => r.name).sort()).toEqual(
        loadAlertRules()
          .map((r) => r.alert)
          .sort(),
      );
      expect(loaded.filter((r) => r.health !== 'ok')).toEqual([]);
    });
  },
);
