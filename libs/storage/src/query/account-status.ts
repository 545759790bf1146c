import { listValue } from '@duckdb/node-api';
import type { Session } from '../duckdb/pool';
import { isTailPath } from '../tail/tail-path';

/**
 * The latest status of every account in a set of accounts files, kept as two tables of the DuckDB instance:
 * `latest` (did, active, time_us: the newest row per did) and `inactive` (the dids whose newest row says
 * inactive). Deciding who is hidden took a GROUP BY over every account row in every query: at a day of 8.1M posts
 * (55k account rows) ~180 ms of CPU, the largest fixed cost of a page; at a month, thirty times that. The files
 * are immutable, so the answer is computed once per file set, and for a set that only grew (a flush added files)
 * from the previous tables plus the new files.
 */
export interface AccountStatusTables {
  latest: string;
  inactive: string;
  /** `inactive` already holds the tail's account rows of the query's files (tail/tail-accounts.ts). */
  tailFolded?: boolean;
}

interface Built {
  files: readonly string[];
  tables: AccountStatusTables;
  gen: number;
}

/** A replaced table is dropped after this long: a query that named it has finished (or timed out) by then. */
const DROP_AFTER_MS = 120_000;

export class AccountStatusCache {
  private current: Built | undefined;
  private building: { key: string; promise: Promise<Built> } | undefined;
  private readonly retired: { tables: AccountStatusTables; at: number }[] = [];
  private generation = 0;

  /** The tables for the Parquet files among `accounts` (tail paths are left to the query: they change each second). */
  async tables(session: Session, accounts: readonly string[]): Promise<AccountStatusTables | undefined> {
    const files = accounts.filter((f) => !isTailPath(f)).sort();
    if (files.length === 0) return undefined;
    const key = files.join('\n');
    if (this.current && this.current.files.join('\n') === key) return this.current.tables;
    if (this.building?.key !== key) {
      const promise = this.build(session, files);
      this.building = { key, promise };
      promise
        .catch(() => undefined)
        .finally(() => {
          if (this.building?.promise === promise) this.building = undefined;
        });
    }
    return (await this.building.promise).tables;
  }

  private async build(session: Session, files: string[]): Promise<Built> {
    await this.dropRetired(session);
    const previous = this.current;
    const gen = ++this.generation;
    const tables = { latest: `account_latest_${gen}`, inactive: `account_inactive_${gen}` };
    const have = new Set(previous?.files ?? []);
    const grown = previous !== undefined && previous.files.every((f) => files.includes(f));
    const added = grown ? files.filter((f) => !have.has(f)) : files;
    const rows = [
      ...(grown && previous ? [`SELECT did, active, time_us FROM ${previous.tables.latest}`] : []),
      ...(added.length
        ? ['SELECT did, active, time_us FROM read_parquet($files::VARCHAR[], hive_partitioning = false)']
        : []),
    ];
    await session.run(
      `CREATE TABLE ${tables.latest} AS
       SELECT did, arg_max(active, time_us) AS active, max(time_us) AS time_us
       FROM (${rows.join(' UNION ALL ')}) GROUP BY did`,
      added.length ? { files: listValue(added) } : {},
    );
    await session.run(`CREATE TABLE ${tables.inactive} AS SELECT did FROM ${tables.latest} WHERE NOT active`);
    const built = { files, tables, gen };
    // Of two builds running at once, the one started last (a newer listing) stays current.
    if (!this.current || this.current.gen < gen) {
      if (this.current) this.retired.push({ tables: this.current.tables, at: Date.now() });
      this.current = built;
    } else this.retired.push({ tables, at: Date.now() });
    return built;
  }

  private async dropRetired(session: Session): Promise<void> {
    while (this.retired.length && this.retired[0].at + DROP_AFTER_MS < Date.now()) {
      const { tables } = this.retired.shift() as { tables: AccountStatusTables };
      await session.run(`DROP TABLE IF EXISTS ${tables.latest}`);
      await session.run(`DROP TABLE IF EXISTS ${tables.inactive}`);
    }
  }
}
