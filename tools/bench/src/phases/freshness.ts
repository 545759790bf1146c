// Phase "freshness": how soon a post ingest received is returned by searchPosts, with production's 5-minute
// flushes. The simulator plays a live synthetic firehose at a set rate (its time_us is the wall clock at which it
// sends, so indexedAt is when ingest received the post, to a few ms), ingest (FLUSH_INTERVAL_MS=300000) buffers
// into a real redis-server, the graph tails the stream, and a client polls the newest page of searchPosts: a post's
// latency is the time of the first response holding it minus its indexedAt. Each run starts from an empty
// DATA_DIR and Redis; the 2,000 posts/s run lasts past the first flush, so it also measures the graph with a full
// 5-minute tail (RSS, tail rows) and the flush boundary (no post twice in a page).
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { POST_SHARE } from '../sim-source';
import type { BenchOptions } from '../args';
import type { BenchPaths } from '../paths';
import { step, type Log } from '../progress';
import type { FreshnessResult, FreshnessRun } from '../result';
import { metricValue } from '../service';
import { summarize } from '../stats';
import { FLUSH_INTERVAL_MS, LIVE_MAX_PAGE, startLivePipeline } from './live-pipeline';

/** The rates of the issue, and how long each runs: the fast one past its first flush (5 min). */
export const FRESHNESS_RUNS: readonly FreshnessRate[] = [
  { postsPerSecond: 100, seconds: 90 },
  { postsPerSecond: 2000, seconds: 330 },
];

export interface FreshnessRate {
  postsPerSecond: number;
  seconds: number;
}
/** The polled page: more than arrive between two polls at 2,000 posts/s, so none is missed. */
const PAGE = LIVE_MAX_PAGE;
const QUERY = `query ($first: Int) { searchPosts(first: $first) { edges { node { uri indexedAt } } } }`;

const rssMb = async (pid: number): Promise<number> => {
  const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''));
  return m ? Number(m[1]) / 1024 : 0;
};

