import type { GraphQLError } from 'graphql';
import { maskError as defaultMaskError, type YogaServerOptions } from 'graphql-yoga';
import type { Logger } from './logger';

type MaskError = NonNullable<
  Exclude<YogaServerOptions<object, object>['maskedErrors'], boolean | undefined>['maskError']
>;

/**
 * Yoga's masking, with logging by kind. Client errors (a GraphQLError with a code: BAD_USER_INPUT, INVALID_CURSOR,
 * RATE_LIMITED, …) pass unmasked and are logged at debug without a stack, so that nobody can flood the error log by
 * sending bad input. Anything else is masked as "Unexpected error."; Yoga then passes the original error to its
 * logger's error method (see yogaLogging), once.
 */
export function logAndMaskError(log: Logger): MaskError {
  return (error, message, isDev) => {
    const masked = defaultMaskError(error, message, isDev);
    if (masked === error) {
      const { extensions, path } = error as GraphQLError;
      log.debug({ code: extensions?.code, path, message: (error as Error).message }, 'client error');
    }
    return masked;
  };
}

/** Yoga's logger on pino: an Error (an unexpected one, logged by Yoga after masking) keeps its stack. */
export function yogaLogging(log: Logger) {
  const text = (args: unknown[]) => args.map(String).join(' ');
  return {
    debug: (...args: unknown[]) => log.debug(text(args)),
    info: (...args: unknown[]) => log.info(text(args)),
    warn: (...args: unknown[]) => log.warn(text(args)),
    error: (...args: unknown[]) => {
      const err = args.find((a) => a instanceof Error);
      if (err) log.error({ err }, 'unexpected error in a resolver');
      else log.error(text(args));
    },
  };
}
