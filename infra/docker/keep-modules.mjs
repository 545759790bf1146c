// Usage: node keep-modules.mjs <dir> <package>... — deletes from <dir>/node_modules every package but the named ones
// and what they need (their dependencies, and the optional and peer dependencies that are installed), found the way
// require() finds them. The app images run it after `npm ci --omit=dev --workspace=<app>`, which installs every
// production dependency the app and its libraries declare: the bundle inlines all of them but the packages it keeps
// out (infra/docker/bundle.ts EXTERNAL_PACKAGES), and those are all the image needs.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const [rootArg, ...names] = process.argv.slice(2);
if (!rootArg || names.length === 0) {
  process.stderr.write('usage: node keep-modules.mjs <dir> <package>...\n');
  process.exit(2);
}
const root = resolve(rootArg);
const top = join(root, 'node_modules');

// The directory require() would load `name` from, looking up from `from` (a package's directory, or the root).
function find(name, from) {
  for (let dir = from; dir.startsWith(root); dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
  }
  return undefined;
}

const keep = new Set();
function visit(name, from, required) {
  const dir = find(name, from);
  if (!dir) {
    if (required) throw new Error(`keep-modules: ${name} (needed from ${from}) is not installed`);
    return; // an optional binary for another platform, or a peer nobody installed
  }
  if (keep.has(dir)) return;
  keep.add(dir);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir, true);
  for (const dep of Object.keys({ ...pkg.optionalDependencies, ...pkg.peerDependencies })) visit(dep, dir, false);
}
for (const name of names) visit(name, root, true);

let removed = 0;
for (const entry of readdirSync(top)) {
  // .bin links to removed packages, and npm's record of what it installed, would both be stale.
  if (entry === '.bin' || entry === '.package-lock.json') rmSync(join(top, entry), { recursive: true, force: true });
  if (entry.startsWith('.')) continue;
  const scoped = entry.startsWith('@');
  for (const dir of scoped ? readdirSync(join(top, entry)).map((s) => join(top, entry, s)) : [join(top, entry)])
    if (!keep.has(dir)) {
      rmSync(dir, { recursive: true, force: true });
      removed++;
    }
  if (scoped && readdirSync(join(top, entry)).length === 0) rmSync(join(top, entry), { recursive: true });
}
process.stdout.write(
  `keep-modules: kept ${keep.size} packages (${names.join(', ')} and what they need), removed ${removed}\n`,
);
