import type { Session } from '../../duckdb/pool';
import { LINKED_HOSTS_SQL, POST_TAGS_SQL, type FileSets, type PostFilter } from '../post-sql';
import { aggregateVisible, type AggregateContext } from './visible-matches';

/** tags: hashtags lower-cased without "#"; domains: linked hosts without "www."; langs: lower-cased; authors: DIDs. */
export type FacetKind = 'tags' | 'domains' | 'langs' | 'authors';

export interface Facet {
  value: string;
  /** Visible matching posts holding the value (each post once). */
  count: number;
  /**
   * false: estimated, from the samples of the days in range (sampled-days.ts), rounded to an integer; the values
   * are then ranked by the unrounded estimates, so values whose counts are close may swap places.
   */
  exact: boolean;
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
 * value; ties by value, ascending. Exact, or every count estimated (see aggregateVisible).
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
  const inner = (columns: string) =>
    facet === 'authors'
      ? `SELECT ${columns}, p.did AS value FROM visible p`
      : `SELECT ${columns}, unnest(${values}) AS value FROM visible p`;
  const { rows, estimatedDates } = await aggregateVisible(
    session,
    files,
    filter,
    context,
    ({ columns, count }) =>
      `SELECT p.value AS value, ${count} AS n FROM (${inner(columns)}) p WHERE p.value IS NOT NULL
       GROUP BY p.value ORDER BY n DESC, value ASC LIMIT ${first}`,
  );
  const exact = estimatedDates.length === 0;
  return rows.map((r) => ({ value: r.value as string, count: Math.round(Number(r.n)), exact }));
}
