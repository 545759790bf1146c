// The account status of one query's files with the tail's account rows folded in, once per query instead of once
// per statement. Which dids are hidden is precomputed for the Parquet files (query/account-status.ts); the tail's
// account rows (the last minutes) change that for the dids they name, and every statement of a query decided that
// again (post-sql.ts inactiveDids: the newest Parquet status of those dids looked up and grouped with the tail's
// rows): ~10 ms per statement with a full tail, two to four statements per search. Here that answer is kept as a
// table for the query's (status tables, tail snapshot), shared by the queries that name the same pair, and dropped
// once no query holds it when another pair is built.
import type { Session } from '../duckdb/pool';
import type { AccountStatusTables } from '../query/account-status';
import { SqlParams, inactiveDids } from '../query/post-sql';
import { nextStreamId } from '../stream/stream-id';
import { padStreamId } from '../layout/partition';
import type { TailSnapshot } from './tail-files';
import { isTailPath, parseTailPath } from './tail-path';

/**
 * What names the tail's account rows a query reads: its paths, or, when they reach the snapshot's end (no flush
 * file capped them), the generation, its start and how many account rows it held (a generation is only appended
 * to), so that the snapshots of appends without account rows share one table.
 */
function foldKey(paths: readonly string[], snapshot: TailSnapshot | undefined): string[] {
  if (snapshot?.accountRows === undefined) return [...paths];
  const end = padStreamId(nextStreamId(snapshot.hi));
  const parts = paths.map(parseTailPath);
  if (parts.some((p) => p.gen !== snapshot.gen || p.lo !== snapshot.lo || p.hiEx !== end)) return [...paths];
  return [`g${snapshot.gen}`, snapshot.lo, `rows ${snapshot.accountRows}`, ...parts.map((p) => p.date)];
}

interface Folded {
  key: string;
  table: string;
  leases: number;
  ready: Promise<void>;
}

/** The status tables to read for one query, and the hold on them (release when the query is done). */
export interface FoldedStatus {
  tables: AccountStatusTables;
  release(): void;
}

const KEEP_RECENT = 2;

export class TailAccountFold {
  private readonly folded = new Map<string, Folded>();
  private n = 0;
  /** The tables built last: kept even unheld (the next queries' snapshot; a straggler's older one beside it). */
  private recent: Folded[] = [];

  /**
   * The status tables of `status` (the Parquet files' status) with the tail's rows among `accounts` folded into
   * `inactive`; undefined when `accounts` holds no tail rows (the tables are then right as they are).
   */
  async fold(
    session: Session,
    status: AccountStatusTables,
    accounts: readonly string[],
    snapshot?: TailSnapshot,
  ): Promise<FoldedStatus | undefined> {
    const tail = accounts.filter(isTailPath);
    if (tail.length === 0) return undefined;
    const key = [status.inactive, status.latest, ...foldKey(tail, snapshot)].join('\n');
    // The table about to be built becomes the most recent: of the others, only the newest KEEP_RECENT - 1 stay.
    if (!this.folded.has(key)) await this.dropUnused(session, this.recent.slice(0, KEEP_RECENT - 1));
    // (Looked up again: a query naming the same pair may have built it meanwhile.)
    let entry = this.folded.get(key);
    if (!entry) {
      const table = `tail_inactive_${++this.n}`;
      const sql = new SqlParams();
      const query = inactiveDids(sql, { posts: [], tombstones: [], accounts: tail, accountStatus: status });
      entry = { key, table, leases: 0, ready: Promise.resolve() };
      const created = entry;
      created.ready = session.run(`CREATE TABLE ${table} AS ${query}`, sql.values).then(() => undefined);
      this.folded.set(key, created);
      this.recent = [created, ...this.recent].slice(0, KEEP_RECENT);
      created.ready.catch(() => {
        // A failed build is not kept: the next query builds it again.
        if (this.folded.get(key) === created) this.folded.delete(key);
      });
    }
    const held = entry;
    held.leases++;
    try {
      await held.ready;
    } catch (err) {
      held.leases--;
      throw err;
    }
    let released = false;
    return {
      tables: { ...status, inactive: held.table, tailFolded: true },
      release: () => {
        if (released) return;
        released = true;
        held.leases--;
      },
    };
  }

  /**
   * Before a newer table is built: the tables no query holds, but `keep`, are dropped (on that query's session,
   * before its CREATE). A query that names a dropped pair later builds it again.
   */
  private async dropUnused(session: Session, keep: readonly Folded[]): Promise<void> {
    for (const entry of [...this.folded.values()]) {
      if (entry.leases > 0 || keep.includes(entry)) continue;
      this.folded.delete(entry.key);
      await entry.ready.catch(() => undefined);
      await session.run(`DROP TABLE IF EXISTS ${entry.table}`).catch(() => undefined);
    }
  }
}
