import { listValue } from '@duckdb/node-api';
import { makeTempDir } from '@bsky-explorer/testing';
import { DuckDbPool } from '../duckdb/pool';
import { listDataFiles } from '../layout/list-data-files';
import { AccountStatusCache } from './account-status';
import { DAY, HOUR, T0, account, flush } from './fixtures.test-util';
import { compactDay } from '../compaction/compact-day';

// The precomputed latest status per account must equal a GROUP BY over every account row, for a file set that
// grew (built from the previous tables plus the new files) and for one that changed otherwise (a compaction).

describe('account status tables', () => {
  it('hold the latest status of each account, after a flush adds files and after a compaction replaces them', async () => {
    const tmp = await makeTempDir('bsky-accounts-');
    try {
      await using pool = await DuckDbPool.create({ dataDir: tmp.path, queryTimeoutMs: 20_000, poolSize: 1 });
      const cache = new AccountStatusCache();
      const inactive = () =>
        pool.use('search', async (session) => {
          const tables = await cache.tables(session, await listDataFiles(tmp.path, 'accounts'));
          if (!tables) return [];
          const rows = await session.all(`SELECT did FROM ${tables.inactive} ORDER BY did`);
          // The same answer as the GROUP BY it replaces.
          const files = await listDataFiles(tmp.path, 'accounts');
          const reference = await session.all(
            `SELECT did FROM read_parquet($files::VARCHAR[]) GROUP BY did HAVING NOT arg_max(active, time_us) ORDER BY did`,
            { files: listValue(files) },
          );
          expect(rows).toEqual(reference);
          return rows.map((r) => r.did);
        });

      expect(await inactive()).toEqual([]);
      await flush(tmp.path, { accounts: [account('did:plc:a', false, T0), account('did:plc:b', false, T0)] });
      expect(await inactive()).toEqual(['did:plc:a', 'did:plc:b']);
      // Grown: a reactivation, a row older than the latest (ignored), a new deactivation.
      await flush(tmp.path, {
        accounts: [
          account('did:plc:a', true, T0 + HOUR),
          account('did:plc:b', true, T0 - HOUR),
          account('did:plc:c', false, T0),
        ],
      });
      expect(await inactive()).toEqual(['did:plc:b', 'did:plc:c']);
      // Asked again without a change: the same tables.
      const again = await pool.use('search', async (s) => cache.tables(s, await listDataFiles(tmp.path, 'accounts')));
      const same = await pool.use('search', async (s) => cache.tables(s, await listDataFiles(tmp.path, 'accounts')));
      expect(same).toEqual(again);
      // Replaced by compaction (not a superset of the old list): rebuilt from the files.
      await compactDay(tmp.path, '2024-05-25', { graceMs: 0, tables: ['accounts'] });
      await flush(tmp.path, { accounts: [account('did:plc:c', true, T0 + DAY)] });
      expect(await inactive()).toEqual(['did:plc:b']);
    } finally {
      await tmp.remove();
    }
  });
});
