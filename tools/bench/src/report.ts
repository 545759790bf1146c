// Renders BENCHMARKS.md from the JSON results of one or more runs (newest run per data size).
import type { BenchResult, QueryResult, SearchSystemResult } from './result';

type Cell = string;
const DASH = '—';

const num = (n: number | undefined, digits = 0): Cell =>
  n === undefined || !Number.isFinite(n)
    ? DASH
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ms = (n: number | undefined): Cell =>
  n === undefined ? DASH : n >= 10_000 ? `${num(n / 1000, 1)} s` : `${num(n, n < 10 ? 1 : 0)} ms`;
const secs = (n: number | undefined): Cell => (n === undefined ? DASH : `${num(n, n < 10 ? 2 : 1)} s`);
const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

/** "×r" where r > 1 means ours is better; `lowerIsBetter` for times and sizes. */
export function ratio(ours: number | undefined, peer: number | undefined, lowerIsBetter: boolean): Cell {
  if (ours === undefined || peer === undefined || !(ours > 0) || !(peer > 0)) return DASH;
  const r = lowerIsBetter ? peer / ours : ours / peer;
  // Below 0.1 the inverse reads better: 1/500 rather than ×0.002.
  return r >= 100 ? `×${num(r)}` : r >= 0.1 ? `×${num(r, 1)}` : `1/${num(1 / r)}`;
}

const ratios = (ours: number | undefined, a: number | undefined, b: number | undefined, lower: boolean): Cell =>
  a === undefined && b === undefined ? DASH : `${ratio(ours, a, lower)} / ${ratio(ours, b, lower)}`;

export function searchTarget(days: number): { label: string; ms?: number } {
  if (days <= 1) return { label: '< 300 ms', ms: 300 };
  if (days >= 30) return { label: '< 2 s', ms: 2000 };
  return { label: '(< 300 ms at 1 d, < 2 s at 30 d)' };
}

/** Metric names of the main table, in order; the smoke test checks that each one is rendered. */
export const METRIC_ROWS = [
  'ingest, sim → Redis → Parquet (posts/s)',
  'flush of ~30k posts',
  'ingest peak RSS',
  'storage, bytes per post',
  'storage, smaller than raw Jetstream JSON',
  'search p95: rare word',
  'search p95: common word',
  'search p95: two words',
  'search p95: phrase',
  'search p95: author only',
  'search p95: author + text',
  'search p95: one-day range',
  'search p95: full range',
  'search p95: page 20 via cursor',
  'search p95: totalCount',
  'search overall p50',
  'search overall p95',
  'search overall p99',
  'export of 1M rows',
] as const;

const QUERY_ROW: Record<string, string> = {
  rare: 'rare word',
  common: 'common word',
  twoWords: 'two words',
  phrase: 'phrase',
  author: 'author only',
  authorText: 'author + text',
  oneDay: 'one-day range',
  fullRange: 'full range',
  page20: 'page 20 via cursor',
  totalCount: 'totalCount',
};

const findQ = (s: SearchSystemResult | undefined, name: string): QueryResult | undefined =>
  s?.queries.find((q) => q.name === name);
const mark = (ok: boolean | undefined): string => (ok === undefined ? '' : ok ? ' ✅' : ' ❌');

