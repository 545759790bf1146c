import type { Session } from '../../duckdb/pool';
import type { PostCursor } from '../cursor';
import type { PostRecord } from '../post-record';
import type { FileSets, PostFilter, PostSort } from '../post-sql';
import type { Timings } from '../timings';

/** What one search strategy gets: the files listed once, the filter, the position and how many keys to find. */
export interface SearchContext {
  session: Session;
  files: FileSets;
  /** In normal form (resolveFilter). */
  filter: PostFilter;
  sort: PostSort;
  /** Keys strictly after this one in page order. */
  after: PostCursor | undefined;
  /** How many keys to find (the page plus one, which tells whether a next page exists). */
  want: number;
  /** Rows a strategy read on the way (with the columns of `select`), by rowKey: read-back skips them. */
  known: Map<string, PostRecord>;
  /** The SELECT list of the rows to return (postSelect). */
  select: string;
  timings?: Timings;
}

/**
 * One way to find the keys of a page of visible matches. Every strategy answers exactly as the scan would (its
 * index only narrows where to look; the text predicate and the visibility rules decide), so choosing one is only
 * a matter of cost.
 */
export interface SearchStrategy {
  readonly name: string;
  /** Whether this strategy can serve the filter over these files (cheap: no I/O). */
  applies(files: FileSets, filter: PostFilter, sort: PostSort): boolean;
  /** Keys of the first `want` visible matches after `after`, in page order, without duplicates. */
  keys(ctx: SearchContext): Promise<PostCursor[]>;
}
