// The tail as "one more flush file": a query's file lists carry a pseudo path per (table, day) of the tail, which
// every file helper treats like a data file (its folder names the partition day, so date pruning works as is) and
// SqlParams.files expands into a SELECT over the tail's in-memory table (tail-sql.ts). The path names the
// snapshot (table generation and stream-id range), so it also keys the result cache: a grown tail is a new file.
import { assertDate } from '../layout/partition';

export const TAIL_TABLES = ['posts', 'tombstones', 'accounts'] as const;
export type TailTable = (typeof TAIL_TABLES)[number];

const SCHEME = 'tail:';
const PATH_RE =
  /^tail:\/(posts|tombstones|accounts)\/date=(\d{4}-\d{2}-\d{2})\/g(\d+)_(\d{13}-\d{10})_(\d{13}-\d{10})$/;

/** One day of one table of a tail snapshot: rows of generation `gen` with padded stream ids in [lo, hiEx). */
export interface TailPart {
  table: TailTable;
  date: string;
  gen: number;
  lo: string;
  hiEx: string;
}

export function tailPath(p: TailPart): string {
  assertDate(p.date);
  return `${SCHEME}/${p.table}/date=${p.date}/g${p.gen}_${p.lo}_${p.hiEx}`;
}

export function isTailPath(path: string): boolean {
  return path.startsWith(SCHEME);
}

export function parseTailPath(path: string): TailPart {
  const m = PATH_RE.exec(path);
  if (!m) throw new RangeError(`not a tail path: ${JSON.stringify(path)}`);
  return { table: m[1] as TailTable, date: m[2], gen: Number(m[3]), lo: m[4], hiEx: m[5] };
}
