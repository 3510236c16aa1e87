import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname, basename, join } from 'node:path';

/**
 * Write a file so that a crash at any instant leaves either the old content or the new, never a torn file:
 * write a temp file beside it, fsync it, rename it over the target (atomic on POSIX), then fsync the directory so the
 * rename itself survives a power cut. Mode 0600 because these files hold tokens and learning.
 */
export function writeFileAtomic(path: string, content: string, mode = 0o600): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  const fd = openSync(temp, 'w', mode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  removeStaleTemps(dir, basename(path), temp);
  try {
    const dirFd = openSync(dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic there.
  }
}

/** Temp files of writers that died mid-write; one writer per file, so any other temp of this file is stale. */
function removeStaleTemps(dir: string, name: string, own: string): void {
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith(`.${name}.`) && entry.endsWith('.tmp') && join(dir, entry) !== own) {
      rmSync(join(dir, entry), { force: true });
    }
  }
}

/** Read a JSON file written by writeFileAtomic; undefined when it does not exist. */
export function readJsonFile<T>(path: string): T | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return JSON.parse(text) as T;
}
