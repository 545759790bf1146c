// The same mixed profile as SQL for PostgreSQL + pg_trgm (the bench's peer): each GraphQL shape of mix.ts as the
// query a PostgreSQL-backed service would send, built with the bench's peer SQL (tools/bench peer-sql.ts) so both
// harnesses ask PostgreSQL the same thing. What differs is said per shape.
import { peerSearch, type KeysetCursor, type PeerQuery } from '@bsky-explorer/bench/src/peers/peer-sql';
import type { QuerySpec } from '@bsky-explorer/bench/src/query-mix';
import { shapes, type Sample } from './mix';

export interface PgStep {
  name: string;
  /** A page of a search whose last row is the next page's cursor. */
  pages: boolean;
  query(cursor: KeysetCursor | undefined): PeerQuery;
}

const spec = (args: QuerySpec['args'], terms: string[], totalCount = false): QuerySpec => ({
  name: 'common',
  description: '',
  args,
  terms,
  page: 1,
  totalCount,
});

/** The PostgreSQL query of each shape, by the shape's name in mix.ts (same weights, same order). */
export function pgSteps(s: Sample): PgStep[] {
  const byName: Record<string, PgStep> = {
    'common word': {
      name: 'common word',
      pages: true,
      query: () => peerSearch(spec({ first: 50 }, [s.commonWord]), 'postgres'),
    },
    'common word, next page': {
      name: 'common word, next page',
      pages: true,
      query: (cursor) => peerSearch(spec({ first: 50 }, [s.commonWord]), 'postgres', cursor),
    },
    'rare word': {
      name: 'rare word',
      pages: true,
      query: () => peerSearch(spec({ first: 50 }, [s.rareWord]), 'postgres'),
    },
    author: {
      name: 'author',
      pages: true,
      query: () => peerSearch(spec({ first: 50, author: s.author }, []), 'postgres'),
    },
    'last hour': {
      name: 'last hour',
      pages: true,
      query: () => peerSearch(spec({ first: 50, dateRange: { from: s.hourBefore, to: s.newest } }, []), 'postgres'),
    },
    newest: { name: 'newest', pages: true, query: () => peerSearch(spec({ first: 50 }, []), 'postgres') },
    // Exact count (ours may answer an estimate with totalCountIsExact false).
    count: {
      name: 'count',
      pages: false,
      query: () => peerSearch(spec({ first: 1 }, [s.commonWord], true), 'postgres'),
    },
    // The post itself; ours also resolves replyParent and quoted (the peer's table has no such columns).
    'post by uri': {
      name: 'post by uri',
      pages: false,
      query: () => ({ sql: 'SELECT uri, did, text, time_us FROM posts WHERE uri = $1', params: [s.uris[0]] }),
    },
    // 1,000 rows read to the client; ours also writes them as a CSV file.
    'export 1,000 rows': {
      name: 'export 1,000 rows',
      pages: false,
      query: () => ({
        sql: 'SELECT uri, did, text, indexed_at FROM posts WHERE lower(text) LIKE $1 ORDER BY time_us DESC, uri DESC LIMIT 1000',
        params: [`%${s.commonWord.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`],
      }),
    },
  };
  return shapes(s).map(({ step }) => {
    const pg = byName[step.name];
    if (!pg) throw new Error(`no PostgreSQL query for the shape "${step.name}"`);
    return pg;
  });
}

/** The cycle of PostgreSQL steps in the order buildMix sends the GraphQL ones. */
export function buildPgMix(s: Sample, order: readonly { name: string }[]): PgStep[] {
  const steps = new Map(pgSteps(s).map((p) => [p.name, p]));
  return order.map((o) => steps.get(o.name)!);
}
