// Renders BENCHMARKS.md from the result files: the newest run of each scale first, then every other file in an
// archive. Each section is one file as it was written: a phase the run skipped says so, never another run's figure.
import { aggregationTarget } from './analyst-mix';
import { OVERHEAD_PHASE, RESOLVER_PHASE } from './measure';
import { RESULT_FORMAT, type BenchResult, type PhaseRecord, type QueryResult, type SearchSystemResult } from './result';

type Cell = string;
const DASH = '—';
/** A cell of a phase (or a peer) the run did not measure; DASH means the cell does not apply. */
export const NOT_MEASURED = 'not measured in this run';

export interface ResultFile {
  file: string;
  result: BenchResult;
}

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

/** DESIGN.md "Targets": a page p95 ≤ 50 ms at 1 day and ≤ 150 ms at 30 days; totalCount ≤ 300 ms and ≤ 1 s. */
export function searchTarget(days: number, query?: string): { label: string; ms?: number } {
  const count = query === 'totalCount';
  if (days <= 1) return count ? { label: '≤ 300 ms', ms: 300 } : { label: '≤ 50 ms', ms: 50 };
  if (days >= 30) return count ? { label: '≤ 1 s', ms: 1000 } : { label: '≤ 150 ms', ms: 150 };
  return { label: count ? '(≤ 300 ms at 1 d, ≤ 1 s at 30 d)' : '(≤ 50 ms at 1 d, ≤ 150 ms at 30 d)' };
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
  'freshness p95, received → searchable, 100 posts/s',
  'freshness p95, received → searchable, 2,000 posts/s',
  'graph RSS, full 5-minute tail at 2,000 posts/s',
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

/**
 * The ingest rate against its target. With the receive time measured (runs since d618127): the steady-state rate,
 * the lower of posts received per second and posts flushed per second from 10 % to 90 % — what a continuous
 * firehose gets through; the burst's end-to-end rate and its drain beside it. Older runs: end to end.
 */
function ingestRateCell(ing: NonNullable<BenchResult['ingest']>): string {
  const sustained = ing.sustainedPostsPerSecond;
  if (ing.receivedSeconds === undefined || ing.drainSeconds === undefined || sustained === undefined) {
    const note =
      sustained === undefined ? '' : ` (sustained ${num(sustained)}: from 10 % to 90 % of the posts flushed)`;
    return num(ing.postsPerSecond) + mark(ing.postsPerSecond >= 50_000) + note;
  }
  const received = ing.posts / ing.receivedSeconds;
  const steady = Math.min(received, sustained);
  return (
    `${num(steady)}${mark(steady >= 50_000)} steady state (received ${num(received)}/s, flushed ${num(sustained)}/s ` +
    `from 10 % to 90 %; the lower); the ${num(ing.posts)}-post burst end to end ${num(ing.postsPerSecond)}/s, ` +
    `of which ${ing.drainSeconds.toFixed(1)} s drain after the last event (FLUSH_SAFETY_LAG_MS, then one interval)`
  );
}

function mainTable(r: BenchResult): string {
  const rows: Cell[][] = [];
  const add = (metric: string, target: Cell, ours: Cell, duck: Cell, pg: Cell, rat: Cell) =>
    rows.push([metric, target, ours, duck, pg, rat]);
  const NM = NOT_MEASURED;
  const ing = r.ingest;
  add(
    METRIC_ROWS[0],
    '≥ 50,000',
    ing ? ingestRateCell(ing) : NM,
    ing ? `${num(ing.duckdbCopy.rowsPerSecond)} (COPY read_json → Parquet)` : NM,
    DASH,
    ing ? `${ratio(ing.postsPerSecond, ing.duckdbCopy.rowsPerSecond, false)} / ${DASH}` : DASH,
  );
  add(
    METRIC_ROWS[1],
    '< 1 s',
    ing
      ? `${ms(ing.flushMeanMs)} mean of ${ing.flushes} (${num(ing.flushMaxRows)} rows max)` +
          mark(ing.flushMeanMs < 1000)
      : NM,
    DASH,
    DASH,
    DASH,
  );
  add(METRIC_ROWS[2], '< 512 MB', ing ? `${num(ing.peakRssMb)} MB` + mark(ing.peakRssMb < 512) : NM, DASH, DASH, DASH);
  const st = r.storage;
  const pgBytes = st?.postgresBytesPerPost;
  add(
    METRIC_ROWS[3],
    DASH,
    st ? num(st.bytesPerPost, 1) : NM,
    st ? `${num(st.rawJsonBytesPerPost, 1)} (raw NDJSON)` : NM,
    pgBytes !== undefined ? `${num(pgBytes, 1)} (heap + indexes)` : NM,
    st ? ratios(st.bytesPerPost, st.rawJsonBytesPerPost, pgBytes, true) : DASH,
  );
  add(
    METRIC_ROWS[4],
    '≥ 85 %',
    st ? `${num(st.pctSmaller, 1)} %` + mark(st.pctSmaller >= 85) : NM,
    '0 % (it is the raw JSON)',
    st && pgBytes !== undefined ? `${num(100 * (1 - pgBytes / st.rawJsonBytesPerPost), 1)} %` : NM,
    DASH,
  );
  const s = r.search;
  // A peer is compared with ours only on the same queries: same mix id (files without ids are shown as written).
  const comparable = (peer: SearchSystemResult | undefined) =>
    peer && peer.mixId === s?.ours.mixId ? peer : undefined;
  const duck = comparable(s?.peers.duckdbNdjson);
  const pg = comparable(s?.peers.postgres);
  const peerCell = (sys: SearchSystemResult | undefined, q: QueryResult | undefined) =>
    !sys ? NM : !q ? DASH : q.error ? `error: ${q.error.slice(0, 60)}` : ms(q.warm.p95Ms);
  for (const [name, label] of Object.entries(QUERY_ROW)) {
    const target = searchTarget(r.options.days, name);
    const o = findQ(s?.ours, name);
    const d = findQ(duck, name);
    const p = findQ(pg, name);
    const okTarget = o && !o.error && target.ms !== undefined ? o.warm.p95Ms <= target.ms : undefined;
    add(
      `search p95: ${label}`,
      target.label,
      s ? peerCell(s.ours, o) + mark(okTarget) : NM,
      peerCell(duck, d),
      peerCell(pg, p),
      ratios(o?.warm.p95Ms, d?.error ? undefined : d?.warm.p95Ms, p?.error ? undefined : p?.warm.p95Ms, true),
    );
  }
  for (const [k, key] of [
    ['p50', 'p50Ms'],
    ['p95', 'p95Ms'],
    ['p99', 'p99Ms'],
  ] as const) {
    const o = s?.ours.overall[key];
    const d = duck?.overall[key];
    const p = pg?.overall[key];
    // The overall figures mix pages and counts, which have different targets: none is marked here.
    add(`search overall ${k}`, DASH, s ? ms(o) : NM, duck ? ms(d) : NM, pg ? ms(p) : NM, ratios(o, d, p, true));
  }
  const ex = r.export;
  const exRows = ex ? ` (${num(ex.rows)} rows)` : '';
  add(
    METRIC_ROWS[18],
    '< 10 s',
    ex ? secs(ex.seconds) + exRows + mark(ex.seconds < 10) : NM,
    ex?.peers.duckdbNdjson ? secs(ex.peers.duckdbNdjson.seconds) : NM,
    ex?.peers.postgres ? secs(ex.peers.postgres.seconds) : NM,
    ex ? ratios(ex.seconds, ex.peers.duckdbNdjson?.seconds, ex.peers.postgres?.seconds, true) : DASH,
  );
  // Freshness (5-minute flushes): the peers have no ingest; a PostgreSQL fed row by row would be fresh at once.
  const fresh = (rate: number) => r.freshness?.runs.find((f) => f.postsPerSecond === rate);
  for (const [i, rate] of [
    [19, 100],
    [20, 2000],
  ] as const) {
    const f = fresh(rate);
    add(
      METRIC_ROWS[i],
      '≤ 5 s',
      f ? `${ms(f.latencyMs.p95)} (${num(f.postsMeasured)} posts)` + mark(f.latencyMs.p95 <= 5000) : NM,
      DASH,
      DASH,
      DASH,
    );
  }
  const full = fresh(2000);
  add(
    METRIC_ROWS[21],
    DASH,
    full ? `${num(full.graphRssAtPeakTailMb)} MB (${num(full.peakTailRows)} tail rows)` : NM,
    DASH,
    DASH,
    DASH,
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

const hitsCell = (q: QueryResult): Cell =>
  num(q.hits) + (q.totalCountIsExact === undefined ? '' : q.totalCountIsExact ? ' (exact)' : ' (not exact)');

function queryDetail(r: BenchResult): string {
  const s = r.search;
  if (!s) return `#### Search detail\n\nSearch: ${NOT_MEASURED}.\n`;
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
        hitsCell(x),
      ]);
    }
  }
  const specs = r.mix?.queries ?? s.mix ?? [];
  const list = specs.map((m) => `- \`${m.name}\`: ${m.description ?? ''} \`${JSON.stringify(m.args)}\``).join('\n');
  const source = r.mix
    ? `Query mix ${r.mix.id}, run by every system above, from ${r.mix.source}:`
    : 'Query mix (chosen from the generated data; see the notes for what the peers ran):';
  const peersOff = !s.peers.duckdbNdjson && !s.peers.postgres ? `\n\nPeers: ${NOT_MEASURED}.` : '';
  return `#### Search detail\n\n${table(['query', 'system', 'cold', 'p50', 'p95', 'p99', 'warm runs', 'hits'], rows)}${peersOff}\n\n${source}\n\n${list}\n`;
}

