import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postsLabel, renderOutputs, resultFileName, writeOutputs } from './outputs';
import { NOT_MEASURED } from './report';
import { sampleResult } from '../tests/_util';

describe('result files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bench-outputs-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('names a file by date, scale, profile and run id', () => {
    expect(postsLabel(8_100_000)).toBe('8.1M');
    expect(postsLabel(1_000_000)).toBe('1M');
    expect(postsLabel(20_000)).toBe('20k');
    const r = sampleResult(30, '2026-12-02T10:00:00.000Z', 'abc123');
    r.options.postsPerDay = 8_100_000;
    expect(resultFileName(r)).toBe('2026-12-02-30d-8.1M-abc123.json');
    r.options.profile = 'quick';
    expect(resultFileName(r)).toBe('2026-12-02-30d-8.1M-quick-abc123.json');
  });

  it('writes each run to its own file and never merges a later partial run into an earlier one', async () => {
    const full = sampleResult(1, '2026-12-02T10:00:00.000Z', 'first1');
    // The same day and scale, later: search only (no ingest, no peers).
    const partial = sampleResult(1, '2026-12-02T12:00:00.000Z', 'second');
    delete partial.ingest;
    partial.search!.peers = {};
    partial.options.phases = ['search'];
    await writeOutputs({ out: dir, reportDir: dir }, full);
    const { jsonPath, reportPath } = await writeOutputs({ out: dir, reportDir: dir }, partial);
    expect((await readdir(join(dir, 'benchmarks'))).sort()).toEqual([
      '2026-12-02-1d-1k-first1.json',
      '2026-12-02-1d-1k-second.json',
    ]);
    // The partial run's file holds what it measured and nothing of the earlier run.
    const written = JSON.parse(await readFile(jsonPath, 'utf8'));
    expect(written.ingest).toBeUndefined();
    expect(written.search.peers).toEqual({});
    const md = await readFile(reportPath as string, 'utf8');
    const latest = md.slice(0, md.indexOf('## Earlier runs (archive)'));
    expect(latest).toContain('run second');
    expect(latest).toContain(`| ingest, sim → Redis → Parquet (posts/s) | ≥ 50,000 | ${NOT_MEASURED} |`);
    expect(latest).not.toContain('60,000');
    // The earlier run stays, whole, in the archive.
    const archive = md.slice(md.indexOf('## Earlier runs (archive)'));
    expect(archive).toContain('run first1');
    expect(archive).toContain('| ingest, sim → Redis → Parquet (posts/s) | ≥ 50,000 | 60,000 ✅ |');
    // A file is never overwritten.
    await expect(writeOutputs({ out: dir, reportDir: dir }, partial)).rejects.toThrow(/EEXIST/);
  });

  it('without a report dir, writes the result beside the data only', async () => {
    const { jsonPath, reportPath } = await writeOutputs({ out: dir, reportDir: '' }, sampleResult());
    expect(jsonPath).toBe(join(dir, '2026-01-01-1d-1k-aaaaaa.json'));
    expect(reportPath).toBeUndefined();
    expect(JSON.parse(await readFile(jsonPath, 'utf8')).runId).toBe('aaaaaa');
  });

  it('renders the report again from the result files and the analysis, without a run', async () => {
    await writeOutputs({ out: dir, reportDir: dir }, sampleResult(1, '2026-12-02T10:00:00.000Z', 'first1'));
    const before = await readFile(join(dir, 'BENCHMARKS.md'), 'utf8');
    await writeFile(join(dir, 'benchmarks', 'ANALYSIS.md'), '## Analysis\n\nWritten after the run.\n');
    const reportPath = await renderOutputs(dir);
    const after = await readFile(reportPath, 'utf8');
    expect(after).toContain('Written after the run.');
    // The run's section is rendered from its file as before.
    const runSection = (md: string) => md.slice(md.indexOf('### '), md.indexOf('Query mix'));
    expect(runSection(after)).toBe(runSection(before));
    expect(await readdir(join(dir, 'benchmarks'))).toEqual(['2026-12-02-1d-1k-first1.json', 'ANALYSIS.md']);
  });
});
