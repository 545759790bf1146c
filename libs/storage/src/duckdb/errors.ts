/** A DuckDB query ran (or waited for a connection) longer than the configured timeout and was interrupted. */
export class QueryTimeoutError extends Error {
  override name = 'QueryTimeoutError';
  constructor(
    readonly kind: string,
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(`${kind} query exceeded ${timeoutMs} ms and was interrupted`, options);
  }
}

/** The pool was closed while a query waited for, or tried to get, a connection. */
export class PoolClosedError extends Error {
  override name = 'PoolClosedError';
  constructor() {
    super('the DuckDB pool is closed');
  }
}

// Errors raised by the native binding may come from another JS realm (jest's sandbox): never rely on instanceof.
const messageOf = (err: unknown): string =>
  typeof err === 'object' && err !== null && 'message' in err
    ? String((err as { message: unknown }).message)
    : String(err);

/** DuckDB reports a file that vanished between listing and reading (a flush or compaction swapped it). */
export function isMissingFileError(err: unknown): boolean {
  const msg = messageOf(err);
  return /No files found|No such file|does not exist|Cannot open file|could not open file/i.test(msg);
}

export function isInterruptError(err: unknown): boolean {
  return /^INTERRUPT Error/i.test(messageOf(err));
}