/** The analyst mix (ours only): each query with its target (aggregations, or the search page target for filters). */
function analystSection(r: BenchResult): string {
  const a = r.analyst;
  const specs = r.mix?.analyst ?? [];
  if (!a || specs.length === 0) return `#### Analyst queries (issue 11)\n\nAnalyst queries: ${NOT_MEASURED}.\n`;
  const rows = a.queries.map((q) => {
    const spec = specs.find((x) => x.name === q.name);
    const target = spec?.kind === 'aggregation' ? aggregationTarget(r.options.days) : searchTarget(r.options.days);
    const met = target.ms === undefined || q.error ? undefined : q.warm.p95Ms <= target.ms;
    return [
      `\`${q.name}\``,
      q.description,
      target.label,
      q.error ? `error: ${q.error.slice(0, 80)}` : ms(q.warm.p95Ms) + mark(met),
      ms(q.warm.p50Ms),
      ms(q.coldMs),
      String(q.warm.n),
      num(q.hits),
    ];
  });
  const list = specs.map((x) => `- \`${x.name}\`: \`${JSON.stringify(x.variables)}\``).join('\n');
  return `#### Analyst queries (issue 11)\n\nOurs only, through GraphQL over HTTP, from the same sample as the search mix (no peer runs them).\n\n${table(['query', 'what', 'target', 'p95', 'p50', 'cold', 'warm runs', 'hits'], rows)}\n\n${list}\n`;
}

