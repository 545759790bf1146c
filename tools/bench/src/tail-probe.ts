// The query mix over a full tail, with and without ingest beside it (issue #12: search p95 with the tail included),
// repeatable in a few minutes, for A/B work on the tail's read path:
//
//   npx tsx tools/bench/src/tail-probe.ts --data DIR --mix query-mix.json [--rows 500000] [--runs 20]
//        [--rate 2000] [--seed 42] [--rounds 1] [--out FILE.json]
//
// DIR (a run's DATA_DIR) is read only: the graph and ingest run on a hard-linked copy of it (the storage layer
// never rewrites a file in place), removed at the end; with production's 5-minute flush pushed out of the way,
// nothing is written there but the tail's Redis stream. The tail is filled fast: a first simulator plays --rows
// posts (seed --seed, the posts of the run's own live phase, time_us spread over the --rows / --rate seconds up to
// now) as fast as ingest takes them; then ingest fails over to a second simulator playing live at --rate posts/s
// (the first one gone silent). Then, per round (--conditions, in order):
//   - ingest: the mix with ingest at --rate posts/s beside it (as search-with-tail.ts measures), the tail growing;
//   - paused: the mix with ingest stopped by SIGSTOP (the tail as it is then, nothing feeding it), then SIGCONT.
// Each mix reports per shape the client p50/p95 and the server's per-phase p50 (GRAPH_TIMINGS), beside the load
// average and the tail's rows.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { startJetstreamSim, type JetstreamSim } from '@bsky-explorer/jetstream-sim';
import { freePort, startRedis } from '@bsky-explorer/testing';
import { connectionFields } from './graphql-client';
import { measureSystem } from './measure';
import { graphSystem } from './phases/search';
import { startGraph } from './phases/graph-server';
import type { QuerySpec } from './query-mix';
import { POST_SHARE } from './sim-source';
import { backdatedFill, noFlushIngestEnv } from './tail-fill';
import { metricValue, startService, waitHttpOk, type Service } from './service';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    mix: { type: 'string' },
    rows: { type: 'string', default: '500000' },
    runs: { type: 'string', default: '20' },
    rate: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '42' },
    rounds: { type: 'string', default: '1' },
    only: { type: 'string' },
    conditions: { type: 'string', default: 'ingest,paused' },
    out: { type: 'string' },
  },
});
if (!values.data || !values.mix) {
  console.error('usage: tail-probe.ts --data DIR --mix query-mix.json [--rows N] [--runs N] [--rate N] [--out F]');
  process.exit(2);
}
const rows = Number(values.rows);
const runs = Number(values.runs);
const rate = Number(values.rate);
const seed = Number(values.seed);
const rounds = Number(values.rounds);
const conditions = (values.conditions ?? '').split(',');
const log = (line: string) => process.stderr.write(`${line}\n`);

interface ShapeResult {
  name: string;
  p50Ms: number;
  p95Ms: number;
  minMs: number;
  serverMs?: number;
  phases?: Record<string, number>;
}
interface MixResult {
  condition: string;
  round: number;
  tailRows: { before: number; after: number };
  load: { before: number[]; after: number[] };
  shapes: ShapeResult[];
}

