import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { ROOT } from './_util';

// Every project declares the packages its own files import, in its own package.json: a runtime import of an app or
// a library under "dependencies" (the app images install those, `npm audit --omit=dev` checks them), a test-only
// import, a type-only import or anything a tool imports under "devDependencies". One version range per package
// across the repository, so the lockfile resolves each to one version. infra/ and the root's config files are not
// an npm workspace: the root package.json declares what they import (and they may use any workspace package).

interface Manifest {
  name?: string;
  workspaces?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8'));

const SKIP_DIRS = new Set(['node_modules', 'dist', 'data', 'coverage', '.nx']);
function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    if (e.isDirectory() && !SKIP_DIRS.has(e.name)) files.push(...sourceFiles(join(dir, e.name)));
    else if (e.isFile() && /\.(ts|js|mjs|cjs)$/.test(e.name)) files.push(join(dir, e.name));
  }
  return files;
}

// import … from 'x', export … from 'x', import 'x', import('x'), require('x'); not node's '--import' flag. Group 1 is
// " type" for a type-only import or export, group 2 or 3 the specifier. Comments are removed first.
const IMPORT =
  /(?<![\w.$-])(?:(?:import|export)(\s+type)?\s[^;'"]*?\bfrom\s*['"]([^'"]+)['"]|(?:import\s*\(?|require\s*\()\s*['"]([^'"]+)['"])/g;
const COMMENT = /\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm;
const packageName = (spec: string) =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');
const isPackage = (spec: string) =>
  !/^[./]/.test(spec) && !spec.startsWith('node:') && !builtinModules.includes(packageName(spec));

interface Import {
  file: string;
  name: string;
  typeOnly: boolean;
}
/** Package imports of the files under `dir` (or of `files` when given), relative to `dir`. */
function packageImports(dir: string, files = sourceFiles(dir)): Import[] {
  return files.flatMap((file) =>
    [...readFileSync(join(ROOT, file), 'utf8').replace(COMMENT, '').matchAll(IMPORT)]
      .map((m) => ({ spec: m[2] ?? m[3], typeOnly: Boolean(m[1]) }))
      .filter(({ spec }) => isPackage(spec))
      .map(({ spec, typeOnly }) => ({ file: relative(dir, file), name: packageName(spec), typeOnly })),
  );
}

const isTestFile = (file: string) => /(^|\/)(tests|bench)\/|\.test(-util)?\.ts$/.test(file);

const root = manifest('.');
const workspaceDirs = root.workspaces!.flatMap((pattern) => {
  const parent = pattern.replace(/\/\*$/, '');
  return readdirSync(join(ROOT, parent))
    .map((d) => join(parent, d))
    .filter((d) => existsSync(join(ROOT, d, 'package.json')));
});
const workspaceNames = new Set(workspaceDirs.map((d) => manifest(d).name!));

describe('each project declares the packages it imports', () => {
  it.each(workspaceDirs)('%s/package.json', (dir) => {
    const own = manifest(dir);
    // Apps' and libraries' runtime code (bundled into the images) needs "dependencies"; everything else may be dev.
    const runtime = (i: Import) => /^(apps|libs)\//.test(dir) && !isTestFile(i.file) && !i.typeOnly;
    const problem = (i: Import) => {
      if (runtime(i)) return own.dependencies?.[i.name] ? [] : [`${i.name} (${i.file}): not in "dependencies"`];
      return own.dependencies?.[i.name] || own.devDependencies?.[i.name] ? [] : [`${i.name} (${i.file}): not declared`];
    };
    const problems = packageImports(dir)
      .filter((i) => i.name !== own.name)
      .flatMap(problem);
    expect([...new Set(problems)]).toEqual([]);
  });

  it('infra/ and the root config files: the root package.json', () => {
    const rootFiles = readdirSync(ROOT).filter((f) => /\.(js|mjs|cjs|ts)$/.test(f));
    const imports = [...packageImports('infra'), ...packageImports('.', rootFiles)];
    const missing = imports
      .filter((i) => !workspaceNames.has(i.name) && !root.dependencies?.[i.name] && !root.devDependencies?.[i.name])
      .map((i) => `${i.name} (${i.file})`);
    expect([...new Set(missing)]).toEqual([]);
  });

  it('with one version range per package across all package.json files', () => {
    const ranges = new Map<string, Set<string>>();
    for (const m of [root, ...workspaceDirs.map(manifest)])
      for (const [name, range] of Object.entries({ ...m.dependencies, ...m.devDependencies }))
        ranges.set(name, (ranges.get(name) ?? new Set()).add(range));
    const differing = [...ranges].filter(([, r]) => r.size > 1).map(([name, r]) => `${name}: ${[...r].join(' vs ')}`);
    expect(differing).toEqual([]);
  });
});