/** Store phases in the order a search runs them (libs/storage timings); apps/graph prefixes them with the call. */
const PHASE_ORDER = [
  'listing',
  'files',
  'manifest',
  'plan',
  'metadata',
  'vocabulary',
  'postings',
  'index',
  'postings+readBack',
  'scan',
  'visibility',
  'readBack',
  'sample',
];
const CALL_ORDER = ['search', 'count'];

/** Store phases by call (search, then count) and in run order, unknown ones after; the GraphQL rests last. */
export function orderPhases(names: Iterable<string>): string[] {
  const rank = (n: string): number[] => {
    if (n === RESOLVER_PHASE) return [1e6, 0];
    if (n === OVERHEAD_PHASE) return [1e6, 1];
    const dot = n.indexOf('.');
    const call = dot < 0 ? -1 : CALL_ORDER.indexOf(n.slice(0, dot));
    const phase = PHASE_ORDER.indexOf(dot < 0 ? n : n.slice(dot + 1));
    return [dot < 0 ? 0 : call < 0 ? CALL_ORDER.length + 1 : call + 1, phase < 0 ? PHASE_ORDER.length : phase];
  };
  return [...new Set(names)].sort((a, b) => {
    const [ra, rb] = [rank(a), rank(b)];
    return ra[0] - rb[0] || ra[1] - rb[1] || (a < b ? -1 : a > b ? 1 : 0);
  });
}

