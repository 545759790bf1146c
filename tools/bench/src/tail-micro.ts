// What the tail costs a query, in one process and without HTTP: the run's query mix against two stores over the
// same data, one with a full tail (~--rows posts, as ingest at --rate posts/s buffers in 4 minutes) and one without,
// interleaved run by run so that the machine's load falls on both alike (issue #12: search with the tail included):
//
//   npx tsx tools/bench/src/tail-micro.ts --data DIR --mix query-mix.json [--rows 500000] [--reps 15] [--only a,b]
//
// DIR (a run's DATA_DIR) is only read: both stores run on a hard-linked copy (the storage layer never rewrites a
// file in place), removed at the end. The tail is filled by the real ingest from a simulator (seed --seed, as the
// bench's live phase; time_us spread over the last --rows / --rate seconds), then ingest is stopped: the tail stays
// as it is (nothing flushes). Reports per shape: p50 and min per store, and the per-phase p50 of each (the store's
// Timings, as GRAPH_TIMINGS shows them). TAIL_MICRO_TAIL_OPTIONS sets the tail's options
// (PostTailOptions) for A/B runs (e.g. '{"textIndexMaxPostings":0}': no text index).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { DuckDBConnection } from '@duckdb/node-api';
import { Redis } from 'ioredis';
import { startJetstreamSim } from '@bsky-explorer/jetstream-sim';
import { PostStore, TailFollower, ingestKeys, postCursor, type SearchArgs, type Timings } from '@bsky-explorer/storage';
import { freePort, startRedis } from '@bsky-explorer/testing';
import type { QuerySpec } from './query-mix';
import { backdatedFill, noFlushIngestEnv } from './tail-fill';
import { startService, waitHttpOk } from './service';
import { percentile } from './stats';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    mix: { type: 'string' },
    rows: { type: 'string', default: '500000' },
    reps: { type: 'string', default: '15' },
    rate: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '42' },
    only: { type: 'string' },
    out: { type: 'string' },
  },
});
if (!values.data || !values.mix) {
  console.error('usage: tail-micro.ts --data DIR --mix query-mix.json [--rows N] [--reps N] [--only a,b] [--out F]');
  process.exit(2);
}
const rows = Number(values.rows);
const reps = Number(values.reps);
const rate = Number(values.rate);
const seed = Number(values.seed);
const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number) => Math.round(x * 10) / 10;

/** One execution of a shape as the graph runs it (the page's fields: text besides the keys). */
async function runShape(store: PostStore, q: QuerySpec, after: string | undefined, timings: Timings): Promise<number> {
  const a = q.args as { text?: string; author?: string; dateRange?: { from?: string; to?: string }; first: number };
  const filter = {
    text: a.text,
    author: a.author,
    fromUs: a.dateRange?.from ? Date.parse(a.dateRange.from) * 1000 : undefined,
    toUs: a.dateRange?.to ? Date.parse(a.dateRange.to) * 1000 : undefined,
  };
  const args: SearchArgs = { ...filter, first: a.first, after, columns: ['text'] };
  if (q.totalCount) {
    const [, count] = await Promise.all([store.search(args, timings), store.count(filter, timings)]);
    return count.count;
  }
  return (await store.search(args, timings)).rows.length;
}

async function cursorFor(store: PostStore, q: QuerySpec): Promise<string | undefined> {
  let after: string | undefined;
  const a = q.args as { text?: string; author?: string; first: number };
  for (let p = 1; p < q.page; p++) {
    const page = await store.search({ text: a.text, author: a.author, first: a.first, after, columns: ['text'] });
    after = postCursor(page.rows[page.rows.length - 1]);
  }
  return after;
}

