import type { FileSets } from './post-sql';

/** What can hide a row of `files.posts`: tombstone files to read, and hidden-version files of compacted days. */
export interface HidingFiles {
  tombstones: string[];
  /** (uri, time_us) of rows of compacted days hidden by tombstone files those days applied late. */
  hidden: string[];
}

/**
 * The files that can hide a row of `files.posts`. Compaction of a posts day drops every row deleted or superseded
 * by the tombstone files it read, and later compaction runs apply each newer compacted tombstone file to the day
 * (compaction/late-tombstones.ts), writing the versions it hides to the day's hidden-version files; both kinds are
 * recorded (IndexedDay.appliedTombstones). So when every posts file read belongs to such a day, only tombstone
 * files some of those days did not apply are needed, plus those days' hidden versions. On a month of closed days
 * that is usually no tombstone file at all, where otherwise each query built a hash of ~6M tombstones (~200 ms).
 * Any other posts file (a flush file, a day compacted before this was recorded) needs every tombstone file.
 */
export function hidingFiles(files: FileSets): HidingFiles {
  if (files.tombstones.length === 0 || !files.indexed?.length) return { tombstones: files.tombstones, hidden: [] };
  const dayOfFile = new Map(files.indexed.flatMap((d) => d.files.map((f) => [f, d] as const)));
  const days = new Set<NonNullable<FileSets['indexed']>[number]>();
  for (const path of files.posts) {
    const day = dayOfFile.get(path);
    if (!day?.appliedTombstones) return { tombstones: files.tombstones, hidden: [] };
    days.add(day);
  }
  const applied = [...days].map((d) => new Set(d.appliedTombstones));
  return {
    tombstones: files.tombstones.filter((t) => applied.some((a) => !a.has(t))),
    hidden: [...days].flatMap((d) => d.hidden ?? []),
  };
}