async function main(): Promise<void> {
  let mix = JSON.parse(await readFile(values.mix as string, 'utf8')) as QuerySpec[];
  if (values.only) mix = mix.filter((q) => (values.only as string).split(',').includes(q.name));
  const work = await mkdtemp(join(tmpdir(), 'tail-probe-'));
  const logs = await mkdtemp(join(tmpdir(), 'tail-probe-logs-'));
  const copy = join(work, 'data');
  await promisify(execFile)('cp', ['-al', values.data as string, copy]);
  const redis = await startRedis();
  const fill = backdatedFill(rows, rate, seed);
  const fillSim = await startJetstreamSim({
    source: fill.source,
    port: await freePort(),
    host: '127.0.0.1',
  });
  let liveSim: JetstreamSim | undefined;
  let ingest: Service | undefined;
  const graphMetricsPort = await freePort();
  const graph = await startGraph(copy, logs, 0, {
    REDIS_URL: redis.url,
    GRAPH_METRICS_PORT: String(graphMetricsPort),
    GRAPH_MAX_QUERY_COST: '10000000',
  });
  const tailRows = async (): Promise<number> => {
    for (let attempt = 0; ; attempt++) {
      try {
        const text = await (await fetch(`http://127.0.0.1:${graphMetricsPort}/metrics`)).text();
        return metricValue(text, 'graph_tail_rows', { table: 'posts' });
      } catch (err) {
        if (attempt >= 5) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };
  const results: MixResult[] = [];
  try {
    // The live simulator starts once the tail is filled (its clock then starts at "now", so ingest does not catch up
    // on minutes of it), on a port reserved now for ingest's host list.
    const livePort = await freePort();
    const ingestPort = await freePort();
    ingest = startService(
      'apps/ingest/src/main.ts',
      // No flush while probing: the tail keeps everything.
      noFlushIngestEnv({
        redisUrl: redis.url,
        jetstreamUrl: `${fillSim.subscribeUrl},ws://127.0.0.1:${livePort}/subscribe`,
        dataDir: copy,
        ingestPort,
      }),
      join(logs, 'ingest.log'),
    );
    await waitHttpOk(`http://127.0.0.1:${ingestPort}/healthz`, ingest);
    const t0 = Date.now();
    let last = -1;
    for (;;) {
      const n = await tailRows();
      if (n >= rows * 0.97 && n === last) break;
      if (Date.now() - t0 > 600_000) throw new Error(`the tail held ${n} rows after 10 min`);
      last = n;
      await new Promise((r) => setTimeout(r, 3000));
    }
    log(`[probe] tail filled: ${last} posts rows in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    const features = await connectionFields(graph.endpoint);
    const measure = async (condition: string, round: number) => {
      const before = await tailRows();
      const loadBefore = loadavg().map((x) => Math.round(x * 100) / 100);
      const r = await measureSystem(graphSystem(graph.endpoint, features), mix, runs, () => undefined);
      const result: MixResult = {
        condition,
        round,
        tailRows: { before, after: await tailRows() },
        load: { before: loadBefore, after: loadavg().map((x) => Math.round(x * 100) / 100) },
        shapes: r.queries.map((q) => ({
          name: q.name,
          p50Ms: q.warm.p50Ms,
          p95Ms: q.warm.p95Ms,
          minMs: q.warm.minMs,
          serverMs: q.serverMs,
          phases: q.phases,
        })),
      };
      results.push(result);
      log(
        `[probe] ${condition} (round ${round}, tail ${before}→${result.tailRows.after}, load ${loadBefore[0]}→${result.load.after[0]})`,
      );
      for (const s of result.shapes) {
        const phases = Object.entries(s.phases ?? {})
          .filter(([, ms]) => ms >= 1)
          .map(([k, ms]) => `${k} ${ms}`)
          .join(', ');
        log(
          `  ${s.name.padEnd(10)} p50 ${String(s.p50Ms).padStart(6)}  p95 ${String(s.p95Ms).padStart(6)}  | ${phases}`,
        );
      }
    };
    // Ingest fails over to the live simulator once the first one is gone.
    liveSim = await startJetstreamSim({
      source: {
        kind: 'synthetic',
        seed: seed + 1,
        rate: rate / POST_SHARE,
        startTimeUs: Date.now() * 1000,
        stepUs: fill.stepUs,
      },
      port: livePort,
      host: '127.0.0.1',
    });
    await fillSim.stop();
    const filled = await tailRows();
    const t1 = Date.now();
    while ((await tailRows()) < filled + rate && Date.now() - t1 < 60_000) await new Promise((r) => setTimeout(r, 500));
    log(`[probe] ingest live at ${rate} posts/s after ${((Date.now() - t1) / 1000).toFixed(0)} s`);
    for (let round = 1; round <= rounds; round++) {
      for (const condition of conditions) {
        if (condition === 'ingest') await measure('ingest', round);
        if (condition === 'paused' && ingest.child.pid) {
          process.kill(ingest.child.pid, 'SIGSTOP');
          await new Promise((r) => setTimeout(r, 2000));
          try {
            await measure('paused', round);
          } finally {
            process.kill(ingest.child.pid, 'SIGCONT');
          }
        }
      }
    }
  } finally {
    if (ingest?.child.pid && ingest.child.exitCode === null) ingest.child.kill('SIGKILL');
    await graph.stop();
    await fillSim.stop().catch(() => undefined);
    await liveSim?.stop();
    await redis.stop();
    await rm(work, { recursive: true, force: true });
  }
  const report = { at: new Date().toISOString(), rows, runs, rate, seed, results };
  if (values.out) await writeFile(values.out, JSON.stringify(report, null, 1));
  log(`[probe] logs in ${logs}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
