import { ALL_PHASES, parseArgs, UsageError } from './args';

const problemsOf = (argv: string[]): string[] => {
  try {
    parseArgs(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message.split('\n');
  }
  throw new Error(`no UsageError for ${argv.join(' ')}`);
};

describe('parseArgs', () => {
  it('has the documented defaults, peers on at 1 day, 10 warm runs for peers', () => {
    const o = parseArgs([]);
    expect(o).toMatchObject({
      profile: 'full',
      days: 1,
      postsPerDay: 8_100_000,
      out: './bench-data',
      peers: true,
      reuse: false,
      runs: 20,
      peerRuns: 10,
      reportDir: '.',
    });
    expect(o.phases).toEqual([...ALL_PHASES]);
  });

  it('reads every option, in both --flag value and --flag=value forms', () => {
    const o = parseArgs([
      '--days',
      '7',
      '--posts-per-day=20_000',
      '--out',
      '/tmp/x',
      '--phases',
      'search,data',
      '--peers',
      'on',
      '--reuse',
      '--runs=5',
      '--peer-runs',
      '12',
      '--ingest-posts',
      '2000',
      '--export-rows=9',
      '--seed',
      '0',
      '--compact-memory',
      '2GB',
      '--report-dir=',
    ]);
    expect(o).toMatchObject({
      days: 7,
      postsPerDay: 20_000,
      out: '/tmp/x',
      peers: true,
      reuse: true,
      runs: 5,
      peerRuns: 12,
      ingestPosts: 2000,
      exportRows: 9,
      seed: 0,
      compactMemory: '2GB',
      reportDir: '',
    });
    expect(o.phases).toEqual(['data', 'search']);
  });

  it('reads --peers alone, with on/off after it or after =, and --no-peers', () => {
    expect(parseArgs(['--days', '7']).peers).toBe(false);
    expect(parseArgs(['--days', '7', '--peers']).peers).toBe(true);
    expect(parseArgs(['--peers=off']).peers).toBe(false);
    expect(parseArgs(['--peers', 'off', '--reuse']).peers).toBe(false);
    expect(parseArgs(['--peers', '--reuse'])).toMatchObject({ peers: true, reuse: true });
    expect(parseArgs(['--no-peers']).peers).toBe(false);
    expect(parseArgs(['--reuse=off']).reuse).toBe(false);
  });

  it('--quick is the developer profile, and flags given with it win', () => {
    expect(parseArgs(['--quick'])).toMatchObject({
      profile: 'quick',
      days: 1,
      postsPerDay: 1_000_000,
      peers: true,
      ingestPosts: 100_000,
      exportRows: 100_000,
      peerRuns: 10,
      reportDir: './bench-data/report',
    });
    expect(
      parseArgs(['--quick', '--out', '/work/bench-data/', '--peers=off', '--posts-per-day', '5000']),
    ).toMatchObject({ profile: 'quick', peers: false, postsPerDay: 5000, reportDir: '/work/bench-data/report' });
    expect(parseArgs(['--quick', '--report-dir', '/tmp/r']).reportDir).toBe('/tmp/r');
  });

  it('reports every problem at once', () => {
    const problems = problemsOf(['--days', '0', '--phases', 'nope', '--bogus']);
    expect(problems).toEqual([
      '--days needs an integer ≥ 1, got "0"',
      '--phases takes a subset of data,ingest,storage,search,export,freshness, got "nope"',
      'unknown option --bogus',
    ]);
  });

  it('says what is wrong with a missing value, a bad on/off, a stray argument', () => {
    expect(problemsOf(['--out', '--reuse'])).toEqual(['--out needs a value, got the option --reuse']);
    expect(problemsOf(['--runs'])).toEqual(['--runs needs a value']);
    expect(problemsOf(['--peers=maybe', 'stray', '--seed', 'x'])).toEqual([
      '--peers takes on or off, got "maybe"',
      'unexpected argument "stray"',
      '--seed needs an integer ≥ 0, got "x"',
    ]);
    expect(problemsOf(['-d', '3'])).toEqual(['unknown option -d', 'unexpected argument "3"']);
  });
});
