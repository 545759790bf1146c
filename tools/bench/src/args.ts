// Command-line options of `npm run bench`: node:util parseArgs reads the tokens (as the simulator's CLI does);
// this file checks the values and collects every problem into one UsageError.
import { parseArgs as parseTokens } from 'node:util';

export const ALL_PHASES = ['data', 'ingest', 'storage', 'search', 'export', 'freshness'] as const;
export type Phase = (typeof ALL_PHASES)[number];

export type Profile = 'full' | 'quick';

export interface BenchOptions {
  /** 'quick': the developer profile (about 1M posts, 1 day, peers on), see QUICK. */
  profile: Profile;
  days: number;
  postsPerDay: number;
  out: string;
  phases: Phase[];
  /** Run the peers (DuckDB over NDJSON, PostgreSQL); default on at 1 day only. */
  peers: boolean;
  /** Keep generated data found in `out` instead of regenerating it. */
  reuse: boolean;
  /** Posts pushed through the real ingest pipeline. */
  ingestPosts: number;
  /** Warm runs per query (after one cold run). */
  runs: number;
  /** Warm runs per query for the peers; at least 10 by default so that their p95 is not the max of 3. */
  peerRuns: number;
  exportRows: number;
  seed: number;
  /** DuckDB memory_limit for compactDay (its default, 1GB, runs out of memory on an 8.1M-post day). */
  compactMemory: string;
  /** Where BENCHMARKS.md and benchmarks/*.json go; empty = do not write them. */
  reportDir: string;
}

export const DEFAULTS: Omit<BenchOptions, 'peers' | 'out' | 'reportDir'> = {
  profile: 'full',
  days: 1,
  postsPerDay: 8_100_000,
  phases: [...ALL_PHASES],
  reuse: false,
  ingestPosts: 500_000,
  runs: 20,
  peerRuns: 10,
  exportRows: 1_000_000,
  seed: 42,
  compactMemory: '4GB',
};

/**
 * `--quick`: the whole bench at about 1M posts, so a developer can check a change in minutes rather than hours
 * (timings in USAGE); flags given with it still win. Its report goes beside the data, not into the
 * repository's BENCHMARKS.md, unless --report-dir says otherwise.
 */
export const QUICK: Partial<BenchOptions> = {
  profile: 'quick',
  days: 1,
  postsPerDay: 1_000_000,
  peers: true,
  ingestPosts: 100_000,
  exportRows: 100_000,
};

export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `npm run bench -- [options]
  --quick             developer profile: 1 day × 1,000,000 posts, peers on, 100,000 ingest posts,
                      100,000 export rows; report in <out>/report (other flags override it).
                      About 9 min on an idle 2-core machine (estimated from its phases); under a load
                      of 6–9 from other work it took 15 min to reach the PostgreSQL peer (2026-12-02):
                      the DuckDB-over-NDJSON peer (110 scans of the raw JSON) is most of it
  --days N            days of data (default 1)
  --posts-per-day N   posts per day (default 8100000)
  --out DIR           working folder for generated data (default ./bench-data)
  --phases a,b        subset of ${ALL_PHASES.join(',')} (default all)
  --peers on|off      DuckDB-over-NDJSON and PostgreSQL peers (default on at 1 day); --no-peers = off
  --reuse             keep data already generated in --out
  --ingest-posts N    posts through the live ingest pipeline (default 500000)
  --runs N            warm runs per query (default 20); --peer-runs N for peers (default 10)
  --export-rows N     rows in the export (default 1000000)
  --seed N            generator seed (default 42); the query mix is derived from it (same seed, same mix)
  --compact-memory X  DuckDB memory_limit for compactDay (default 4GB)
  --report-dir DIR    where BENCHMARKS.md and benchmarks/ go (default .; '' = none)
  --render [DIR]      no run: render DIR/BENCHMARKS.md again from DIR/benchmarks/*.json (default .)

Each run writes benchmarks/<date>-<days>d-<posts>-<run id>.json and renders BENCHMARKS.md from those files,
each run as it was measured. The graph server is started with GRAPH_TIMINGS=1: per-phase server timings from
GraphQL extensions.timings go into the report's "Where the time goes".`;

