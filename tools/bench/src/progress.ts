// One line per phase step, with elapsed time and a rate, so that a long run shows where it is.

const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms.toFixed(0)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatRate(count: number, ms: number, unit: string): string {
  return `${fmtInt(count / Math.max(ms / 1000, 1e-9))} ${unit}/s`;
}

export interface Step {
  /** Milliseconds since the step started. */
  elapsed(): number;
  /** Logs the end of the step: `count unit in T (rate)`; returns the elapsed ms. */
  done(count?: number, unit?: string, extra?: string): number;
}

export type Log = (line: string) => void;

export const stderrLog: Log = (line) => process.stderr.write(line + '\n');

export function step(log: Log, phase: string, what: string): Step {
  const t0 = performance.now();
  log(`[bench] ${phase}: ${what} …`);
  return {
    elapsed: () => performance.now() - t0,
    done(count, unit, extra) {
      const ms = performance.now() - t0;
      const rate =
        count !== undefined && unit
          ? `${fmtInt(count)} ${unit} in ${formatDuration(ms)} (${formatRate(count, ms, unit)})`
          : formatDuration(ms);
      log(`[bench] ${phase}: ${what} — ${rate}${extra ? `; ${extra}` : ''}`);
      return ms;
    },
  };
}
