import { open, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TMP_EXT } from './partition';

/** fsync a file's data and metadata to disk. */
export async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsync a directory, so that a rename or unlink inside it survives a power loss. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Moves an already fsynced `<path>.tmp` into place and makes the rename durable. rename(2) replaces an existing
 * file atomically: a reader sees the old file or the new one, never a half-written one.
 */
export async function publishTmp(tmpPath: string, finalPath: string): Promise<void> {
  await rename(tmpPath, finalPath);
  await fsyncDir(dirname(finalPath));
}

/** Writes `data` to `<path>.tmp`, fsyncs it, renames it over `path` and fsyncs the folder. */
export async function writeFileDurable(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = path + TMP_EXT;
  const fh = await open(tmp, 'w');
  try {
    await writeFile(fh, data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await publishTmp(tmp, path);
}
