import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import { aggregationTarget, buildAnalystMix, pickAnalystTerms } from './analyst-mix';
import { analystWarmRuns } from './phases/analyst';
import type { SamplePost } from './run-mix';

const post = (p: Partial<SamplePost>): SamplePost => ({
  text: 'x',
  did: 'did:plc:a',
  langs: [],
  tags: [],
  mentions: [],
  links: [],
  ...p,
});

describe('analyst mix', () => {
  const sample = [
    post({ langs: ['en'], tags: ['#Art'], links: ['https://www.bbc.co.uk/a1', 'https://github.com/x/y'] }),
    post({ langs: ['en', 'ja'], tags: ['art', 'cats'], mentions: ['did:plc:m1'], links: ['https://bbc.co.uk/a2'] }),
    post({ langs: ['EN-us'], tags: ['cats'], mentions: ['did:plc:m1', 'did:plc:m2'], links: ['https://bbc.co.uk/a1'] }),
    post({ langs: ['pt'], mentions: ['did:plc:m2', 'did:plc:m1'], links: ['https://bbc.co.uk/'] }),
    post({ langs: ['ja'], links: ['https://example.org/only-once'] }),
  ];

  it('picks each filter value by rank: not English, hashtags without # and case, hosts without www, a URL linked once', () => {
    expect(pickAnalystTerms(sample)).toEqual({
      lang: 'ja',
      tag: 'art',
      domain: 'bbc.co.uk',
      mention: 'did:plc:m1',
      // Linked once, with a path: a2, github's and example.org's; the middle one in rank order.
      url: 'https://example.org/only-once',
    });
  });

  it('says which value the sample lacks', () => {
    expect(() => pickAnalystTerms([post({ langs: ['en'] })])).toThrow(/no URL linked once/);
    expect(() => pickAnalystTerms([post({ langs: ['en'], links: ['https://a.org/xy'] })])).toThrow(/no language/);
  });

  it('builds queries that the served schema validates, over the whole range of the data', () => {
    const schema = buildSchema(readFileSync(join(__dirname, '../../../apps/graph/schema.graphql'), 'utf8'));
    const mix = buildAnalystMix(pickAnalystTerms(sample), 'social', '2025-03-03', '2025-03-05');
    expect(mix.map((q) => q.name)).toEqual([
      'volumeByHour',
      'topTags',
      'topDomains',
      'topLangs',
      'topAuthors',
      'filterLang',
      'filterTag',
      'filterDomain',
      'filterMentions',
      'filterUrl',
      'oldestFirst',
    ]);
    for (const q of mix) expect([q.name, validate(schema, parse(q.query)).map((e) => e.message)]).toEqual([q.name, []]);
    expect(mix[0].variables).toEqual({
      text: 'social',
      from: '2025-03-03T00:00:00.000Z',
      to: '2025-03-06T00:00:00.000Z',
    });
    expect(mix.filter((q) => q.kind === 'aggregation')).toHaveLength(5);
  });

  it('gives a query slower than the default QUERY_TIMEOUT_MS 2 warm runs, others the usual rule', () => {
    expect(analystWarmRuns(20, 20)).toBe(20);
    expect(analystWarmRuns(6_000, 20)).toBe(10);
    expect(analystWarmRuns(45_000, 20)).toBe(2);
    expect(analystWarmRuns(45_000, 1)).toBe(1);
  });

  it('has the issue targets for aggregations', () => {
    expect(aggregationTarget(1).ms).toBe(500);
    expect(aggregationTarget(30).ms).toBe(2000);
    expect(aggregationTarget(7).ms).toBeUndefined();
  });
});
