import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import type { GraphQLArmorRejectCallback } from '@escape.tech/graphql-armor-types';
import { GraphQLError, Kind, NoSchemaIntrospectionCustomRule, parse, type ValidationRule } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX';

export interface QueryLimits {
  maxDepth: number;
  /** Root fields per operation, aliases included: each searchPosts is a scan of the data. */
  maxRootFields: number;
  maxAliases: number;
  maxTokens: number;
  maxDocumentBytes: number;
  introspection: boolean;
}

const tooComplex = (message: string, status?: number) =>
  createGraphQLError(message, {
    extensions: { code: QUERY_TOO_COMPLEX, ...(status ? { http: { status } } : {}) },
  });

// graphql-armor throws a bare "Syntax Error: …" without a code; report it as a validation error clients can branch on.
const reject =
  (hint: string): GraphQLArmorRejectCallback =>
  (ctx, error) =>
    ctx?.reportError(
      new GraphQLError(`${error.message.replace(/^Syntax Error: /, '')} ${hint}`, {
        extensions: { code: QUERY_TOO_COMPLEX },
      }),
    );

function maxRootFieldsRule(max: number): ValidationRule {
  return (context) => ({
    OperationDefinition(node) {
      const count = node.selectionSet.selections.filter(
        (s) => s.kind !== Kind.FIELD || s.name.value !== '__typename',
      ).length;
      if (count > max) {
        context.reportError(
          new GraphQLError(
            `an operation may select at most ${max} root fields (got ${count}); send separate requests`,
            {
              nodes: node,
              extensions: { code: QUERY_TOO_COMPLEX },
            },
          ),
        );
      }
    },
  });
}

/**
 * Limits checked before any resolver runs, cheapest first: the document's size before parsing, its tokens while
 * parsing (graphql-js stops at maxTokens), then at validation depth, aliases, root fields and (when switched off)
 * introspection. The response-size estimate needs the variables and runs at execution (operation-guard.ts).
 */
export function queryLimitPlugins(limits: QueryLimits): Plugin[] {
  const introspectionRules: ValidationRule[] = limits.introspection ? [] : [NoSchemaIntrospectionCustomRule];
  return [
    {
      onParams({ params }) {
        const size = params.query === undefined ? 0 : Buffer.byteLength(params.query);
        if (size > limits.maxDocumentBytes) {
          throw tooComplex(`the query document is ${size} bytes; at most ${limits.maxDocumentBytes} are accepted`, 413);
        }
      },
      onParse({ setParseFn }) {
        setParseFn((source, options) => {
          try {
            return parse(source, { ...options, maxTokens: limits.maxTokens });
          } catch (err) {
            // graphql-js 16 words it "contains more that N tokens".
            if (err instanceof GraphQLError && /more th\w+ \d+ tokens/.test(err.message)) {
              throw tooComplex(`the query document has more than ${limits.maxTokens} tokens; send a smaller one`, 400);
            }
            throw err;
          }
        });
      },
      onValidate({ addValidationRule }) {
        addValidationRule(maxRootFieldsRule(limits.maxRootFields));
        for (const rule of introspectionRules) addValidationRule(rule);
      },
    },
    maxDepthPlugin({
      n: limits.maxDepth,
      ignoreIntrospection: true,
      propagateOnRejection: false,
      onReject: [reject('Nest replyParent/quoted less deeply.')],
    }),
    maxAliasesPlugin({
      n: limits.maxAliases,
      propagateOnRejection: false,
      onReject: [reject('Select each field once; send separate requests for more.')],
    }),
  ];
}
