// `npm run bench`: generates data, runs the phases, writes benchmarks/<date>-<days>d-<posts>-<run id>.json and
// renders BENCHMARKS.md from every result file.
import { runBench } from './run';
import { parseArgs, USAGE, UsageError } from './args';
import { stderrLog } from './progress';
import { renderOutputs } from './outputs';

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (argv[0] === '--render') {
    // Only the report: BENCHMARKS.md again from the result files in the folder given (default .), e.g. after
    // editing benchmarks/ANALYSIS.md or the renderer.
    stderrLog(`[bench] wrote ${await renderOutputs(argv[1] ?? '.')}`);
    return 0;
  }
  let options;
  try {
    options = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  const { jsonPath, reportPath } = await runBench(options, stderrLog);
  stderrLog(`[bench] wrote ${jsonPath}${reportPath ? ` and ${reportPath}` : ''}`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`[bench] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
