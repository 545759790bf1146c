import { GraphQLError } from 'graphql';

// Expected failures become GraphQLErrors with a stable extensions.code (Yoga passes them through unmasked);
// anything else is thrown as is and masked by Yoga.

export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  INVALID_CURSOR: 'INVALID_CURSOR',
  QUERY_TIMEOUT: 'QUERY_TIMEOUT',
  EXPORT_TOO_LARGE: 'EXPORT_TOO_LARGE',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  /** Too many operations queued or waiting too long: HTTP 503 with Retry-After. */
  SERVER_BUSY: 'SERVER_BUSY',
  /** A per-client rate limit or export quota: HTTP 429 with Retry-After. */
  RATE_LIMITED: 'RATE_LIMITED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export function clientError(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

export function badInput(argument: string, message: string): GraphQLError {
  return clientError(ErrorCode.BAD_USER_INPUT, message, { argument });
}

/** An error that also sets the HTTP status and Retry-After of the response (Yoga reads extensions.http). */
export function retryLaterError(
  code: typeof ErrorCode.SERVER_BUSY | typeof ErrorCode.RATE_LIMITED,
  message: string,
  retryAfterSeconds: number,
  extra: Record<string, unknown> = {},
): GraphQLError {
  return clientError(code, message, {
    retryAfterSeconds,
    ...extra,
    http: {
      status: code === ErrorCode.SERVER_BUSY ? 503 : 429,
      headers: { 'retry-after': String(retryAfterSeconds) },
    },
  });
}