/** Per query shape: our client p50 split into the server's phases and the GraphQL + HTTP rest. */
function whereTheTimeGoes(r: BenchResult): string {
  const head = '#### Where the time goes (ours, p50 of the warm runs)';
  const qs = r.search?.ours.queries.filter((q) => !q.error) ?? [];
  if (!r.search) return `${head}\n\n${NOT_MEASURED}.\n`;
  const withPhases = qs.filter((q) => q.phases);
  if (!withPhases.length) {
    return (
      `${head}\n\nThe graph server sent no phase timings in this run (it sends them as GraphQL \`extensions.timings\` when ` +
      `started with GRAPH_TIMINGS=1): client time only.\n\n` +
      table(
        ['query', 'client p50'],
        qs.map((q) => [QUERY_ROW[q.name] ?? q.name, ms(q.warm.p50Ms)]),
      ) +
      '\n'
    );
  }
  const phases = orderPhases(withPhases.flatMap((q) => Object.keys(q.phases ?? {})));
  const rows = qs.map((q) => [
    QUERY_ROW[q.name] ?? q.name,
    ms(q.warm.p50Ms),
    q.serverMs === undefined ? DASH : ms(q.serverMs),
    ...phases.map((p) => (q.phases?.[p] === undefined ? DASH : ms(q.phases[p]))),
  ]);
  return (
    `${head}\n\nServer phases from GraphQL \`extensions.timings\` (GRAPH_TIMINGS=1), p50 per phase over the warm runs. ` +
    `"server p50" is the server's own time (its \`execute\`, the whole GraphQL execution); store phases are named ` +
    `call.phase (search.*, count.*); "${RESOLVER_PHASE}" is that time minus the store phases; "${OVERHEAD_PHASE}" is ` +
    `client time minus the server's time (HTTP, parsing, validation, serialisation). p50s of parts need not add up to ` +
    `the p50 of the whole, and a page and its count may run at once.\n\n` +
    table(['query', 'client p50', 'server p50', ...phases], rows) +
    '\n'
  );
}

const loadCell = (l: [number, number, number]) => l.map((x) => x.toFixed(2)).join(' / ');

function timelineSection(timeline: PhaseRecord[] | undefined): string {
  if (!timeline?.length) return '';
  const rows = timeline.map((p) => [
    p.phase + (p.failed ? ' (failed)' : ''),
    p.startedAt.slice(11, 19),
    secs(p.seconds),
    loadCell(p.loadStart),
    loadCell(p.loadEnd),
  ]);
  return (
    '#### Phases and machine load\n\nLoad average (1 / 5 / 15 min, `os.loadavg()`) when each phase started and ended; ' +
    'on 2 cores the bench alone can hold it near 2; well above 2, something else was competing for the CPU.\n\n' +
    table(['phase', 'started (UTC)', 'duration', 'load at start', 'load at end'], rows) +
    '\n'
  );
}

