/**
 * Where a prediction node keeps its engines' learning and open sessions (DESIGN.md §5): one JSON file per node in
 * the package's state dir, written atomically, so a crash leaves the old state or the new, never a torn file.
 */
import { readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFile, writeFileAtomic } from '../../cardata/atomic-file';
import type { ResetTarget } from '../../vehicle/engine-slot';
import { ALL_ENGINES, VehicleEngines, type VehicleEnginesSnapshot } from '../../vehicle/vehicle-engines';

/** The state file of a cardata-predicted-soc node ends in this. */
export const PREDICTED_SOC_SUFFIX = '.predicted-soc.json';

/** The state file of a cardata-magic-soc node ends in this. */
export const MAGIC_SOC_SUFFIX = '.magic-soc.json';

/** Every prediction node's state file, for resetting learning in nodes that are not running. */
export const LEARNING_SUFFIXES: readonly string[] = [PREDICTED_SOC_SUFFIX, MAGIC_SOC_SUFFIX];

/** `<key><suffix>` with anything that could leave the directory or trouble a filesystem replaced. */
export function stateFileName(key: string, suffix: string): string {
  return `${key.replace(/[^A-Za-z0-9_.-]/g, '_')}${suffix}`;
}

export interface LoadedState {
  snapshot?: VehicleEnginesSnapshot;
  /** Why the file could not be used; the node starts afresh and says so. */
  problem?: string;
  /** Where an unusable file was moved, so a restart does not overwrite what a user may still want back. */
  movedTo?: string;
}

export class EngineStore {
  constructor(readonly path: string) {}

  load(): LoadedState {
    let data: unknown;
    try {
      data = readJsonFile<unknown>(this.path);
    } catch (err) {
      return this.setAside((err as Error).message);
    }
    if (data === undefined) return {};
    if (!VehicleEngines.isSnapshot(data)) return this.setAside('not a state file of this version');
    return { snapshot: data };
  }

  /** Throws when the file cannot be written (the caller reports it and keeps running on what it has in memory). */
  save(snapshot: VehicleEnginesSnapshot): void {
    writeFileAtomic(this.path, `${JSON.stringify(snapshot)}\n`);
  }

  remove(): void {
    rmSync(this.path, { force: true });
  }

  private setAside(problem: string): LoadedState {
    const movedTo = `${this.path}.unreadable`;
    try {
      renameSync(this.path, movedTo);
      return { problem, movedTo };
    } catch {
      return { problem };
    }
  }
}

export interface StoredReset {
  /** Files in which something was reset. */
  reset: number;
  failures: { file: string; reason: string }[];
}

/**
 * Reset learning in the state files of nodes that are not running (a disabled flow, a node that failed to start):
 * their learning must not come back when they start again. Files in `skip` belong to running nodes, which reset
 * themselves and would overwrite the file anyway.
 */
export function resetStoredLearning(
  stateDir: string,
  suffix: string,
  vin: string,
  what: ResetTarget,
  skip: ReadonlySet<string>,
): StoredReset {
  const result: StoredReset = { reset: 0, failures: [] };
  let names: string[];
  try {
    names = readdirSync(stateDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return result;
    throw err;
  }
  for (const name of names.filter((n) => n.endsWith(suffix) && !n.startsWith('.'))) {
    const path = join(stateDir, name);
    if (skip.has(path)) continue;
    try {
      const data = readJsonFile<unknown>(path);
      if (!VehicleEngines.isSnapshot(data)) continue;
      const engines = new VehicleEngines({}, data, ALL_ENGINES);
      if (!engines.reset(vin, what)) continue;
      writeFileAtomic(path, `${JSON.stringify(engines.snapshot())}\n`);
      result.reset++;
    } catch (err) {
      result.failures.push({ file: name, reason: (err as Error).message });
    }
  }
  return result;
}
