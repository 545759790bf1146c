import { getOperationAST, Kind, type DocumentNode, type ExecutionResult, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from './logger';
import { errorsTotal, operationDuration, ROOT_FIELDS } from './metrics';

/** The metric label of an operation: its root field when it has exactly one known one, else 'other'. */
export function rootFieldLabel(document: DocumentNode, operationName?: string | null): string {
  const op = getOperationAST(document, operationName ?? undefined);
  if (!op) return 'other';
  const names = new Set<string>();
  for (const sel of op.selectionSet.selections) {
    if (sel.kind !== Kind.FIELD) return 'other';
    if (sel.name.value !== '__typename') names.add(sel.name.value);
  }
  const [only] = names;
  return names.size === 1 && (ROOT_FIELDS as readonly string[]).includes(only) ? only : 'other';
}

function errorsOf(result: unknown): readonly GraphQLError[] {
  if (Array.isArray(result)) return result.flatMap(errorsOf);
  return ((result as ExecutionResult | undefined)?.errors ?? []) as readonly GraphQLError[];
}

/**
 * Per request: a request id (x-request-id, echoed back and on every log line), the operation duration by root
 * field, errors by code (after masking, i.e. as clients see them), and one log line per operation without
 * variables (search text is user data: debug only).
 */
export function useObservability(log: Logger, requests: WeakMap<Request, { id: string }>): Plugin {
  return {
    onExecute({ args }) {
      const started = process.hrtime.bigint();
      const operation = rootFieldLabel(args.document, args.operationName);
      const requestId = requests.get((args.contextValue as { request: Request }).request)?.id;
      return {
        onExecuteDone({ result }) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const errors = errorsOf(result);
          operationDuration.observe({ operation, result: errors.length > 0 ? 'error' : 'ok' }, seconds);
          log.info(
            {
              requestId,
              operation,
              operationName: args.operationName ?? undefined,
              ms: Math.round(seconds * 1000),
              errors: errors.length,
            },
            'graphql operation',
          );
          log.debug({ requestId, variables: args.variableValues }, 'graphql variables');
        },
      };
    },
    onResultProcess({ result }) {
      for (const error of errorsOf(result)) {
        const code = error.extensions?.code;
        errorsTotal.inc({ code: typeof code === 'string' ? code : 'UNKNOWN' });
      }
    },
    onResponse({ request, response }) {
      const id = requests.get(request)?.id;
      if (id) response.headers.set('x-request-id', id);
    },
  };
}
