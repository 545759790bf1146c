// Bundles one app's entry point into a single CommonJS file for its container image (apps/<app>/Dockerfile runs
// this; infra/tests runs the same function and starts the result, so the image's build step is exercised here
// without a Docker engine). esbuild comes with tsx (no extra package).
import { build } from 'esbuild';
import { resolve } from 'node:path';

/** Packages left out of the bundle: native binaries and wasm files are loaded from node_modules at run time. */
export const EXTERNAL_PACKAGES = ['@duckdb/node-api', 'parquet-wasm'];

export const APPS = ['ingest', 'graph'] as const;
export type AppName = (typeof APPS)[number];

const ROOT = resolve(__dirname, '../..');

/** Entry points per app: the service, plus ingest's one-shot `compact` command (`node dist/compact.js`) and its flush worker thread (loaded by main.js from beside it). */
export const ENTRY_POINTS: Record<AppName, Record<string, string>> = {
  ingest: {
    main: 'apps/ingest/src/main.ts',
    compact: 'apps/ingest/src/compact.ts',
    'flush-worker': 'apps/ingest/src/flush-worker.ts',
  },
  graph: { main: 'apps/graph/src/main.ts' },
};

/** Writes `<outDir>/<entry>.js` (+ source maps) for each entry point of the app; returns the main bundle's path. */
export async function bundleApp(app: AppName, outDir: string): Promise<string> {
  await build({
    absWorkingDir: ROOT,
    entryPoints: ENTRY_POINTS[app],
    outdir: resolve(outDir),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    // The path aliases (@bsky-explorer/*) live in the base tsconfig.
    tsconfig: 'tsconfig.base.json',
    external: EXTERNAL_PACKAGES,
    logLevel: 'warning',
    legalComments: 'none',
  });
  return resolve(outDir, 'main.js');
}

if (require.main === module) {
  const [app, outDir] = process.argv.slice(2);
  if (!APPS.includes(app as AppName) || !outDir) {
    process.stderr.write(`usage: tsx infra/docker/bundle.ts <${APPS.join('|')}> <out-dir>\n`);
    process.exitCode = 2;
  } else {
    bundleApp(app as AppName, outDir).then(
      (file) => process.stdout.write(`bundled ${file}\n`),
      (err: unknown) => {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
      },
    );
  }
}
