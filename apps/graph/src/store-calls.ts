import {
  FilterError,
  InvalidCursorError,
  PoolClosedError,
  QueryTimeoutError,
  SearchSyntaxError,
} from '@bsky-explorer/storage';
import { badInput, clientError, ErrorCode, retryLaterError } from './errors';
import { duckdbQueriesInFlight } from './metrics';

/** Counts a store call in graph_duckdb_queries_in_flight while it runs (queue wait included). */
export async function trackQuery<T>(call: () => Promise<T>): Promise<T> {
  duckdbQueriesInFlight.inc();
  try {
    return await call();
  } finally {
    duckdbQueriesInFlight.dec();
  }
}

/**
 * Runs a store call and turns the store's expected failures into client errors with a stable code; anything
 * else propagates and is masked by Yoga.
 */
export function storeCall<T>(call: () => Promise<T>): Promise<T> {
  return withClientErrors(() => trackQuery(call));
}

/** Only the error mapping, for calls already tracked elsewhere (DataLoader batches). */
export async function withClientErrors<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toClientError(err);
  }
}

export function toClientError(err: unknown): unknown {
  if (err instanceof QueryTimeoutError) {
    return clientError(
      ErrorCode.QUERY_TIMEOUT,
      `the query took longer than ${err.timeoutMs} ms and was stopped; narrow it with dateRange, author or more specific text`,
    );
  }
  if (err instanceof InvalidCursorError) {
    return clientError(
      ErrorCode.INVALID_CURSOR,
      /sorted (LATEST|OLDEST)/.test(err.message)
        ? `after: ${err.message}`
        : 'after is not a cursor returned by this API; start again without after',
      {
        argument: 'after',
      },
    );
  }
  if (err instanceof FilterError) return badInput(err.argument, err.message);
  if (err instanceof SearchSyntaxError) return badInput('text', `text cannot be searched: ${err.message}`);
  // Only while shutting down (past the drain bound): another instance, or this one restarted, will answer.
  if (err instanceof PoolClosedError)
    return retryLaterError(ErrorCode.SERVER_BUSY, 'the server is shutting down; retry', 1);
  return err;
}
