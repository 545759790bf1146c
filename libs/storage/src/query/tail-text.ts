import type { Session } from '../duckdb/pool';
import type { PostTail } from '../tail/post-tail';
import { isTailPath } from '../tail/tail-path';
import type { TailSnapshot } from '../tail/tail-files';
import type { FileSets, PostFilter } from './post-sql';
import { termParts } from './term-parts';

// The query side of the tail's text index (tail/tail-tokens.ts): which of the tail's posts rows a query's text can
// match, found once per query and carried in its FileSets (tailText) to every read that tests that text.

/**
 * The tail rows a search of `filter.text` can match, for FileSets.tailText; undefined when every tail row must be
 * read (no text, no tail in the files, or no part of the text rare enough in the tail).
 */
export async function tailTextNarrowing(
  session: Session,
  tail: PostTail | undefined,
  snapshot: TailSnapshot | undefined,
  filter: PostFilter,
  files: FileSets,
): Promise<FileSets['tailText']> {
  if (!tail || !snapshot || filter.text === undefined || !files.posts.some(isTailPath)) return undefined;
  const found = tail.textCandidates(snapshot.gen, await termParts(session, filter.text));
  return found && { text: filter.text, gen: snapshot.gen, rows: found.rows };
}
