/**
 * What every per-VIN engine looks like to the engine set (vehicle-engines.ts), and the records it hands out. The
 * records are DESIGN.md §6 output lines without the `at` and `node` a runner adds: the vehicle layer knows engines,
 * not Node-RED nodes.
 */
import type { Reading } from './readings';
import type { Powertrain } from './charging';

/**
 * The engines a VIN can have: the charging prediction, the driving prediction (magic SOC), and the motion tracker
 * whose location, motion and trip outputs are what vehicle-stream derives (the driving slot runs it).
 */
export type EngineName = 'charging' | 'driving' | 'motion';

export type AttributeValue = number | string | boolean | null | { [name: string]: AttributeValue };
export type Attributes = Record<string, AttributeValue>;

/**
 * `prediction` and `event` are messages a node sends; `metric` is a derived metric (location, motion, trip).
 * `request` asks the runner for something (a REST poll) that is not a message: a node acts on it, replay has no
 * REST and drops it.
 */
export type OutputKind = 'prediction' | 'event' | 'metric' | 'request';

export interface VehicleOutput {
  engine: EngineName;
  kind: OutputKind;
  vin: string;
  /** `<VIN>/predicted_soc`, `<VIN>/event`. */
  topic: string;
  /**
   * The value rounded to one decimal for a prediction; the event name for an event or request; the metric's value
   * (a location object, true/false, `started`/`ended`).
   */
  payload: number | string | boolean | Attributes;
  /** snake_case, JSON-safe. */
  attributes: Attributes;
}

/** The user's manual settings for a VIN (the node's config, replay's `--vehicle`). */
export interface VehicleOptions {
  /** Manual battery capacity in kWh; unset or 0 uses what BMW reports. */
  capacityKwh?: number | null;
  /** Overrides the BEV/PHEV detection. */
  powertrain?: Powertrain | null;
  /** Model name as BMW's basicData gives it (`i4 eDrive40`). */
  model?: string | null;
}

/** `ac`/`dc`/`both` reset charging efficiencies; `consumption` resets driving consumption. */
export type ResetTarget = 'ac' | 'dc' | 'both' | 'consumption';

/** One engine of one VIN. Pure: `now` (epoch ms) comes in with every call. */
export interface EngineSlot {
  readonly engine: EngineName;
  /**
   * Prediction attributes that change with the clock alone (an age): never a reason to send a prediction again.
   */
  readonly clockAttributes: readonly string[];
  /**
   * Prediction attributes that move continuously while the engine is running (the raw value, integrated energy):
   * a reason to send at a heartbeat, not after a message, or every unrelated BMW message would send one.
   */
  readonly runningAttributes: readonly string[];
  /** One BMW message's readings; returns the events it caused. */
  ingest(readings: readonly Reading[], now: number): VehicleOutput[];
  /** The 30-second tick. */
  heartbeat(now: number): VehicleOutput[];
  /** The prediction now, or null when the engine has no basis for one. Evaluating may move a ratchet. */
  prediction(now: number): VehicleOutput | null;
  /** False when there was nothing of this kind to reset (or the engine does not learn that kind). */
  reset(what: ResetTarget): boolean;
  configure(options: VehicleOptions): void;
  /** Everything needed to continue after a restart, as JSON-safe data. */
  snapshot(): unknown;
}

/** Displayed values have one decimal (DESIGN.md §6); `raw` keeps the rest. */
export function roundForDisplay(value: number): number {
  return Math.round(value * 10) / 10;
}

/** `anchorSoc` → `anchor_soc`: attributes are snake_case (DESIGN.md §4). */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}
