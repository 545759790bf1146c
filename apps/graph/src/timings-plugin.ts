import type { Plugin } from 'graphql-yoga';
import type { GraphContext } from './context';

/**
 * With GRAPH_TIMINGS on: the response's `extensions.timings` holds the ms per phase of the request's store calls
 * (`search.listing`, `search.scan`, `count.vocabulary`, …) and `execute`, the whole GraphQL execution, so that a
 * client can split its own latency into HTTP, GraphQL and store phases (the benchmark's "where the time goes").
 */
export function useTimings(): Plugin<GraphContext> {
  return {
    onExecute({ args }) {
      const timings = (args.contextValue as GraphContext).timings;
      if (!timings) return undefined;
      const started = performance.now();
      return {
        onExecuteDone({ result, setResult }) {
          if (Symbol.asyncIterator in (result as object)) return;
          const flat: Record<string, number> = { execute: performance.now() - started };
          for (const [call, phases] of Object.entries(timings))
            for (const [phase, ms] of Object.entries(phases)) flat[`${call}.${phase}`] = ms;
          const single = result as { extensions?: Record<string, unknown> };
          setResult({ ...single, extensions: { ...single.extensions, timings: flat } } as never);
        },
      };
    },
  };
}