async function runOnce(rate: FreshnessRate, o: BenchOptions, paths: BenchPaths, log: Log): Promise<FreshnessRun> {
  const dir = join(paths.out, 'freshness', `${rate.postsPerSecond}`);
  await rm(dir, { recursive: true, force: true });
  const dataDir = join(dir, 'data');
  await mkdir(dataDir, { recursive: true });
  const eventsPerSecond = Math.round(rate.postsPerSecond / POST_SHARE);
  const live = await startLivePipeline(
    rate.postsPerSecond,
    dataDir,
    o.seed,
    paths.logs,
    `freshness-${rate.postsPerSecond}`,
  );
  const { graph, ingest, ingestPort, graphMetricsPort } = live;
  try {
    const s = step(
      log,
      'freshness',
      `${rate.postsPerSecond} posts/s (${eventsPerSecond} events/s) for ${rate.seconds} s, FLUSH_INTERVAL_MS=${FLUSH_INTERVAL_MS}`,
    );
    const startMs = Date.now();
    const seen = new Set<string>();
    const latencies: number[] = [];
    const queryMs: number[] = [];
    let duplicates = 0;
    let resets = 0;
    let peak = { rows: 0, bytes: 0, rssMb: 0 };
    let graphPeakRssMb = 0;
    // How far ingest itself is behind the simulator's clock, and the tail behind the stream (sampled).
    const ingestLag: number[] = [];
    const tailLag: number[] = [];
    let lastSample = 0;
    const endAt = startMs + rate.seconds * 1000;
    while (Date.now() < endAt) {
      if (ingest.child.exitCode !== null) throw new Error(`ingest exited; see ${ingest.logPath}`);
      const t0 = performance.now();
      const post = () =>
        fetch(graph.endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: QUERY, variables: { first: PAGE } }),
        });
      // A reused keep-alive socket the server has just closed fails the request (ECONNRESET): sent again once.
      const res = await post().catch((err: Error) => {
        resets++;
        log(`[bench] freshness: poll failed (${String(err.cause ?? err.message)}), sent again`);
        return post();
      });
      const body = (await res.json()) as {
        data?: { searchPosts: { edges: { node: { uri: string; indexedAt: string } }[] } };
        errors?: unknown[];
      };
      const at = Date.now();
      queryMs.push(performance.now() - t0);
      if (!body.data) throw new Error(`searchPosts failed: ${JSON.stringify(body.errors)}`);
      const uris = body.data.searchPosts.edges.map((e) => e.node.uri);
      if (new Set(uris).size !== uris.length) duplicates++;
      for (const { node } of body.data.searchPosts.edges) {
        if (seen.has(node.uri)) continue;
        seen.add(node.uri);
        const indexedMs = Date.parse(node.indexedAt);
        // Posts received before polling began would count the wait for the first poll.
        if (indexedMs >= startMs) latencies.push(at - indexedMs);
      }
      if (at - lastSample >= 2000) {
        lastSample = at;
        const text = await (await fetch(`http://127.0.0.1:${graphMetricsPort}/metrics`)).text();
        const rows = metricValue(text, 'graph_tail_rows', { table: 'posts' });
        tailLag.push(metricValue(text, 'graph_tail_lag_seconds') * 1000);
        const ingestText = await (await fetch(`http://127.0.0.1:${ingestPort}/metrics`)).text();
        ingestLag.push(metricValue(ingestText, 'ingest_lag_seconds') * 1000);
        const rss = await rssMb(graph.service.pid);
        graphPeakRssMb = Math.max(graphPeakRssMb, rss);
        if (rows >= peak.rows) peak = { rows, bytes: metricValue(text, 'graph_tail_bytes'), rssMb: rss };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const ingestMetrics = await (await fetch(`http://127.0.0.1:${ingestPort}/metrics`)).text();
    const latency = summarize(latencies);
    const search = summarize(queryMs);
    s.done(
      latencies.length,
      'posts',
      `p95 ${latency.p95Ms} ms received → searchable; tail peak ${peak.rows} rows, graph RSS ${peak.rssMb.toFixed(0)} MB`,
    );
    return {
      postsPerSecond: rate.postsPerSecond,
      seconds: (Date.now() - startMs) / 1000,
      flushIntervalMs: FLUSH_INTERVAL_MS,
      postsMeasured: latencies.length,
      latencyMs: { p50: latency.p50Ms, p95: latency.p95Ms, p99: latency.p99Ms, max: latency.maxMs },
      pollQueryMs: { p50: search.p50Ms, p95: search.p95Ms },
      ingestLagMs: { p50: summarize(ingestLag).p50Ms, p95: summarize(ingestLag).p95Ms },
      tailLagMs: { p50: summarize(tailLag).p50Ms, p95: summarize(tailLag).p95Ms },
      pagesWithDuplicates: duplicates,
      pollsSentAgain: resets,
      flushes: metricValue(ingestMetrics, 'ingest_flush_duration_seconds_count'),
      peakTailRows: peak.rows,
      peakTailBytes: peak.bytes,
      graphRssAtPeakTailMb: peak.rssMb,
      graphPeakRssMb: Math.max(graphPeakRssMb, (await graph.service.peakRss()) / 2 ** 20),
    };
  } finally {
    await live.stop();
  }
}

/** Each rate in turn (`rates`: the two by default; the smoke test passes a short one). */
export async function runFreshness(
  o: BenchOptions,
  paths: BenchPaths,
  log: Log,
  rates: readonly FreshnessRate[] = FRESHNESS_RUNS,
): Promise<FreshnessResult> {
  const runs: FreshnessRun[] = [];
  const failed: string[] = [];
  // One rate failing keeps the other's figures.
  for (const rate of rates) {
    try {
      runs.push(await runOnce(rate, o, paths, log));
    } catch (err) {
      failed.push(`${rate.postsPerSecond} posts/s: ${(err as Error).message}`);
      log(`[bench] freshness: ${rate.postsPerSecond} posts/s FAILED: ${(err as Error).message}`);
    }
  }
  return { runs, ...(failed.length ? { failed } : {}) };
}