function dataSection(r: BenchResult): string {
  const lines: string[] = [];
  const d = r.data;
  const current = (r.format ?? 0) >= RESULT_FORMAT;
  if (d) {
    lines.push(
      `- data: ${d.days} day(s) × ${num(d.postsPerDay)} posts/day; stored ${num(d.postRowsStored)} post rows in ${d.files} file(s), ${gib(d.postBytesStored)}` +
        (d.reused ? ' (reused from an earlier run)' : ''),
    );
    if (d.reused && current) {
      lines.push(`- data generation and compaction: ${NOT_MEASURED} (the data was generated by an earlier run)`);
    } else {
      lines.push(
        `- generation (day 1, simulator's generator → rows): ${num(d.events)} events (${num(d.posts)} posts, ${num(d.updates)} updates, ${num(d.deletes)} deletes, ${num(d.accountEvents)} account events) in ${secs(d.generateSeconds)} = ${num(d.eventsPerSecond)} events/s`,
      );
      if (d.derivedDays > 0)
        lines.push(
          `- ${d.derivedDays} further day(s) derived in DuckDB from day 1 (shifted by whole days, rkeys rewritten) in ${secs(d.deriveSeconds)}`,
        );
      lines.push(`- compaction (libs/storage compactDay) of all days: ${secs(d.compactSeconds)}`);
    }
  } else if (current) lines.push(`- data: ${NOT_MEASURED}`);
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
      `- storage: posts files alone ${num(st.postFilesBytesPerPost, 1)} B/post (${num(100 * (1 - st.postFilesBytesPerPost / st.rawJsonBytesPerPost), 1)} % smaller than raw JSON); the rest is the side and index files, tombstones and accounts`,
    );
  if (r.search?.graphPeakRssMb !== undefined)
    lines.push(`- graph peak RSS over the search and analyst mixes: ${num(r.search.graphPeakRssMb)} MB`);
  for (const f of r.freshness?.runs ?? [])
    lines.push(
      `- freshness at ${num(f.postsPerSecond)} posts/s (FLUSH_INTERVAL_MS=${num(f.flushIntervalMs)}, ${secs(f.seconds)}, ${f.flushes} flush(es)): received → first returned by searchPosts p50 ${ms(f.latencyMs.p50)}, p95 ${ms(f.latencyMs.p95)}, p99 ${ms(f.latencyMs.p99)}, max ${ms(f.latencyMs.max)} over ${num(f.postsMeasured)} posts; the polled page (newest 5,000, tail included) p50 ${ms(f.pollQueryMs.p50)}, p95 ${ms(f.pollQueryMs.p95)}; sampled lag of ingest behind the simulator's clock p50 ${ms(f.ingestLagMs?.p50)}, p95 ${ms(f.ingestLagMs?.p95)}, of the tail behind the stream p50 ${ms(f.tailLagMs?.p50)}, p95 ${ms(f.tailLagMs?.p95)}; pages with a post twice: ${f.pagesWithDuplicates}; polls sent again after a network error: ${f.pollsSentAgain ?? 0}; tail peak ${num(f.peakTailRows)} rows (${num(f.peakTailBytes / 2 ** 20)} MiB of entries), graph RSS then ${num(f.graphRssAtPeakTailMb)} MB, peak ${num(f.graphPeakRssMb)} MB`,
    );
  for (const f of r.freshness?.failed ?? []) lines.push(`- freshness run failed: ${f}`);
  const t = r.freshness?.searchWithTail;
  if (t)
    lines.push(
      `- search with a full tail (${num(t.postsPerSecond)} posts/s into the data, ${num(t.tailRows.before)}–${num(t.tailRows.after)} tail rows, ${t.warmRuns} warm runs): p95 ${t.queries.map((q) => `${q.name} ${ms(q.p95Ms)}`).join(', ')}; overall p50 ${ms(t.overall.p50Ms)}, p95 ${ms(t.overall.p95Ms)}; graph peak RSS ${num(t.graphPeakRssMb)} MB`,
    );
  if (r.freshness?.searchWithTailFailed)
    lines.push(`- search with a full tail failed: ${r.freshness.searchWithTailFailed}`);
  for (const n of r.notes) lines.push(`- note: ${n}`);
  return lines.join('\n');
}

const runTitle = (r: BenchResult): string =>
  `${r.options.days} day(s) × ${num(r.options.postsPerDay)} posts/day — ${r.startedAt.slice(0, 10)}` +
  (r.options.profile === 'quick' ? ' — quick profile' : '') +
  (r.runId ? ` — run ${r.runId}` : '');