function mainTable(r: BenchResult): string {
  const rows: Cell[][] = [];
  const add = (metric: string, target: Cell, ours: Cell, duck: Cell, pg: Cell, rat: Cell) =>
    rows.push([metric, target, ours, duck, pg, rat]);
  const ing = r.ingest;
  add(
    METRIC_ROWS[0],
    '≥ 50,000',
    ing ? num(ing.postsPerSecond) + mark(ing.postsPerSecond >= 50_000) : DASH,
    ing ? `${num(ing.duckdbCopy.rowsPerSecond)} (COPY read_json → Parquet)` : DASH,
    DASH,
    ing ? `${ratio(ing.postsPerSecond, ing.duckdbCopy.rowsPerSecond, false)} / ${DASH}` : DASH,
  );
  add(
    METRIC_ROWS[1],
    '< 1 s',
    ing
      ? `${ms(ing.flushMeanMs)} mean of ${ing.flushes} (${num(ing.flushMaxRows)} rows max)` +
          mark(ing.flushMeanMs < 1000)
      : DASH,
    DASH,
    DASH,
    DASH,
  );
  add(
    METRIC_ROWS[2],
    '< 512 MB',
    ing ? `${num(ing.peakRssMb)} MB` + mark(ing.peakRssMb < 512) : DASH,
    DASH,
    DASH,
    DASH,
  );
  const st = r.storage;
  add(
    METRIC_ROWS[3],
    DASH,
    st ? num(st.bytesPerPost, 1) : DASH,
    st ? `${num(st.rawJsonBytesPerPost, 1)} (raw NDJSON)` : DASH,
    st?.postgresBytesPerPost !== undefined ? `${num(st.postgresBytesPerPost, 1)} (heap + indexes)` : DASH,
    st ? ratios(st.bytesPerPost, st.rawJsonBytesPerPost, st.postgresBytesPerPost, true) : DASH,
  );
  add(
    METRIC_ROWS[4],
    '≥ 85 %',
    st ? `${num(st.pctSmaller, 1)} %` + mark(st.pctSmaller >= 85) : DASH,
    '0 % (it is the raw JSON)',
    st?.postgresBytesPerPost !== undefined
      ? `${num(100 * (1 - st.postgresBytesPerPost / st.rawJsonBytesPerPost), 1)} %`
      : DASH,
    DASH,
  );
  const s = r.search;
  const target = searchTarget(r.options.days);
  for (const [name, label] of Object.entries(QUERY_ROW)) {
    const o = findQ(s?.ours, name);
    const d = findQ(s?.peers.duckdbNdjson, name);
    const p = findQ(s?.peers.postgres, name);
    const okTarget = o && !o.error && target.ms !== undefined ? o.warm.p95Ms < target.ms : undefined;
    const cell = (q: QueryResult | undefined) =>
      !q ? DASH : q.error ? `error: ${q.error.slice(0, 60)}` : ms(q.warm.p95Ms);
    add(
      `search p95: ${label}`,
      target.label,
      cell(o) + mark(okTarget),
      cell(d),
      cell(p),
      ratios(o?.warm.p95Ms, d?.error ? undefined : d?.warm.p95Ms, p?.error ? undefined : p?.warm.p95Ms, true),
    );
  }
  for (const [k, key] of [
    ['p50', 'p50Ms'],
    ['p95', 'p95Ms'],
    ['p99', 'p99Ms'],
  ] as const) {
    const o = s?.ours.overall[key];
    const d = s?.peers.duckdbNdjson?.overall[key];
    const p = s?.peers.postgres?.overall[key];
    add(
      `search overall ${k}`,
      k === 'p95' ? target.label : DASH,
      ms(o) + (k === 'p95' && o !== undefined && target.ms !== undefined ? mark(o < target.ms) : ''),
      ms(d),
      ms(p),
      ratios(o, d, p, true),
    );
  }
  const ex = r.export;
  const exRows = ex ? ` (${num(ex.rows)} rows)` : '';
  add(
    METRIC_ROWS[18],
    '< 10 s',
    ex ? secs(ex.seconds) + exRows + mark(ex.seconds < 10) : DASH,
    ex?.peers.duckdbNdjson ? secs(ex.peers.duckdbNdjson.seconds) : DASH,
    ex?.peers.postgres ? secs(ex.peers.postgres.seconds) : DASH,
    ex ? ratios(ex.seconds, ex.peers.duckdbNdjson?.seconds, ex.peers.postgres?.seconds, true) : DASH,
  );
  const header = [
    'metric',
    'target',
    'ours',
    'DuckDB over raw NDJSON',
    'PostgreSQL 15 + pg_trgm',
    'ratio (peer ÷ ours: DuckDB / PG)',
  ];
  return table(header, rows);
}

