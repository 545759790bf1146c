import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

// graphql-js reports a variable that fails coercion (wrong type, bad DateTime, missing required) with a message but
// without our extensions.code. Clients branch on the code, so such errors get BAD_USER_INPUT, and other
// validation failures GRAPHQL_VALIDATION_FAILED.

function withCode(error: GraphQLError, code: string): GraphQLError {
  if (error.extensions?.code) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code },
  });
}

const isVariableError = (e: GraphQLError) => e.message.startsWith('Variable "$');

export function useInputErrorCodes(): Plugin {
  return {
    onValidate() {
      return ({ result, setResult }) => {
        if (result.length > 0) setResult(result.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED')));
      };
    },
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          const r = result as ExecutionResult;
          if (!r.errors?.some((e) => !e.extensions?.code && isVariableError(e))) return;
          setResult({ ...r, errors: r.errors.map((e) => (isVariableError(e) ? withCode(e, 'BAD_USER_INPUT') : e)) });
        },
      };
    },
  };
}
