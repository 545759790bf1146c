import { ALL_PHASES, parseArgs, UsageError } from './args';

describe('parseArgs', () => {
  it('has the documented defaults, peers on at 1 day', () => {
    const o = parseArgs([]);
    expect(o).toMatchObject({
      days: 1,
      postsPerDay: 8_100_000,
      out: './bench-data',
      peers: true,
      reuse: false,
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
    ]);
    expect(o).toMatchObject({ days: 7, postsPerDay: 20_000, out: '/tmp/x', peers: true, reuse: true, runs: 5 });
    expect(o.phases).toEqual(['data', 'search']);
    expect(parseArgs(['--days', '7']).peers).toBe(false);
    expect(parseArgs(['--peers=off']).peers).toBe(false);
    expect(parseArgs(['--peers', '--reuse']).peers).toBe(true);
  });

  it('reports every problem at once', () => {
    let message = '';
    try {
      parseArgs(['--days', '0', '--phases', 'nope', '--bogus']);
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      message = (err as Error).message;
    }
    expect(message.split('\n')).toHaveLength(3);
    expect(message).toContain('--days');
    expect(message).toContain('--phases');
    expect(message).toContain('--bogus');
  });
});
