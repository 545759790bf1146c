import type { PostRow, TableRow } from '@bsky-explorer/schema';
import {
  ENTRY_FIELDS,
  LinesWriter,
  decodeEntry,
  flushPayload,
  ingestKeys,
  nextStreamId,
  rowsOfPayload,
  writeFlushBatch,
} from '@bsky-explorer/storage';
import { freePort, startRedis, waitFor, type RedisServer } from '@bsky-explorer/testing';
import { Redis } from 'ioredis';
import { memoryLogger, post, startTestGraph, type TestGraph } from './_util';

// Freshness (issue #12): posts ingest has buffered in Redis are searchable before their flush, through real HTTP,
// exactly once across the flush. Ingest's side is played by its stream contract (libs/storage stream/): one entry
// per batch, files named after the id range, then flushed-through and the trim in one MULTI.

const keys = ingestKeys('ingest:');
const SEARCH = `query ($text: String) {
  searchPosts(text: $text, first: 100) { totalCount edges { node { uri } } }
  topLangs { value count }
}`;

describe('freshness: the tail of the ingest stream', () => {
  let redis: RedisServer;
  let writer: Redis;
  const graphs: TestGraph[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    writer = new Redis(redis.url);
  });
  afterAll(async () => {
    writer.disconnect();
    await redis.stop();
  });
  beforeEach(async () => {
    await writer.flushall();
  });
  afterEach(async () => {
    for (const g of graphs.splice(0).reverse()) await g.close();
  });

  const start = async (env: Record<string, string> = {}, dataDir?: string, logger = memoryLogger().logger) => {
    const g = await startTestGraph(
      [],
      { REDIS_URL: redis.url, ...(dataDir ? { DATA_DIR: dataDir } : {}), ...env },
      {
        listen: true,
        logger,
      },
    );
    graphs.push(g);
    return g;
  };
  const append = async (posts: PostRow[]) => {
    const lines = new LinesWriter();
    for (const row of posts) lines.add([{ table: 'posts', row }]);
    const F = ENTRY_FIELDS;
    const bytes = Buffer.from(lines.bytes());
    await writer.xadd(
      keys.stream,
      '*',
      F.rows,
      bytes,
      F.skip,
      '',
      F.rawBytes,
      bytes.length,
      F.rowCount,
      posts.length,
      F.events,
      posts.length,
    );
  };
  const flush = async (dataDir: string) => {
    const from = nextStreamId((await writer.get(keys.flushedThrough)) ?? '0-0');
    const entries = (await writer.xrangeBuffer(keys.stream, from, '+')).map(([id, f]) => decodeEntry(id.toString(), f));
    const [first, last] = [entries[0].id, entries[entries.length - 1].id];
    const rows: TableRow[] = rowsOfPayload(flushPayload(entries));
    await writeFlushBatch(dataDir, { firstId: first, lastId: last, rows });
    await writer.multi().xtrim(keys.stream, 'MINID', nextStreamId(last)).set(keys.flushedThrough, last).exec();
  };
  const search = async (g: TestGraph, text?: string) => {
    const res = await g.http<{
      searchPosts: { totalCount: number; edges: { node: { uri: string } }[] };
      topLangs: { value: string; count: number }[];
    }>(SEARCH, { text });
    expect(res.errors).toBeUndefined();
    const uris = res.data!.searchPosts.edges.map((e) => e.node.uri);
    return { uris, total: res.data!.searchPosts.totalCount, en: res.data!.topLangs[0]?.count ?? 0 };
  };
  const metric = async (g: TestGraph, line: string) =>
    (await (await fetch(`${g.graph.url}/metrics`)).text()).includes(line);

  it('finds a post before its flush and exactly once across it, under concurrent requests', async () => {
    const g = await start();
    const a = post({ text: 'fresh coffee' });
    await append([a]);
    await waitFor('a searchable before its flush', async () => (await search(g, 'coffee')).total === 1);
    const lookup = await g.http<{ post: { uri: string } | null }>(`{ post(uri: "${a.uri}") { uri } }`);
    expect(lookup.data?.post?.uri).toBe(a.uri);
    expect(await metric(g, 'graph_tail_rows{table="posts"} 1')).toBe(true);
    expect(await metric(g, 'graph_tail_redis_connected 1')).toBe(true);
    // Its text index: the tokens "fresh" and "coffee", one posting each.
    expect(await metric(g, 'graph_tail_index_tokens 2')).toBe(true);
    expect(await metric(g, 'graph_tail_index_postings 2')).toBe(true);

    const more = [post({ text: 'more coffee' }), post({ text: 'coffee again' })];
    let stop = false;
    const seen: string[] = [];
    const client = async () => {
      while (!stop) {
        const r = await search(g, 'coffee');
        // Page, totalCount and topLangs are three reads: posts arriving between them may show in a later one only.
        if (new Set(r.uris).size !== r.uris.length) seen.push(`a post twice in ${r.uris.length} rows`);
        if (r.total < r.uris.length || r.total > 3 || r.en > 3) seen.push(`total ${r.total}, en ${r.en}`);
        if (!r.uris.includes(a.uri)) seen.push('a went missing');
      }
    };
    const clients = [client(), client(), client()];
    await flush(g.dataDir);
    await append(more);
    await waitFor('all three', async () => (await search(g, 'coffee')).total === 3);
    await flush(g.dataDir);
    await waitFor('tail pruned', () => metric(g, 'graph_tail_rows{table="posts"} 0'));
    expect(await metric(g, 'graph_tail_index_postings 0')).toBe(true);
    stop = true;
    await Promise.all(clients);
    expect(seen).toEqual([]);
    expect((await search(g, 'coffee')).uris.sort()).toEqual([a, ...more].map((p) => p.uri).sort());
  });

  it('rebuilds the tail from Redis when the graph restarts', async () => {
    const first = await start();
    const a = post({ text: 'kept across restarts' });
    await append([a]);
    await waitFor('a in the tail', async () => (await search(first, 'restarts')).total === 1);
    await first.graph.stop();
    const again = await start({}, first.dataDir);
    await waitFor('a back after restart', async () => (await search(again, 'restarts')).total === 1);
  });

  it('answers from Parquet with no error while Redis is unreachable, and says so in a metric and the log', async () => {
    const log = memoryLogger();
    const g = await start({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` }, undefined, log.logger);
    await writeFlushBatch(g.dataDir, {
      firstId: '1-0',
      lastId: '1-0',
      rows: [{ table: 'posts', row: post({ text: 'old news' }) }],
    });
    expect((await search(g, 'news')).total).toBe(1);
    await waitFor('logged', () => log.lines().some((l) => /Redis unreachable/.test(l.msg)));
    expect(await metric(g, 'graph_tail_redis_connected 0')).toBe(true);
  });
});
