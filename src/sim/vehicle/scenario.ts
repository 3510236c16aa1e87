/**
 * Scenario files (docs/scenarios.md): steps that drive, park and charge the simulated cars in simulated time.
 * Parsing is strict, every error names the step by its path (`steps[3].plugIn.type`), so a typo never silently
 * turns into a car that does nothing.
 */
import { VIN_PATTERN } from '../../cardata/wire';
import type { PlugType } from './charging';
import type { VehicleProfile } from './profiles';
import { TRIP_PROFILES, type TripProfile } from './speed-trace';

type Empty = Record<string, never>;

export type ScenarioStep =
  | { drive: { km: number; profile?: TripProfile; roundTrip?: boolean } }
  | { park: { minutes: number } }
  | { plugIn: { type: PlugType; currentA?: number; maxKw?: number; targetSoc?: number } }
  | { charge: { minutes?: number; untilSoc?: number } }
  | { wallboxStop: Empty }
  | { wallboxResume: Empty }
  | { unplug: Empty }
  | { temperature: { celsius: number; batteryCelsius?: number } }
  | { setSoc: { soc: number } }
  | { refuel: { litres?: number } }
  | { repeat: { times: number | 'forever'; steps: ScenarioStep[] } };

export type AtomicStep = Exclude<ScenarioStep, { repeat: unknown }>;

export interface ScenarioFile {
  description?: string;
  /** Steps for every vehicle without its own list. */
  steps?: ScenarioStep[];
  /** Steps per VIN. */
  vehicles: Record<string, ScenarioStep[]>;
}

export class ScenarioError extends Error {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`scenario error at ${path}: ${detail}`);
    this.name = 'ScenarioError';
  }
}

type Field =
  | { kind: 'number'; min: number; max: number; required?: boolean; exclusiveMin?: boolean }
  | { kind: 'enum'; values: readonly string[]; required?: boolean }
  | { kind: 'boolean' };

const num = (min: number, max: number, required = false, exclusiveMin = false): Field => ({
  kind: 'number',
  min,
  max,
  required,
  exclusiveMin,
});

const STEPS: Record<string, Record<string, Field>> = {
  drive: {
    km: num(0, 2000, true, true),
    profile: { kind: 'enum', values: TRIP_PROFILES },
    roundTrip: { kind: 'boolean' },
  },
  park: { minutes: num(0, 525_600, true, true) },
  plugIn: {
    type: { kind: 'enum', values: ['AC1', 'AC3', 'DC'], required: true },
    currentA: num(6, 32),
    maxKw: num(1, 400),
    targetSoc: num(10, 100),
  },
  charge: { minutes: num(0, 525_600, false, true), untilSoc: num(0, 100) },
  wallboxStop: {},
  wallboxResume: {},
  unplug: {},
  temperature: { celsius: num(-40, 50, true), batteryCelsius: num(-40, 60) },
  setSoc: { soc: num(0, 100, true) },
  refuel: { litres: num(0, 200, false, true) },
};

export const STEP_NAMES = [...Object.keys(STEPS), 'repeat'];

export function parseSteps(value: unknown, path = 'steps'): ScenarioStep[] {
  if (!Array.isArray(value)) throw new ScenarioError(path, `must be an array of steps, got ${describe(value)}`);
  return value.map((step, i) => parseStep(step, `${path}[${i}]`));
}

/** Steps as an HTTP body or a test gives them: an array of steps, or {"steps": [...]}. */
export function parseScenarioSteps(value: unknown): ScenarioStep[] {
  if (isObject(value) && Object.keys(value).length === 1 && 'steps' in value) return parseSteps(value.steps);
  return parseSteps(value);
}

export function parseStep(value: unknown, path: string): ScenarioStep {
  if (!isObject(value)) throw new ScenarioError(path, `a step must be an object like {"park": {"minutes": 10}}`);
  const keys = Object.keys(value);
  if (keys.length !== 1) {
    throw new ScenarioError(path, `a step must have exactly one of ${STEP_NAMES.join(', ')}; got ${keys.length} keys`);
  }
  const name = keys[0];
  const body = value[name] ?? {};
  const where = `${path}.${name}`;
  if (!isObject(body)) throw new ScenarioError(where, `must be an object, got ${describe(body)}`);
  if (name === 'repeat') return parseRepeat(body, where);
  const fields = STEPS[name];
  if (!fields) throw new ScenarioError(path, `unknown step "${name}"; known: ${STEP_NAMES.join(', ')}`);
  for (const key of Object.keys(body)) {
    if (!(key in fields)) {
      const known = Object.keys(fields);
      throw new ScenarioError(`${where}.${key}`, `unknown field; ${name} takes ${known.join(', ') || 'no fields'}`);
    }
  }
  for (const [key, field] of Object.entries(fields)) checkField(body[key], field, `${where}.${key}`);
  return { [name]: body } as ScenarioStep;
}

