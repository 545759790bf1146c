// Phase "export": exportPosts of N rows through GraphQL, then the download of the signed link, timed together.
import type { ExportResult } from '../result';
import { exportPosts } from '../graphql-client';
import { step, type Log } from '../progress';

export async function runOurExport(endpoint: string, rows: number, log: Log): Promise<Omit<ExportResult, 'peers'>> {
  const s = step(log, 'export', `ours: exportPosts(limit ${rows.toLocaleString('en-US')}) + download`);
  const { url, rowCount } = await exportPosts(endpoint, { limit: rows });
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`export download answered ${res.status}`);
  let bytes = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.byteLength;
  const ms = s.done(rowCount, 'rows', `${(bytes / 2 ** 20).toFixed(0)} MiB CSV`);
  return { rows: rowCount, seconds: ms / 1000, bytes };
}
