import { GraphQLError } from 'graphql';

// Expected failures become GraphQLErrors with a stable extensions.code (Yoga passes them through unmasked);
// anything else is thrown as is and masked by Yoga.

export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  INVALID_CURSOR: 'INVALID_CURSOR',
  QUERY_TIMEOUT: 'QUERY_TIMEOUT',
  EXPORT_TOO_LARGE: 'EXPORT_TOO_LARGE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export function clientError(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

export function badInput(argument: string, message: string): GraphQLError {
  return clientError(ErrorCode.BAD_USER_INPUT, message, { argument });
}
