import type { FileSets } from './post-sql';

/**
 * The tombstone files that can hide a row of `files.posts`. Compaction of a posts day drops every row deleted or
 * superseded by the tombstone files it read, and records them (IndexedDay.appliedTombstones); so when every posts
 * file read belongs to such a day, only tombstone files some of those days did not apply are needed. On a closed
 * day that is usually none, and the hash build over a day of tombstones (~200k rows at 8.1M posts) disappears from
 * every query. Any other posts file (a flush file, a day compacted before this was recorded) needs them all.
 */
export function tombstonesFor(files: FileSets): string[] {
  if (files.tombstones.length === 0 || !files.indexed?.length) return files.tombstones;
  const dayOfFile = new Map(files.indexed.flatMap((d) => d.files.map((f) => [f, d] as const)));
  const days = new Set<NonNullable<FileSets['indexed']>[number]>();
  for (const path of files.posts) {
    const day = dayOfFile.get(path);
    if (!day?.appliedTombstones) return files.tombstones;
    days.add(day);
  }
  const applied = [...days].map((d) => new Set(d.appliedTombstones));
  return files.tombstones.filter((t) => applied.some((a) => !a.has(t)));
}