function parseRepeat(body: Record<string, unknown>, where: string): ScenarioStep {
  for (const key of Object.keys(body)) {
    if (key !== 'times' && key !== 'steps')
      throw new ScenarioError(`${where}.${key}`, 'unknown field; repeat takes times, steps');
  }
  const times = body.times;
  if (times !== 'forever' && !(Number.isInteger(times) && (times as number) >= 1)) {
    throw new ScenarioError(`${where}.times`, `must be a whole number >= 1 or "forever", got ${describe(times)}`);
  }
  const steps = parseSteps(body.steps, `${where}.steps`);
  if (steps.length === 0) throw new ScenarioError(`${where}.steps`, 'must not be empty');
  if (times === 'forever' && !steps.some(takesTime)) {
    throw new ScenarioError(where, 'a "forever" repeat needs a drive or park step, or it would never let time pass');
  }
  return { repeat: { times: times as number | 'forever', steps } };
}

function takesTime(step: ScenarioStep): boolean {
  if ('drive' in step || 'park' in step) return true;
  return 'repeat' in step && step.repeat.steps.some(takesTime);
}

function checkField(value: unknown, field: Field, path: string): void {
  if (value === undefined) {
    if ('required' in field && field.required) throw new ScenarioError(path, 'is required');
    return;
  }
  if (field.kind === 'boolean') {
    if (typeof value !== 'boolean') throw new ScenarioError(path, `must be true or false, got ${describe(value)}`);
  } else if (field.kind === 'enum') {
    if (typeof value !== 'string' || !field.values.includes(value)) {
      throw new ScenarioError(
        path,
        `must be one of ${field.values.map((v) => `"${v}"`).join(', ')}, got ${describe(value)}`,
      );
    }
  } else {
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (field.exclusiveMin ? value > field.min : value >= field.min) &&
      value <= field.max;
    if (!ok) {
      const range = field.exclusiveMin ? `above ${field.min} up to ${field.max}` : `from ${field.min} to ${field.max}`;
      throw new ScenarioError(path, `must be a number ${range}, got ${describe(value)}`);
    }
  }
}

/**
 * A scenario file: a JSON array of steps (for every vehicle), an object {description?, steps?, vehicles?: {VIN:
 * steps}}, or JSON lines with one step per line (for every vehicle).
 */
export function parseScenarioFile(text: string): ScenarioFile {
  if (text.trim() === '') throw new ScenarioError('scenario', 'is empty');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { steps: parseJsonLines(text), vehicles: {} };
  }
  if (Array.isArray(doc)) return { steps: parseSteps(doc), vehicles: {} };
  if (!isObject(doc)) throw new ScenarioError('scenario', `must be an array or an object, got ${describe(doc)}`);
  const keys = Object.keys(doc);
  if (keys.length === 1 && STEP_NAMES.includes(keys[0])) return { steps: [parseStep(doc, 'line 1')], vehicles: {} };
  const file: ScenarioFile = { vehicles: {} };
  for (const key of keys) {
    if (key === 'description') {
      if (typeof doc.description !== 'string') throw new ScenarioError('description', 'must be a string');
      file.description = doc.description;
    } else if (key === 'steps') file.steps = parseSteps(doc.steps, 'steps');
    else if (key === 'vehicles') file.vehicles = parseVehicles(doc.vehicles);
    else throw new ScenarioError(key, 'unknown top-level key; use description, steps, vehicles');
  }
  return file;
}

function parseVehicles(value: unknown): Record<string, ScenarioStep[]> {
  if (!isObject(value)) throw new ScenarioError('vehicles', `must be an object of VIN → steps, got ${describe(value)}`);
  const out: Record<string, ScenarioStep[]> = {};
  for (const [vin, steps] of Object.entries(value)) {
    if (!VIN_PATTERN.test(vin)) throw new ScenarioError(`vehicles.${vin}`, 'is not a 17-character VIN (no I, O, Q)');
    out[vin] = parseSteps(steps, `vehicles.${vin}`);
  }
  return out;
}

function parseJsonLines(text: string): ScenarioStep[] {
  const steps: ScenarioStep[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new ScenarioError(`line ${i + 1}`, `is not valid JSON (${(err as Error).message})`);
    }
    steps.push(parseStep(value, `line ${i + 1}`));
  });
  return steps;
}

/** The steps a file gives one vehicle: its own, else the shared ones, else none (the demo loop). */
export function stepsForVin(file: ScenarioFile, vin: string): ScenarioStep[] | undefined {
  return file.vehicles[vin] ?? file.steps;
}

/** Steps the vehicle's profile cannot do are errors too (a DC charge on a car without DC, fuel for a BEV). */
export function checkStepsForProfile(steps: ScenarioStep[], profile: VehicleProfile, path = 'steps'): void {
  steps.forEach((step, i) => {
    const where = `${path}[${i}]`;
    if ('plugIn' in step && step.plugIn.type === 'DC' && !profile.dc) {
      throw new ScenarioError(`${where}.plugIn.type`, `${profile.name} cannot charge on DC`);
    }
    if ('refuel' in step && !profile.fuel)
      throw new ScenarioError(`${where}.refuel`, `${profile.name} has no fuel tank`);
    if ('repeat' in step) checkStepsForProfile(step.repeat.steps, profile, `${where}.repeat.steps`);
  });
}

export function* expandSteps(steps: readonly ScenarioStep[]): Generator<AtomicStep> {
  for (const step of steps) {
    if (!('repeat' in step)) {
      yield step;
      continue;
    }
    const { times, steps: inner } = step.repeat;
    for (let i = 0; times === 'forever' || i < times; i++) yield* expandSteps(inner);
  }
}

export function stepName(step: ScenarioStep): string {
  return Object.keys(step)[0];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
