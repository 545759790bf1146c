// Where a run's result goes: its own file, named by date, scale and run id, never merged into another run's file;
// BENCHMARKS.md is then rendered from every result file, each as it was written.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BenchOptions } from './args';
import { benchPaths } from './paths';
import { renderReport, type ResultFile } from './report';
import type { BenchResult } from './result';

/** 8100000 → '8.1M', 20000 → '20k': the scale in a file name. */
export function postsLabel(n: number): string {
  const short = (x: number) => String(Math.round(x * 10) / 10);
  if (n >= 1_000_000) return `${short(n / 1_000_000)}M`;
  if (n >= 1_000) return `${short(n / 1_000)}k`;
  return String(n);
}

/** benchmarks/<date>-<days>d-<posts per day>[-quick]-<run id>.json */
export function resultFileName(r: BenchResult): string {
  const quick = r.options.profile === 'quick' ? '-quick' : '';
  return `${r.startedAt.slice(0, 10)}-${r.options.days}d-${postsLabel(r.options.postsPerDay)}${quick}-${r.runId ?? 'norunid'}.json`;
}

export async function readResultFiles(benchDir: string): Promise<ResultFile[]> {
  const names = (await readdir(benchDir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
  const files: ResultFile[] = [];
  for (const file of names)
    files.push({ file, result: JSON.parse(await readFile(join(benchDir, file), 'utf8')) as BenchResult });
  return files;
}

export async function writeOutputs(
  o: Pick<BenchOptions, 'out' | 'reportDir'>,
  result: BenchResult,
): Promise<{ result: BenchResult; jsonPath: string; reportPath?: string }> {
  const text = JSON.stringify(result, null, 1) + '\n';
  if (!o.reportDir) {
    const jsonPath = join(benchPaths(o.out).out, resultFileName(result));
    await writeFile(jsonPath, text, { flag: 'wx' });
    return { result, jsonPath };
  }
  const dir = resolve(o.reportDir);
  const benchDir = join(dir, 'benchmarks');
  await mkdir(benchDir, { recursive: true });
  const jsonPath = join(benchDir, resultFileName(result));
  // 'wx': a run never overwrites another run's file.
  await writeFile(jsonPath, text, { flag: 'wx' });
  const reportPath = await renderOutputs(dir);
  return { result, jsonPath, reportPath };
}

/** Renders `<dir>/BENCHMARKS.md` from `<dir>/benchmarks/*.json`, ANALYSIS.md and LOADTEST.md, as they are (no run). */
export async function renderOutputs(dir: string): Promise<string> {
  const benchDir = join(resolve(dir), 'benchmarks');
  const analysis = await readFile(join(benchDir, 'ANALYSIS.md'), 'utf8').catch(() => '');
  const loadTest = await readFile(join(benchDir, 'LOADTEST.md'), 'utf8').catch(() => '');
  const reportPath = join(resolve(dir), 'BENCHMARKS.md');
  await writeFile(reportPath, renderReport(await readResultFiles(benchDir), analysis, loadTest));
  return reportPath;
}
