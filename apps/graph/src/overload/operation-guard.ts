import { DuckDbPool } from '@bsky-explorer/storage';
import { getOperationAST, Kind, type ExecutionResult, type FragmentDefinitionNode, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphContext } from '../context';
import { clientError, ErrorCode, retryLaterError } from '../errors';
import { operationsRejected } from '../metrics';
import { estimateCost } from '../query-cost';
import type { Admission } from './admission';
import { ServerBusyError } from './admission';
import type { RateLimiter } from './rate-limiter';

/** Operations executing (or finishing late work) right now, so that shutdown can wait for them. */
export class InFlight {
  private count = 0;
  private idle: (() => void)[] = [];

  get size(): number {
    return this.count;
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.count++;
    const done = () => {
      if (--this.count === 0) for (const resolve of this.idle.splice(0)) resolve();
    };
    work.then(done, done);
    return work;
  }

  /** Resolves when nothing runs, or after `ms`. */
  async drain(ms: number): Promise<void> {
    if (this.count === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.idle.push(resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
    ]);
    clearTimeout(timer);
  }
}

export interface OperationGuardOptions {
  inFlight: InFlight;
  schema: GraphQLSchema;
  admission: Admission;
  rateLimiter: RateLimiter;
  maxCost: number;
  defaultPageSize: number;
  queryTimeoutMs: number;
  exportTimeoutMs: number;
}

const INTROSPECTION = new Set(['__schema', '__type', '__typename']);

/**
 * Around every operation that touches data, in order of cost: the response-size estimate (with the variables),
 * the client's rate limit (429 RATE_LIMITED), a turn in the admission queue (503 SERVER_BUSY; mutations, i.e.
 * exports, have their own bound in ExportQuota instead), then execution under one deadline for the whole
 * operation, counted from before the wait for a turn: QUERY_TIMEOUT_MS for queries, EXPORT_TIMEOUT_MS for exports. Every DuckDB query of the operation
 * shares that deadline (DuckDbPool.withDeadline), and the answer is sent when it passes even if some non-DuckDB
 * work is still running; the admission slot is held until that work has really ended.
 */
export function useOperationGuard(options: OperationGuardOptions): Plugin<GraphContext> {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (!operation) return;
      const onlyIntrospection = operation.selectionSet.selections.every(
        (s) => s.kind === Kind.FIELD && INTROSPECTION.has(s.name.value),
      );
      if (onlyIntrospection) return;
      const ctx = args.contextValue as GraphContext;
      const isMutation = operation.operation === 'mutation';

      setExecuteFn(async (execArgs) => {
        const fragments: Record<string, FragmentDefinitionNode> = {};
        for (const d of execArgs.document.definitions)
          if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
        const cost = estimateCost(options.schema, operation, fragments, execArgs.variableValues ?? undefined, {
          defaultPageSize: options.defaultPageSize,
        });
        if (cost > options.maxCost) {
          operationsRejected.inc({ reason: 'cost' });
          return failed(
            clientError(
              ErrorCode.QUERY_TOO_COMPLEX,
              `this operation's cost (about ${cost} values in the response) is over the limit of ${options.maxCost}; select fewer fields or aliases, or ask for smaller pages (first)`,
              { cost, maxCost: options.maxCost },
            ),
          );
        }
        const wait = options.rateLimiter.take(ctx.clientKey);
        if (wait > 0) {
          operationsRejected.inc({ reason: 'rate_limit' });
          return failed(
            retryLaterError(ErrorCode.RATE_LIMITED, `too many requests from this client; retry in ${wait} s`, wait, {
              limit: 'requestsPerMinute',
            }),
          );
        }
        // The deadline runs from here: time spent waiting for a turn is part of QUERY_TIMEOUT_MS.
        const arrivedMs = performance.now();
        let release = () => {};
        if (!isMutation) {
          try {
            release = await options.admission.acquire();
          } catch (err) {
            if (!(err instanceof ServerBusyError)) throw err;
            operationsRejected.inc({ reason: err.reason });
            return failed(
              retryLaterError(
                ErrorCode.SERVER_BUSY,
                `the server is busy (${err.message}); retry in ${err.retryAfterSeconds} s`,
                err.retryAfterSeconds,
              ),
            );
          }
        }
        const budgetMs = isMutation ? options.exportTimeoutMs : options.queryTimeoutMs;
        const leftMs = Math.max(1, Math.round(budgetMs - (performance.now() - arrivedMs)));
        const work = options.inFlight.track(
          Promise.resolve(DuckDbPool.withDeadline(leftMs, () => executeFn(execArgs))),
        );
        void work.then(release, release);
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<ExecutionResult>((resolve) => {
          timer = setTimeout(() => {
            operationsRejected.inc({ reason: 'timeout' });
            resolve(
              failed(
                clientError(
                  ErrorCode.QUERY_TIMEOUT,
                  `the operation took longer than ${budgetMs} ms and was stopped; narrow it with dateRange, author or more specific text`,
                ),
              ),
            );
          }, leftMs + 50); // a DuckDB timeout (at the deadline) answers with its own error first when it can
        });
        try {
          return (await Promise.race([work, late])) as ExecutionResult;
        } finally {
          clearTimeout(timer);
        }
      });
    },
  };
}

function failed(error: Error): ExecutionResult {
  return { data: null, errors: [error as never] };
}
