// `tsx tools/bench/src/explain.ts --out ./bench-data [--text WORD] [--author DID]`: where the time of a search goes.
// Times, on the generated data, the pieces of the read path's query one by one (scan + filter + top-N; the
// visibility anti-joins; count) with DuckDB's EXPLAIN ANALYZE, and saves the plans beside the data.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listDataFiles, postsWithDerivedColumns } from '@bsky-explorer/storage';
import { openDuck, sqlString } from './duck';
import { benchPaths } from './paths';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};

async function main(): Promise<void> {
  const paths = benchPaths(arg('out') ?? './bench-data');
  const mix = JSON.parse(await readFile(join(paths.out, 'query-mix.json'), 'utf8').catch(() => '[]')) as {
    name: string;
    args: { text?: string; author?: string };
  }[];
  const text = (arg('text') ?? mix.find((m) => m.name === 'common')?.args.text ?? 'the').toLowerCase();
  const author = arg('author') ?? mix.find((m) => m.name === 'author')?.args.author;
  const list = async (t: 'posts' | 'tombstones' | 'accounts') =>
    `[${(await listDataFiles(paths.dataDir, t)).map(sqlString).join(', ')}]`;
  // Posts with uri and time_us derived (compacted files store them as NULL: posts-columns.ts).
  const posts = postsWithDerivedColumns(`read_parquet(${await list('posts')})`);
  const tombs = await list('tombstones');
  const accts = await list('accounts');
  const duck = await openDuck(paths.out, { threads: Number(arg('threads') ?? 2) });
  const visible = (where: string) => `WITH candidates AS NOT MATERIALIZED (SELECT * FROM ${posts} p WHERE ${where}),
    hides AS (SELECT uri, kind, time_us FROM read_parquet(${tombs}) UNION ALL SELECT uri, 'supersede', time_us FROM ${posts} WHERE operation = 'update'),
    inactive AS (SELECT did FROM read_parquet(${accts}) GROUP BY did HAVING NOT arg_max(active, time_us)),
    visible AS (SELECT p.* FROM candidates p WHERE NOT EXISTS (SELECT 1 FROM hides h WHERE h.uri = p.uri AND (h.kind = 'delete' OR h.time_us > p.time_us))
      AND NOT EXISTS (SELECT 1 FROM inactive a WHERE a.did = p.did))`;
  const w = `contains(lower(p.text), ${sqlString(text)})`;
  const cases: [string, string][] = [
    ['scan-count-only', `SELECT count(*) FROM ${posts} p`],
    ['scan-text-contains', `SELECT count(*) FROM ${posts} p WHERE contains(p.text, ${sqlString(text)})`],
    ['scan-text-lower-contains', `SELECT count(*) FROM ${posts} p WHERE ${w}`],
    [
      'topn-text',
      `SELECT p.indexed_at, p.uri FROM ${posts} p WHERE ${w} ORDER BY p.indexed_at DESC, p.uri DESC LIMIT 51`,
    ],
    [
      'topn-text-visible',
      `${visible(w)} SELECT p.indexed_at, p.uri FROM visible p ORDER BY p.indexed_at DESC, p.uri DESC LIMIT 51`,
    ],
    ['count-text-visible', `${visible(w)} SELECT count(DISTINCT p.uri) FROM visible p`],
  ];
  if (author)
    cases.push([
      'topn-author',
      `SELECT p.indexed_at, p.uri FROM ${posts} p WHERE p.did = ${sqlString(author)} ORDER BY p.indexed_at DESC, p.uri DESC LIMIT 51`,
    ]);
  const lines: string[] = [`text=${text} author=${author ?? '-'}`];
  try {
    for (const [name, sql] of cases) {
      await duck.all(sql); // warm
      const t = performance.now();
      await duck.all(sql);
      const ms = performance.now() - t;
      const plan = await duck.all<{ explain_value: string }>(`EXPLAIN ANALYZE ${sql}`);
      const planText = plan.map((r) => r.explain_value).join('\n');
      await writeFile(join(paths.out, `explain-${name}.txt`), planText);
      lines.push(`${name.padEnd(26)} ${ms.toFixed(0).padStart(6)} ms`);
      process.stderr.write(`${lines.at(-1)}\n`);
    }
  } finally {
    duck.close();
  }
  await writeFile(join(paths.out, 'explain-summary.txt'), lines.join('\n') + '\n');
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
