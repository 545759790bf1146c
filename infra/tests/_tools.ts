// Which external tools the infra checks can use here. A block whose tool is missing is skipped with a message
// naming what to install, except where INFRA_TOOLS_REQUIRED=1 (.ci/run sets it after installing them all): there
// a missing tool fails the block, so CI cannot pass by skipping.
import { spawnSync } from 'node:child_process';

export interface Availability {
  ok: boolean;
  /** Why not, and what to install (when !ok). */
  reason: string;
}

/** Runs `cmd args` synchronously (module load time, where describe blocks are chosen); ok when it exits 0. */
export function probe(cmd: string, args: string[], install: string, timeoutMs = 15_000): Availability {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs });
  if (r.status === 0) return { ok: true, reason: '' };
  const detail = r.error ? r.error.message : (r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n')[0];
  return { ok: false, reason: `\`${[cmd, ...args].join(' ')}\` failed (${detail}); ${install}` };
}

/** The first unavailable of `checks`, or ok. */
export function all(...checks: Availability[]): Availability {
  return checks.find((c) => !c.ok) ?? { ok: true, reason: '' };
}

/**
 * `describe` when the tools are there; otherwise `describe.skip`, with the reason printed once so that the run
 * says what was not checked and why. Under INFRA_TOOLS_REQUIRED=1 the block runs anyway (and fails on the
 * missing tool with the same reason).
 */
export function describeWith(
  what: string,
  availability: Availability,
  options: { optional?: boolean } = {},
): jest.Describe {
  if (availability.ok) return describe;
  // optional: a tool CI does not install either (no Debian package), so it is never required.
  if (process.env.INFRA_TOOLS_REQUIRED === '1' && !options.optional) {
    return ((name: string, fn: () => void) =>
      describe(name, () => {
        it(`needs ${what}`, () => {
          throw new Error(`INFRA_TOOLS_REQUIRED=1 but ${what} is unavailable: ${availability.reason}`);
        });
        void fn;
      })) as unknown as jest.Describe;
  }
  console.warn(`SKIPPED ${what}: ${availability.reason}`);
  return describe.skip;
}

export const tools = {
  promtool: () => probe('promtool', ['--version'], 'install Debian package `prometheus` (promtool)'),
  prometheus: () => probe('prometheus', ['--version'], 'install Debian package `prometheus`'),
  alertmanager: () =>
    probe('prometheus-alertmanager', ['--version'], 'install Debian package `prometheus-alertmanager`'),
  amtool: () => probe('amtool', ['--version'], 'install Debian package `prometheus-alertmanager` (amtool)'),
  dockerCompose: () => probe('docker-compose', ['version'], 'install Debian package `docker-compose`'),
  cloudInit: () => probe('cloud-init', ['--version'], 'install Debian package `cloud-init` (for `cloud-init schema`)'),
  redis: () => probe('redis-server', ['--version'], 'install Debian package `redis-server`'),
};