async function main(): Promise<void> {
  let mix = JSON.parse(await readFile(values.mix as string, 'utf8')) as QuerySpec[];
  if (values.only) mix = mix.filter((q) => (values.only as string).split(',').includes(q.name));
  const work = await mkdtemp(join(tmpdir(), 'tail-micro-'));
  const copy = join(work, 'data');
  await promisify(execFile)('cp', ['-al', values.data as string, copy]);
  const redis = await startRedis();
  const keys = ingestKeys('ingest:');
  const sim = await startJetstreamSim({
    source: backdatedFill(rows, rate, seed).source,
    port: await freePort(),
    host: '127.0.0.1',
  });
  const withTail = await PostStore.create({
    dataDir: copy,
    queryTimeoutMs: 120_000,
    resultCacheSize: 0,
    tail: JSON.parse(process.env.TAIL_MICRO_TAIL_OPTIONS ?? '{}'),
  });
  const noTail = await PostStore.create({ dataDir: copy, queryTimeoutMs: 120_000, resultCacheSize: 0 });
  // TAIL_MICRO_B_OPTIONS: a second store with a tail of these options (its own copy of the same stream), measured
  // beside the first, for an A/B in one process.
  const optionsB = process.env.TAIL_MICRO_B_OPTIONS;
  const tailB = optionsB
    ? await PostStore.create({ dataDir: copy, queryTimeoutMs: 120_000, resultCacheSize: 0, tail: JSON.parse(optionsB) })
    : undefined;
  const follower = new TailFollower({ redis: new Redis(redis.url), keys, tail: withTail.tail! });
  follower.start();
  const followerB = tailB && new TailFollower({ redis: new Redis(redis.url), keys, tail: tailB.tail! });
  followerB?.start();
  const ingestPort = await freePort();
  const ingest = startService(
    'apps/ingest/src/main.ts',
    noFlushIngestEnv({ redisUrl: redis.url, jetstreamUrl: sim.subscribeUrl, dataDir: copy, ingestPort }),
    join(work, 'ingest.log'),
  );
  try {
    await waitHttpOk(`http://127.0.0.1:${ingestPort}/healthz`, ingest);
    const t0 = Date.now();
    let last = -1;
    for (;;) {
      const n = withTail.tail!.stats().rows.posts;
      if (n >= rows * 0.97 && n === last && (!tailB || tailB.tail!.stats().rows.posts === n)) break;
      if (Date.now() - t0 > 600_000) throw new Error(`the tail held ${n} rows after 10 min`);
      last = n;
      await sleep(3000);
    }
    // SIGKILL: no final flush, the tail keeps everything.
    ingest.child.kill('SIGKILL');
    await sim.stop();
    await follower.stop();
    await followerB?.stop();
    const stats = withTail.tail!.stats();
    log(
      `[micro] tail: ${JSON.stringify(stats.rows)}, index ${JSON.stringify(stats.index)}, filled in ${(Date.now() - t0) / 1000} s`,
    );

    const results: object[] = [];
    // TAIL_MICRO_TRACE=1: every SQL statement of one last run per store, with its time (to see where a phase goes).
    // TAIL_MICRO_TRACE=explain: also EXPLAIN ANALYZE of each statement over 15 ms (full SQL and profile).
    const trace = process.env.TAIL_MICRO_TRACE === '1' || process.env.TAIL_MICRO_TRACE === 'explain';
    const explain = process.env.TAIL_MICRO_TRACE === 'explain';
    let tracing = false;
    if (trace) {
      const original = DuckDBConnection.prototype.runAndReadAll;
      DuckDBConnection.prototype.runAndReadAll = async function (this: DuckDBConnection, ...a: unknown[]) {
        const s = performance.now();
        const run = original as (...x: unknown[]) => ReturnType<typeof original>;
        try {
          return await run.apply(this, a);
        } finally {
          const ms = performance.now() - s;
          if (tracing) log(`      ${ms.toFixed(1).padStart(6)} ms  ${String(a[0]).replace(/\s+/g, ' ').slice(0, 400)}`);
          if (tracing && explain && ms > 15) {
            tracing = false;
            const file = join(tmpdir(), `tail-micro-profile-${process.pid}.json`);
            await run.apply(this, [`SET enable_profiling = 'json'`]);
            await run.apply(this, [`SET profiling_output = '${file}'`]);
            await run.apply(this, [`SET profiling_mode = 'detailed'`]);
            await run.apply(this, a);
            await run.apply(this, [`RESET enable_profiling`]);
            const profile = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
            const top = Object.entries(profile)
              .filter(([, v]) => typeof v === 'number' && v > 0.0005)
              .map(([k, v]) => `${k} ${((v as number) * 1000).toFixed(1)}`);
            log(`        profile (ms): ${top.join(', ')}`);
            const ops: string[] = [];
            const walk = (n: Record<string, unknown>) => {
              const t = Number(n.operator_timing ?? 0);
              if (t > 0.001)
                ops.push(
                  `${n.operator_type ?? n.operator_name} ${(t * 1000).toFixed(1)} (${n.operator_cardinality} rows)`,
                );
              for (const c of (n.children as Record<string, unknown>[]) ?? []) walk(c);
            };
            walk(profile);
            log(`        operators over 1 ms: ${ops.join('; ')}`);
            tracing = true;
          }
        }
      } as typeof original;
    }
    const stores: [string, PostStore][] = [
      ['tail', withTail],
      ...(tailB ? [['tailB', tailB] as [string, PostStore]] : []),
      ['none', noTail],
    ];
    for (const q of mix) {
      const cursors = new Map<string, string | undefined>();
      for (const [name, store] of stores) cursors.set(name, await cursorFor(store, q));
      const runs = new Map<string, number[]>(stores.map(([name]) => [name, []]));
      const phases = new Map<string, Timings[]>(stores.map(([name]) => [name, []]));
      const load = loadavg()[0];
      // One untimed run each (cold), then interleaved.
      for (const [name, store] of stores) await runShape(store, q, cursors.get(name), {});
      let hits = 0;
      for (let i = 0; i < reps; i++) {
        for (const [name, store] of stores) {
          const t: Timings = {};
          const s = performance.now();
          const n = await runShape(store, q, cursors.get(name), t);
          runs.get(name)!.push(performance.now() - s);
          phases.get(name)!.push(t);
          if (name === 'tail') hits = n;
        }
      }
      const summary = (name: string) => {
        const times = runs.get(name)!;
        const all = phases.get(name)!;
        const keys = [...new Set(all.flatMap((t) => Object.keys(t)))].sort();
        const p: Record<string, number> = {};
        for (const k of keys)
          p[k] = round(
            percentile(
              all.map((t) => t[k] ?? 0),
              50,
            ),
          );
        return {
          p50Ms: round(percentile(times, 50)),
          p95Ms: round(percentile(times, 95)),
          minMs: round(Math.min(...times)),
          phases: p,
        };
      };
      if (trace) {
        for (const [name, store] of stores) {
          log(`   trace ${q.name} ${name}:`);
          tracing = true;
          await runShape(store, q, cursors.get(name), {});
          tracing = false;
        }
      }
      const r = {
        name: q.name,
        hits,
        load,
        ...Object.fromEntries(stores.map(([name]) => [name, summary(name)])),
      } as { name: string; hits: number; load: number } & Record<string, ReturnType<typeof summary>>;
      results.push(r);
      const fmt = (x: ReturnType<typeof summary>) =>
        `p50 ${String(x.p50Ms).padStart(6)} min ${String(x.minMs).padStart(6)} | ` +
        Object.entries(x.phases)
          .filter(([, ms]) => ms >= 0.5)
          .map(([k, ms]) => `${k} ${ms}`)
          .join(', ');
      log(`${q.name.padEnd(10)} (${hits} hits, load ${load.toFixed(2)})`);
      for (const [name] of stores) log(`   ${name.padEnd(6)} ${fmt(r[name])}`);
    }
    if (values.out)
      await writeFile(
        values.out,
        JSON.stringify({ at: new Date().toISOString(), rows, reps, stats, results }, null, 1),
      );
  } finally {
    if (ingest.child.exitCode === null && ingest.child.signalCode === null) ingest.child.kill('SIGKILL');
    await sim.stop().catch(() => undefined);
    await withTail.close();
    await tailB?.close();
    await noTail.close();
    await redis.stop();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
