import { execFileSync } from 'node:child_process';
import { cpus, release, totalmem, type } from 'node:os';
import type { MachineInfo } from './result';

export function machineInfo(dir: string): MachineInfo {
  let disk = 'unknown';
  try {
    // Size and free space of the filesystem holding the data, and whether it is rotational.
    const df = execFileSync('df', ['-h', '--output=source,size,avail', dir], { encoding: 'utf8' })
      .trim()
      .split('\n')[1];
    const [source, size, avail] = df.trim().split(/\s+/);
    disk = `${source} ${size} (${avail} free)`;
  } catch {
    // df missing: keep 'unknown'
  }
  return {
    nproc: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryBytes: totalmem(),
    disk,
    node: process.version,
    os: `${type()} ${release()}`,
  };
}

export function gitState(): { commit: string; dirty: boolean } | undefined {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--untracked-files=no', 'apps', 'libs', 'tools'], {
        encoding: 'utf8',
      }).trim() !== '';
    return { commit, dirty };
  } catch {
    return undefined;
  }
}
