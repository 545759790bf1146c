// The run's timeline: every phase with its duration and the machine's load average when it started and ended, so a
// reader can tell a slow figure from a busy machine (the machine is shared; load is not ours alone).
import { loadavg } from 'node:os';
import type { BenchResult, PhaseRecord } from './result';

const load = (): [number, number, number] => {
  const [a, b, c] = loadavg();
  const r = (x: number) => Math.round(x * 100) / 100;
  return [r(a), r(b), r(c)];
};

/** Runs one phase of the run and appends its record to `result.timeline`, failed or not. */
export async function recordPhase<T>(result: BenchResult, phase: string, fn: () => Promise<T> | T): Promise<T> {
  const rec: PhaseRecord = {
    phase,
    startedAt: new Date().toISOString(),
    seconds: 0,
    loadStart: load(),
    loadEnd: [0, 0, 0],
  };
  (result.timeline ??= []).push(rec);
  const t0 = performance.now();
  try {
    return await fn();
  } catch (err) {
    rec.failed = true;
    throw err;
  } finally {
    rec.seconds = Math.round(performance.now() - t0) / 1000;
    rec.loadEnd = load();
  }
}
