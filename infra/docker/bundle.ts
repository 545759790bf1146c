// Bundles one app's entry point into a single CommonJS file for its container image (apps/<app>/Dockerfile runs
// this; infra/tests runs the same function and starts the result, so the image's build step is exercised here
// without a Docker engine). esbuild comes with tsx (no extra package).
import { build } from 'esbuild';
import { builtinModules } from 'node:module';
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

export interface Bundle {
  /** The main bundle's path. */
  main: string;
  /** Packages the bundles load from node_modules at run time (Node built-ins left out). */
  runtimePackages: string[];
}

/** Writes `<outDir>/<entry>.js` (+ source maps) for each entry point of the app. */
export async function bundleApp(app: AppName, outDir: string): Promise<Bundle> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ENTRY_POINTS[app],
    outdir: resolve(outDir),
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    sourcemap: true,
    // Stack traces need the mappings only; the sources themselves would double the image's dist/.
    sourcesContent: false,
    // The path aliases (@bsky-explorer/*) live in the base tsconfig.
    tsconfig: 'tsconfig.base.json',
    external: EXTERNAL_PACKAGES,
    logLevel: 'warning',
    legalComments: 'none',
    metafile: true,
  });
  // esbuild's own record of what stays a run-time import (what a text search of the bundle would over-count:
  // the bundles embed other JavaScript as strings).
  const packages = new Set<string>();
  for (const output of Object.values(result.metafile.outputs))
    for (const imp of output.imports)
      if (imp.external && !imp.path.startsWith('node:') && !builtinModules.includes(imp.path))
        packages.add(imp.path.startsWith('@') ? imp.path.split('/').slice(0, 2).join('/') : imp.path.split('/')[0]);
  return { main: resolve(outDir, 'main.js'), runtimePackages: [...packages].sort() };
}

if (require.main === module) {
  const [app, outDir] = process.argv.slice(2);
  if (!APPS.includes(app as AppName) || !outDir) {
    process.stderr.write(`usage: tsx infra/docker/bundle.ts <${APPS.join('|')}> <out-dir>\n`);
    process.exitCode = 2;
  } else {
    bundleApp(app as AppName, outDir).then(
      (bundle) =>
        process.stdout.write(`bundled ${bundle.main} (run-time packages: ${bundle.runtimePackages.join(', ')})\n`),
      (err: unknown) => {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
      },
    );
  }
}
