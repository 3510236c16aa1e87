/** `cardata-replay` command line → options; every mistake is an Error with a one-line reason. */
import { parseArgs } from 'node:util';
import type { VehicleOptions } from '../vehicle/engine-slot';
import { isRecord } from '../cardata/json';

export const REPLAY_USAGE = `Usage: cardata-replay [options] < trace.jsonl > output.jsonl

Runs a recorded CarData trace (JSON lines on stdin) through the engines the nodes run, in virtual time, with no
network, and writes every message a node would send as a JSON line on stdout. Errors go to stderr.

  --state-dir DIR     learning and open sessions persist here, across restarts in the trace and across runs
                      (default: a fresh temporary directory, removed at the end)
  --vehicle JSON      manual options for every vehicle: {"capacityKwh":N,"powertrain":"BEV"|"PHEV","model":"…"}
  --help              this text

See docs/replay.md for the input and output lines.`;

export interface ReplayArgs {
  help: boolean;
  stateDir: string | null;
  vehicle: VehicleOptions;
  /** Things worth telling the user that do not stop the run (unknown --vehicle keys). */
  warnings: string[];
}

const VEHICLE_KEYS = new Set(['capacityKwh', 'powertrain', 'model']);

/** The `--vehicle` object; null clears a field like leaving it out. */
export function parseVehicleOptions(text: string, warnings: string[] = []): VehicleOptions {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`--vehicle is not JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!isRecord(parsed)) throw new Error('--vehicle must be a JSON object');
  const options: VehicleOptions = {};
  const { capacityKwh, powertrain, model } = parsed;
  if (capacityKwh !== undefined && capacityKwh !== null) {
    if (typeof capacityKwh !== 'number' || !Number.isFinite(capacityKwh) || capacityKwh < 0) {
      throw new Error(`--vehicle capacityKwh must be a number of kWh ≥ 0, got ${JSON.stringify(capacityKwh)}`);
    }
    options.capacityKwh = capacityKwh;
  }
  if (powertrain !== undefined && powertrain !== null) {
    if (powertrain !== 'BEV' && powertrain !== 'PHEV') {
      throw new Error(`--vehicle powertrain must be "BEV" or "PHEV", got ${JSON.stringify(powertrain)}`);
    }
    options.powertrain = powertrain;
  }
  if (model !== undefined && model !== null) {
    if (typeof model !== 'string') throw new Error(`--vehicle model must be a string, got ${JSON.stringify(model)}`);
    options.model = model;
  }
  // Other tools may pass newer keys: a warning, not a failure, so an older replay still runs their traces.
  for (const key of Object.keys(parsed)) {
    if (!VEHICLE_KEYS.has(key)) warnings.push(`--vehicle: unknown key "${key}" ignored`);
  }
  return options;
}

export function parseReplayArgs(argv: string[]): ReplayArgs {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      'state-dir': { type: 'string' },
      vehicle: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const warnings: string[] = [];
  const stateDir = values['state-dir'] ?? null;
  if (stateDir !== null && stateDir.trim() === '') throw new Error('--state-dir needs a directory');
  return {
    help: values.help ?? false,
    stateDir,
    vehicle: values.vehicle === undefined ? {} : parseVehicleOptions(values.vehicle, warnings),
    warnings,
  };
}