const OPTIONS = {
  quick: { type: 'boolean' },
  days: { type: 'string' },
  'posts-per-day': { type: 'string' },
  out: { type: 'string' },
  phases: { type: 'string' },
  peers: { type: 'boolean' },
  'no-peers': { type: 'boolean' },
  reuse: { type: 'boolean' },
  'ingest-posts': { type: 'string' },
  runs: { type: 'string' },
  'peer-runs': { type: 'string' },
  'export-rows': { type: 'string' },
  seed: { type: 'string' },
  'compact-memory': { type: 'string' },
  'report-dir': { type: 'string' },
} as const;

type Name = keyof typeof OPTIONS;

const int = (flag: string, v: string, min: number): number => {
  const n = Number(v.replace(/_/g, ''));
  if (v.trim() === '' || !Number.isInteger(n) || n < min)
    throw new UsageError(`${flag} needs an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  return n;
};

const onOff = (flag: string, v: string): boolean => {
  if (['on', 'true', 'yes', '1'].includes(v)) return true;
  if (['off', 'false', 'no', '0'].includes(v)) return false;
  throw new UsageError(`${flag} takes on or off, got ${JSON.stringify(v)}`);
};

const phaseList = (v: string): Phase[] => {
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.filter((p) => !(ALL_PHASES as readonly string[]).includes(p));
  if (bad.length || !list.length)
    throw new UsageError(`--phases takes a subset of ${ALL_PHASES.join(',')}, got ${JSON.stringify(list.join(','))}`);
  return ALL_PHASES.filter((p) => list.includes(p));
};

/** Parses argv (without node and script). Throws UsageError with a message that says what to fix. */
export function parseArgs(argv: string[]): BenchOptions {
  // Not strict: strict mode stops at the first problem, and `--peers on` needs its positional value.
  const { tokens } = parseTokens({ args: argv, options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const o: Partial<BenchOptions> = {};
  const problems: string[] = [];
  let quick = false;
  for (let t = 0; t < tokens.length; t++) {
    const token = tokens[t];
    try {
      if (token.kind === 'option-terminator') throw new UsageError('unexpected --');
      if (token.kind === 'positional') throw new UsageError(`unexpected argument ${JSON.stringify(token.value)}`);
      const flag = token.rawName;
      if (!(token.name in OPTIONS)) throw new UsageError(`unknown option ${flag}`);
      const name = token.name as Name;
      if (OPTIONS[name].type === 'boolean') {
        // `--peers` alone is on; `--peers on|off` (the next token) and `--peers=on|off` set it.
        let on = true;
        if (token.inlineValue) on = onOff(flag, token.value ?? '');
        else if ((name === 'peers' || name === 'reuse') && tokens[t + 1]?.kind === 'positional') {
          const next = tokens[++t];
          on = onOff(flag, next.kind === 'positional' ? next.value : '');
        }
        if (name === 'quick') quick = on;
        else if (name === 'peers') o.peers = on;
        else if (name === 'no-peers') o.peers = !on;
        else o.reuse = on;
        continue;
      }
      // A string option takes the next argument; one that looks like an option means the value was forgotten.
      const v = token.value;
      if (v === undefined || (!token.inlineValue && v.startsWith('--')))
        throw new UsageError(`${flag} needs a value${v === undefined ? '' : `, got the option ${v}`}`);
      switch (name) {
        case 'days':
          o.days = int(flag, v, 1);
          break;
        case 'posts-per-day':
          o.postsPerDay = int(flag, v, 1000);
          break;
        case 'out':
          o.out = v;
          break;
        case 'report-dir':
          o.reportDir = v;
          break;
        case 'ingest-posts':
          o.ingestPosts = int(flag, v, 1000);
          break;
        case 'runs':
          o.runs = int(flag, v, 1);
          break;
        case 'peer-runs':
          o.peerRuns = int(flag, v, 1);
          break;
        case 'export-rows':
          o.exportRows = int(flag, v, 1);
          break;
        case 'seed':
          o.seed = int(flag, v, 0);
          break;
        case 'compact-memory':
          o.compactMemory = v;
          break;
        case 'phases':
          o.phases = phaseList(v);
          break;
      }
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      problems.push(err.message);
    }
  }
  if (problems.length) throw new UsageError(problems.join('\n'));
  const base = { ...DEFAULTS, ...(quick ? QUICK : {}) };
  const out = o.out ?? './bench-data';
  const days = o.days ?? base.days;
  return {
    ...base,
    ...o,
    days,
    out,
    reportDir: o.reportDir ?? (quick ? `${out.replace(/\/+$/, '')}/report` : '.'),
    peers: o.peers ?? base.peers ?? days === 1,
  } as BenchOptions;
}