function table(header: Cell[], rows: Cell[][]): string {
  const esc = (c: Cell) => c.replace(/\|/g, '\\|');
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

function queryDetail(r: BenchResult): string {
  const s = r.search;
  if (!s) return '';
  const systems: [string, SearchSystemResult | undefined][] = [
    ['ours (GraphQL over HTTP)', s.ours],
    ['DuckDB NDJSON', s.peers.duckdbNdjson],
    ['PostgreSQL', s.peers.postgres],
  ];
  const rows: Cell[][] = [];
  for (const q of s.ours.queries) {
    for (const [label, sys] of systems) {
      const x = findQ(sys, q.name);
      if (!x) continue;
      rows.push([
        QUERY_ROW[q.name] ?? q.name,
        label,
        x.error ? `error: ${x.error.slice(0, 80)}` : ms(x.coldMs),
        ms(x.warm.p50Ms),
        ms(x.warm.p95Ms),
        ms(x.warm.p99Ms),
        String(x.warm.n),
        num(x.hits),
      ]);
    }
  }
  const mix = s.mix.map((m) => `- \`${m.name}\`: ${m.description ?? ''} \`${JSON.stringify(m.args)}\``).join('\n');
  return `#### Search detail\n\n${table(['query', 'system', 'cold', 'p50', 'p95', 'p99', 'warm runs', 'hits'], rows)}\n\nQuery mix (chosen from the generated data):\n\n${mix}\n`;
}

function dataSection(r: BenchResult): string {
  const lines: string[] = [];
  const d = r.data;
  if (d) {
    lines.push(
      `- data: ${d.days} day(s) × ${num(d.postsPerDay)} posts/day; stored ${num(d.postRowsStored)} post rows in ${d.files} file(s), ${gib(d.postBytesStored)}` +
        (d.reused ? ' (reused from an earlier run)' : ''),
      `- generation (day 1, simulator's generator → rows): ${num(d.events)} events (${num(d.posts)} posts, ${num(d.updates)} updates, ${num(d.deletes)} deletes, ${num(d.accountEvents)} account events) in ${secs(d.generateSeconds)} = ${num(d.eventsPerSecond)} events/s`,
    );
    if (d.derivedDays > 0)
      lines.push(
        `- ${d.derivedDays} further day(s) derived in DuckDB from day 1 (shifted by whole days, rkeys rewritten) in ${secs(d.deriveSeconds)}`,
      );
    lines.push(`- compaction (libs/storage compactDay) of all days: ${secs(d.compactSeconds)}`);
  }
  const ps = r.search?.peers;
  if (ps?.postgres)
    lines.push(
      `- PostgreSQL load: COPY ${secs(ps.postgres.setup.loadSeconds)}, indexes ${secs(ps.postgres.setup.indexSeconds)}${ps.postgres.setup.bytes ? `, ${gib(ps.postgres.setup.bytes)} on disk` : ''}${ps.postgres.setup.note ? `; ${ps.postgres.setup.note}` : ''}`,
    );
  if (ps?.duckdbNdjson) lines.push(`- DuckDB over NDJSON: ${ps.duckdbNdjson.setup.note ?? ''}`);
  if (r.ingest)
    lines.push(
      `- ingest run: ${num(r.ingest.posts)} posts in ${secs(r.ingest.seconds)}; Parquet ${num(r.ingest.parquetBytes)} B vs raw JSON ${num(r.ingest.rawJsonBytes)} B; DuckDB COPY of the same NDJSON: ${num(r.ingest.duckdbCopy.rows)} rows in ${secs(r.ingest.duckdbCopy.seconds)}, ${num(r.ingest.duckdbCopy.bytes)} B`,
    );
  const st = r.storage;
  if (st?.postFilesBytesPerPost !== undefined)
    lines.push(
      `- storage: posts files alone ${num(st.postFilesBytesPerPost, 1)} B/post (${num(100 * (1 - st.postFilesBytesPerPost / st.rawJsonBytesPerPost), 1)} % smaller than raw JSON); the rest is the side files (by-author, by-uri and, since 2026-11-28, the token files), tombstones and accounts`,
    );
  for (const n of r.notes) lines.push(`- note: ${n}`);
  return lines.join('\n');
}

export function renderRun(r: BenchResult): string {
  const m = r.machine;
  return [
    `### ${r.options.days} day(s) — ${num(r.options.days * r.options.postsPerDay)} posts — ${r.startedAt.slice(0, 10)}`,
    '',
    `Machine: ${m.nproc} cores (${m.cpuModel}), ${gib(m.memoryBytes)} RAM, disk ${m.disk}, Node ${m.node}, ${m.os}. ` +
      (r.git ? `Code: ${r.git.commit}${r.git.dirty ? ' + uncommitted changes' : ''}. ` : '') +
      `Run ${r.startedAt} → ${r.finishedAt}; phases ${r.options.phases.join(', ')}; warm runs per query: ${r.options.runs} (peers ${r.options.peerRuns}).`,
    '',
    mainTable(r),
    '',
    dataSection(r),
    '',
    queryDetail(r),
  ].join('\n');
}

/** The whole BENCHMARKS.md: the newest run of each size, largest first, then hand-written analysis if any. */
export function renderReport(results: BenchResult[], analysis = ''): string {
  const newest = new Map<number, BenchResult>();
  for (const r of results) {
    const prev = newest.get(r.options.days);
    if (!prev || prev.startedAt < r.startedAt) newest.set(r.options.days, r);
  }
  const runs = [...newest.values()].sort((a, b) => a.options.days - b.options.days);
  return [
    '# Benchmarks',
    '',
    'Generated by `npm run bench` (tools/bench) from `benchmarks/*.json`; targets from DESIGN.md "Targets". ' +
      '✅/❌ mark a target met or missed. Latencies are measured at the client: searches through the GraphQL server over HTTP; ' +
      'peers through their own client on the same data and machine. "ratio" is peer ÷ ours for times and sizes, ours ÷ peer for rates (> 1: ours is better).',
    '',
    ...runs.map(renderRun),
    analysis.trim() ? `\n## Analysis\n\n${analysis.trim()}\n` : '',
  ].join('\n');
}
