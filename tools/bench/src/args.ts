// Command-line options of `npm run bench`, parsed without a library so that the harness has no extra dependency.

export const ALL_PHASES = ['data', 'ingest', 'storage', 'search', 'export'] as const;
export type Phase = (typeof ALL_PHASES)[number];

export interface BenchOptions {
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
  /** Warm runs per query for the peers (they are slow at scale). */
  peerRuns: number;
  exportRows: number;
  seed: number;
  /** DuckDB memory_limit for compactDay (its default, 1GB, runs out of memory on an 8.1M-post day). */
  compactMemory: string;
  /** Where BENCHMARKS.md and benchmarks/*.json go; empty = do not write them. */
  reportDir: string;
}

export const DEFAULTS: Omit<BenchOptions, 'peers' | 'out' | 'reportDir'> = {
  days: 1,
  postsPerDay: 8_100_000,
  phases: [...ALL_PHASES],
  reuse: false,
  ingestPosts: 500_000,
  runs: 20,
  peerRuns: 3,
  exportRows: 1_000_000,
  seed: 42,
  compactMemory: '4GB',
};

export class UsageError extends Error {
  override name = 'UsageError';
}

const int = (flag: string, v: string | undefined, min: number): number => {
  const n = Number((v ?? '').replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`${flag} needs an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  return n;
};

const bool = (flag: string, v: string | undefined): boolean => {
  if (v === undefined || ['on', 'true', 'yes', '1'].includes(v)) return true;
  if (['off', 'false', 'no', '0'].includes(v)) return false;
  throw new UsageError(`${flag} takes on or off, got ${JSON.stringify(v)}`);
};

export const USAGE = `npm run bench -- [options]
  --days N            days of data (default 1)
  --posts-per-day N   posts per day (default 8100000)
  --out DIR           working folder for generated data (default ./bench-data)
  --phases a,b        subset of ${ALL_PHASES.join(',')} (default all)
  --peers on|off      DuckDB-over-NDJSON and PostgreSQL peers (default on at 1 day)
  --reuse             keep data already generated in --out
  --ingest-posts N    posts through the live ingest pipeline (default 500000)
  --runs N            warm runs per query (default 20); --peer-runs N for peers (default 3)
  --export-rows N     rows in the export (default 1000000)
  --seed N            generator seed (default 42)
  --compact-memory X  DuckDB memory_limit for compactDay (default 4GB)
  --report-dir DIR    where BENCHMARKS.md and benchmarks/ go (default .; '' = none)`;

/** Parses argv (without node and script). Throws UsageError with a message that says what to fix. */
export function parseArgs(argv: string[]): BenchOptions {
  const o: Partial<BenchOptions> = {};
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i];
    const eq = raw.indexOf('=');
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const inline = eq > 0 ? raw.slice(eq + 1) : undefined;
    const value = (): string | undefined => inline ?? argv[++i];
    try {
      switch (flag) {
        case '--days':
          o.days = int(flag, value(), 1);
          break;
        case '--posts-per-day':
          o.postsPerDay = int(flag, value(), 1000);
          break;
        case '--out':
          o.out = value();
          break;
        case '--report-dir':
          o.reportDir = value() ?? '';
          break;
        case '--ingest-posts':
          o.ingestPosts = int(flag, value(), 1000);
          break;
        case '--runs':
          o.runs = int(flag, value(), 1);
          break;
        case '--peer-runs':
          o.peerRuns = int(flag, value(), 1);
          break;
        case '--export-rows':
          o.exportRows = int(flag, value(), 1);
          break;
        case '--seed':
          o.seed = int(flag, value(), 0);
          break;
        case '--compact-memory':
          o.compactMemory = value() ?? '';
          break;
        case '--reuse':
          o.reuse = inline === undefined ? true : bool(flag, inline);
          break;
        case '--peers': {
          // `--peers` alone means on; `--peers off` / `--peers=off` turn them off.
          const next = inline ?? argv[i + 1];
          if (inline === undefined && next !== undefined && !next.startsWith('--')) i++;
          o.peers = bool(flag, next !== undefined && !next.startsWith('--') ? next : undefined);
          break;
        }
        case '--no-peers':
          o.peers = false;
          break;
        case '--phases': {
          const list = (value() ?? '')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
          const bad = list.filter((p) => !(ALL_PHASES as readonly string[]).includes(p));
          if (bad.length || !list.length)
            throw new UsageError(
              `--phases takes a subset of ${ALL_PHASES.join(',')}, got ${JSON.stringify(list.join(','))}`,
            );
          o.phases = ALL_PHASES.filter((p) => list.includes(p));
          break;
        }
        default:
          throw new UsageError(`unknown option ${flag}`);
      }
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      problems.push(err.message);
    }
  }
  if (problems.length) throw new UsageError(problems.join('\n'));
  const days = o.days ?? DEFAULTS.days;
  return {
    ...DEFAULTS,
    ...o,
    days,
    out: o.out ?? './bench-data',
    reportDir: o.reportDir ?? '.',
    peers: o.peers ?? days === 1,
  } as BenchOptions;
}
