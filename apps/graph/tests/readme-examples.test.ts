import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, validate } from 'graphql';
import { schema } from '../src/graphql-schema';
import { asPosts, post, startTestGraph, T0, type TestGraph } from './_util';

// The analyst examples of the root README are valid against the schema and run without errors within the default
// limits (root fields, aliases, cost), so that a user pasting one into GraphiQL gets an answer.

const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
const section = readme.slice(
  readme.indexOf('## Analyst examples'),
  readme.indexOf('\n## ', readme.indexOf('## Analyst examples') + 1),
);
const blocks = [...section.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]);

let t: TestGraph;
beforeAll(async () => {
  t = await startTestGraph([
    ...asPosts([post({ text: 'social eclipse', indexed_at: T0, tags: ['cats'], links: ['https://example.com/x'] })]),
    // The handle the examples search by, as an identity event leaves it.
    { table: 'identities', row: { did: 'did:plc:alice', handle: 'alice.bsky.social', indexed_at: T0, time_us: T0 } },
  ]);
});
afterAll(() => t.close());

describe('README analyst examples', () => {
  it('has examples of every new filter and aggregation', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    for (const word of [
      'lang:',
      'tag:',
      'mentions:',
      'author: "alice.bsky.social"',
      'handle',
      'domain:',
      'url:',
      'sort: OLDEST',
      'postVolume',
      'topTags',
      'topDomains',
      'topLangs',
      'topAuthors',
      'exportPosts',
    ])
      expect(section).toContain(word);
  });

  it.each(blocks.map((b, i) => [i, b]))('example %i validates and runs', async (_i, block) => {
    expect(validate(schema, parse(block as string))).toEqual([]);
    const res = await t.gql(block as string);
    expect(res.errors).toBeUndefined();
    expect(res.status).toBe(200);
  });
});
