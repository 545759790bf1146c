import { IDENTITY_COLUMNS, POST_COLUMNS, type ColumnDef } from '@bsky-explorer/schema';

/**
 * Spreadsheet formula injection (OWASP "CSV Injection"): a cell starting with = + - @ TAB or CR may be run as a
 * formula by Excel/LibreOffice/Sheets. Prefixing a single quote makes it plain text there; the value stays readable.
 */
export function neutralisedSql(expr: string): string {
  // substring(…, 1, 1) measured ~1.5× faster than left(…, 1) on 1M posts.
  return `CASE WHEN substring(${expr}, 1, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN '''' || ${expr} ELSE ${expr} END`;
}

/**
 * The export's columns: named and ordered as the GraphQL `Post` fields, so that a CSV reads like the API's answer;
 * storage-internal columns (rkey, rev, time_us, operation) are left out. `authorHandle` is the author's newest
 * handle from the identities table (alias `h`, one join per export, see writeCsv); the rest are post columns (`p`).
 */
export const CSV_COLUMNS: readonly { header: string; column: string; from?: 'identities' }[] = [
  { header: 'uri', column: 'uri' },
  { header: 'cid', column: 'cid' },
  { header: 'authorDid', column: 'did' },
  { header: 'authorHandle', column: 'handle', from: 'identities' },
  { header: 'text', column: 'text' },
  { header: 'createdAt', column: 'created_at' },
  { header: 'indexedAt', column: 'indexed_at' },
  { header: 'langs', column: 'langs' },
  { header: 'replyParentUri', column: 'reply_parent_uri' },
  { header: 'replyRootUri', column: 'reply_root_uri' },
  { header: 'quotedUri', column: 'quoted_uri' },
  { header: 'embedKind', column: 'embed_kind' },
  { header: 'externalUri', column: 'external_uri' },
  { header: 'mentions', column: 'mentions' },
  { header: 'tags', column: 'tags' },
  { header: 'links', column: 'links' },
  { header: 'labels', column: 'labels' },
];

/**
 * One export cell: timestamps as ISO-8601 UTC with µs (`2024-05-25T14:00:00.123456Z`, as the API's DateTime), lists
 * as JSON arrays (unambiguous whatever the items hold: `["en","ja"]`), every text cell neutralised. Headers are
 * quoted identifiers: camelCase survives DuckDB's case folding.
 */
function cellSql(header: string, c: ColumnDef, alias: string): string {
  const ref = `${alias}.${c.name}`;
  const as = `AS "${header}"`;
  switch (c.type) {
    case 'timestamp_us':
      return `strftime(${ref}, '%Y-%m-%dT%H:%M:%S.%fZ') ${as}`;
    case 'varchar[]':
      // Most lists are empty: skipping to_json for them is ~10× cheaper. A non-empty JSON array starts with '['.
      return `CASE WHEN coalesce(len(${ref}), 0) = 0 THEN '[]' ELSE CAST(to_json(${ref}) AS VARCHAR) END ${as}`;
    case 'varchar':
      return `${neutralisedSql(ref)} ${as}`;
    default:
      return `${ref} ${as}`;
  }
}

function columnDef(name: string, from: 'posts' | 'identities'): ColumnDef {
  const def = (from === 'identities' ? IDENTITY_COLUMNS : POST_COLUMNS).find((c) => c.name === name);
  if (!def) throw new Error(`CSV_COLUMNS names ${name}, which is not a column of ${from}`);
  return def;
}

/** The cells over `p` (the posts) and `h` (the author's newest handle, `handle` may be null). */
export const CSV_SELECT = CSV_COLUMNS.map((c) =>
  cellSql(c.header, columnDef(c.column, c.from ?? 'posts'), c.from ? 'h' : 'p'),
).join(', ');
export const CSV_HEADER = CSV_COLUMNS.map((c) => c.header).join(',');

/** A SQL string literal for a server-generated file path (COPY TO takes no bound parameter for its target). */
export function pathLiteral(path: string): string {
  if (/[\u0000-\u001f]/.test(path)) throw new RangeError('export path contains control characters');
  return `'${path.replace(/'/g, "''")}'`;
}