export function renderRun(r: BenchResult, file?: string): string {
  const m = r.machine;
  const current = (r.format ?? 0) >= RESULT_FORMAT;
  const parts = [
    `### ${runTitle(r)}`,
    '',
    (file ? `File: \`benchmarks/${file}\`. ` : '') +
      `Machine: ${m.nproc} cores (${m.cpuModel}), ${gib(m.memoryBytes)} RAM, disk ${m.disk}, Node ${m.node}, ${m.os}. ` +
      (r.git ? `Code: ${r.git.commit}${r.git.dirty ? ' + uncommitted changes' : ''}. ` : '') +
      `Run ${r.startedAt} → ${r.finishedAt}; phases ${r.options.phases.join(', ')}; peers ${r.options.peers ? 'on' : 'off'}; ` +
      `warm runs per query: ${r.options.runs} (peers ${r.options.peerRuns}); seed ${r.options.seed}` +
      (r.mix ? `; query mix ${r.mix.id}` : '') +
      '.',
    '',
    mainTable(r),
    '',
    dataSection(r),
    '',
  ];
  if (current) parts.push(timelineSection(r.timeline), whereTheTimeGoes(r));
  parts.push(queryDetail(r), analystSection(r));
  return parts.join('\n');
}

const scaleKey = (r: BenchResult) => `${r.options.days}d-${r.options.postsPerDay}`;

/**
 * The whole BENCHMARKS.md. Latest runs: the newest file of this harness per scale (days × posts/day), smallest
 * first. Then the hand-written analysis, then the load test's sections (benchmarks/LOADTEST.md). Then every other file, newest first, each as it was written; files of the
 * earlier harness, which merged runs and let the peers draw their own query mix, carry a warning.
 */
export function renderReport(files: ResultFile[], analysis = '', loadTest = ''): string {
  const newest = new Map<string, ResultFile>();
  for (const f of files) {
    if ((f.result.format ?? 0) < RESULT_FORMAT) continue;
    const prev = newest.get(scaleKey(f.result));
    if (!prev || prev.result.startedAt < f.result.startedAt) newest.set(scaleKey(f.result), f);
  }
  const latest = [...newest.values()].sort(
    (a, b) =>
      a.result.options.days - b.result.options.days || a.result.options.postsPerDay - b.result.options.postsPerDay,
  );
  const archive = files
    .filter((f) => !latest.includes(f))
    .sort((a, b) => (a.result.startedAt < b.result.startedAt ? 1 : a.result.startedAt > b.result.startedAt ? -1 : 0));
  const archived = (f: ResultFile) =>
    (f.result.format ?? 0) < RESULT_FORMAT
      ? renderRun(f.result, f.file).replace(
          /\n/,
          '\n\n> Recorded by the earlier harness (before 2026-12-02): its file may merge phases from two runs or commits, ' +
            'and the peers may have run another query mix than ours; its notes say which, so its ratios may not compare the same queries.\n',
        )
      : renderRun(f.result, f.file);
  return [
    '# Benchmarks',
    '',
    'Generated by `npm run bench` (tools/bench) from `benchmarks/*.json`, one file per run; targets from DESIGN.md "Targets". ' +
      '✅/❌ mark a target met or missed. Latencies are measured at the client: searches through the GraphQL server over HTTP; ' +
      'peers through their own client on the same data and machine, on the same query mix as ours (computed once per run from the seed). ' +
      '"ratio" is peer ÷ ours for times and sizes, ours ÷ peer for rates (> 1: ours is better). ' +
      `"${NOT_MEASURED}" marks a phase or peer the run skipped; "—" a cell that does not apply.`,
    '',
    '## Latest run per scale',
    '',
    ...(latest.length ? latest.map((f) => renderRun(f.result, f.file)) : ['No run of the current harness yet.', '']),
    analysis.trim() ? `\n## Analysis\n\n${analysis.trim()}\n` : '',
    // The load test's runs (npm run loadtest -- --out benchmarks/LOADTEST.md), kept across re-renders.
    loadTest.trim() ? `\n## Load test\n\n${loadTest.trim()}\n` : '',
    ...(archive.length ? ['## Earlier runs (archive)', '', ...archive.map(archived)] : []),
  ].join('\n');
}
