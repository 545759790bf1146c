import type { Session } from '../../duckdb/pool';
import { LINKED_HOSTS_SQL, POST_TAGS_SQL, type FileSets, type PostFilter } from '../post-sql';
import { aggregateVisible, type AggregateContext } from './visible-matches';

/** tags: hashtags lower-cased without "#"; domains: linked hosts without "www."; langs: lower-cased; authors: DIDs. */
export type FacetKind = 'tags' | 'domains' | 'langs' | 'authors';

export interface Facet {
  value: string;
  /** Visible matching posts holding the value (each post once). */
  count: number;
}

/** Per kind: a post's distinct values of the facet, as a list over the alias `p` (the same forms the filters use). */
const VALUES: Record<FacetKind, string> = {
  tags: POST_TAGS_SQL,
  domains: LINKED_HOSTS_SQL,
  langs: `list_distinct(list_filter(list_transform(coalesce(p.langs, []::VARCHAR[]), lambda l: lower(l)), lambda l: l <> ''))`,
  authors: '[p.did]',
};

/**
 * The `first` most frequent values of `facet` among the visible posts matching `filter`, each post counted once per
 * value; ties by value, ascending.
 */
export async function topFacets(
  session: Session,
  files: FileSets,
  filter: PostFilter,
  facet: FacetKind,
  first: number,
  context: AggregateContext,
): Promise<Facet[]> {
  const values = VALUES[facet];
  if (values === undefined) throw new RangeError(`unknown facet ${String(facet)}`);
  if (!Number.isSafeInteger(first) || first < 1) throw new RangeError('first must be a positive integer');
  // `first` is a validated integer spliced as a constant (DuckDB plans a top-N only for a constant limit).
  const inner =
    facet === 'authors'
      ? 'SELECT p.uri, p.did AS value FROM visible p'
      : `SELECT p.uri, unnest(${values}) AS value FROM visible p`;
  const rows = await aggregateVisible(
    session,
    files,
    filter,
    context,
    (_sql, countPosts) =>
      `SELECT p.value AS value, ${countPosts} AS n FROM (${inner}) p WHERE p.value IS NOT NULL
       GROUP BY p.value ORDER BY n DESC, value ASC LIMIT ${first}`,
  );
  return rows.map((r) => ({ value: r.value as string, count: Number(r.n) }));
}
