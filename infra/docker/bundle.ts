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

/** Writes `<outDir>/main.js` (+ source map) from `apps/<app>/src/main.ts`; returns the bundle's path. */
export async function bundleApp(app: AppName, outDir: string): Promise<string> {
  const outfile = resolve(outDir, 'main.js');
  await build({
    absWorkingDir: ROOT,
    entryPoints: [`apps/${app}/src/main.ts`],
    outfile,
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
  return outfile;
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
