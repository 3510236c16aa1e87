/**
 * Magic-SOC accuracy (DESIGN.md §7, `npm run bench`): how far the driving prediction is from the simulator's true SOC
 * while cars drive many trips in a row, with and without Traccar speed, side by side with the naive baseline of
 * showing BMW's last streamed SOC; and how the learned consumption compares with what the trips truly used.
 *
 * Everything runs in virtual time from fixed seeds: the same numbers on every run and every machine.
 */
import { getProfile } from '../sim/vehicle/profiles';
import { SPEED_BRACKETS, type SpeedBracket } from '../sim/vehicle/trip';
import { modelDefaults } from '../vehicle/driving/model-defaults';
import { runDrivingCar, type DrivingRun, type TripRecord, type Variant } from './driving-harness';
import {
  FULL_DRIVING_SIZE,
  QUICK_DRIVING_SIZE,
  drivingScenarios,
  scenarioSteps,
  type DrivingBenchSize,
  type DrivingScenario,
} from './driving-scenarios';
import { ErrorStats } from './stats';

/** Every car starts here (simulated time; a Monday in May, 06:00 UTC, 18 °C: no heating or cooling). */
export const DRIVING_START_MS = Date.UTC(2026, 4, 4, 6, 0, 0);

export interface ErrorSummary {
  mean: number;
  max: number;
}

export interface DrivingRow {
  scenario: string;
  title: string;
  car: string;
  trips: number;
  km: number;
  /** 30-s samples (while driving and up to 5 min after each trip). */
  samples: number;
  magic: Record<Variant, ErrorSummary>;
  baseline: ErrorSummary;
  /** Baseline mean error / magic mean error. */
  ratio: Record<Variant, number>;
  /** The same, over the second half of the trips only: after learning had trips to learn from. */
  learnedHalf: { magic: Record<Variant, ErrorSummary>; baseline: ErrorSummary };
  /** Distance the plain engine billed beyond what the car drove since its anchor: trips with over 1 km, the most. */
  overbilled: { trips: number; maxKm: number };
}

export interface LearningRow {
  scenario: string;
  title: string;
  trips: number;
  /** `learning_updated` (the global rate's updates) and rejections by reason, from the plain engine set. */
  updated: number;
  rejected: Record<string, number>;
  /** The single rate the next trip would start with (what learning ended on), per engine set. */
  learned: Record<Variant, number>;
  /** Trips the global rate was learned from. */
  learnedTrips: number;
  /** Energy drawn from the battery per km over all the scenario's trips, aux included. */
  trueKwhPerKm: number;
  /** The model default before anything is learned. */
  defaultKwhPerKm: number;
  /** Trips the engine started while the car stood parked (plain engine set). */
  parkedTripStarts: number;
}

export interface BracketRow {
  scenario: string;
  bracket: SpeedBracket;
  /** The Traccar engine set's bucket; null when it has none. */
  learned: number | null;
  learnedTrips: number;
  /** Energy per km the model drew in this speed range over all trips (by its true speed, every second). */
  trueKwhPerKm: number | null;
  /** Share of the scenario's kilometres driven in this range. */
  kmShare: number;
}

export interface DrivingBenchResult {
  size: DrivingBenchSize;
  rows: DrivingRow[];
  learning: LearningRow[];
  brackets: BracketRow[];
  trips: number;
  simulatedHours: number;
  /** Events by name over every run, per engine set. */
  events: Record<Variant, Record<string, number>>;
  /** Steps a car could not do; non-empty means a scenario is broken. */
  warnings: string[];
}

/**
 * Distance billed beyond the truth by more than this is counted twice. BMW's odometer is in whole km, so the difference
 * of two readings can exceed the distance driven by up to 1 km, and a reading arrives up to 3 s after BMW took it (a
 * further 0.1 km on the highway); GPS, a straight line between fixes, falls short.
 */
export const OVERBILLED_KM = 1.5;

/**
 * Brackets with less of a scenario's distance than this are left out of its table unless the engine learned them: a
 * few hundred metres while boarding or merging say nothing about a bracket's consumption.
 */
const MIN_BRACKET_SHARE = 0.005;

function vinFor(seed: number): string {
  return `WBABENCH0DR${String(seed).padStart(6, '0')}`;
}

function summary(stats: ErrorStats): ErrorSummary {
  return { mean: stats.mean, max: stats.max };
}

function merged(trips: readonly TripRecord[], pick: (trip: TripRecord) => ErrorStats): ErrorStats {
  const all = new ErrorStats();
  for (const trip of trips) all.merge(pick(trip));
  return all;
}

function errorRow(scenario: DrivingScenario, run: DrivingRun): DrivingRow {
  const trips = run.trips;
  const later = trips.slice(Math.floor(trips.length / 2));
  const magic = (set: readonly TripRecord[], v: Variant) => merged(set, (t) => t.magic[v]);
  const baseline = merged(trips, (t) => t.baseline);
  const plain = magic(trips, 'plain');
  const traccar = magic(trips, 'traccar');
  const flaky = magic(trips, 'flaky');
  return {
    scenario: scenario.id,
    title: scenario.title,
    car: scenario.model,
    trips: trips.length,
    km: trips.reduce((sum, t) => sum + t.distanceKm, 0),
    samples: baseline.samples,
    magic: { plain: summary(plain), traccar: summary(traccar), flaky: summary(flaky) },
    baseline: summary(baseline),
    ratio: {
      plain: baseline.mean / plain.mean,
      traccar: baseline.mean / traccar.mean,
      flaky: baseline.mean / flaky.mean,
    },
    learnedHalf: {
      magic: {
        plain: summary(magic(later, 'plain')),
        traccar: summary(magic(later, 'traccar')),
        flaky: summary(magic(later, 'flaky')),
      },
      baseline: summary(merged(later, (t) => t.baseline)),
    },
    overbilled: {
      trips: trips.filter((t) => t.overbilledKm.plain > OVERBILLED_KM).length,
      maxKm: Math.max(0, ...trips.map((t) => t.overbilledKm.plain)),
    },
  };
}

function learningRow(scenario: DrivingScenario, run: DrivingRun, defaultKwhPerKm: number): LearningRow {
  const events = run.events.plain;
  const rejected: Record<string, number> = {};
  let updated = 0;
  for (const [name, n] of Object.entries(events)) {
    if (name === 'learning_updated') updated += n;
    else if (name.startsWith('learning_rejected:')) rejected[name.slice('learning_rejected:'.length)] = n;
  }
  const km = run.trips.reduce((sum, t) => sum + t.distanceKm, 0);
  const kwh = run.trips.reduce((sum, t) => sum + t.energyKwh, 0);
  return {
    scenario: scenario.id,
    title: scenario.title,
    trips: run.trips.length,
    updated,
    rejected,
    learned: { ...run.nextTripConsumption },
    learnedTrips: run.learned.plain?.tripCount ?? 0,
    trueKwhPerKm: kwh / km,
    defaultKwhPerKm,
    parkedTripStarts: run.parkedTripStarts.plain,
  };
}

function bracketRows(scenario: DrivingScenario, run: DrivingRun): BracketRow[] {
  const totalKm = run.trips.reduce((sum, t) => sum + t.distanceKm, 0);
  const buckets = run.learned.traccar?.speedBuckets ?? {};
  return SPEED_BRACKETS.map((bracket) => {
    const km = run.trips.reduce((sum, t) => sum + t.byBracket[bracket].km, 0);
    const kwh = run.trips.reduce((sum, t) => sum + t.byBracket[bracket].kwh, 0);
    const bucket = buckets[bracket];
    return {
      scenario: scenario.id,
      bracket,
      learned: bucket ? bucket.kwhPerKm : null,
      learnedTrips: bucket?.tripCount ?? 0,
      trueKwhPerKm: km > 0.01 ? kwh / km : null,
      kmShare: totalKm > 0 ? km / totalKm : 0,
    };
  }).filter((row) => row.kmShare >= MIN_BRACKET_SHARE || row.learned !== null);
}

export interface DrivingBenchOptions {
  quick?: boolean;
  /** Only these scenarios (ids); all when absent. */
  scenarios?: readonly string[];
}

export function runDrivingBenchmark(options: DrivingBenchOptions = {}): DrivingBenchResult {
  const size = options.quick ? QUICK_DRIVING_SIZE : FULL_DRIVING_SIZE;
  const result: DrivingBenchResult = {
    size,
    rows: [],
    learning: [],
    brackets: [],
    trips: 0,
    simulatedHours: 0,
    events: { plain: {}, traccar: {}, flaky: {} },
    warnings: [],
  };
  const wanted = drivingScenarios(size).filter((s) => !options.scenarios || options.scenarios.includes(s.id));
  for (const scenario of wanted) {
    const profile = getProfile(scenario.profile);
    const run = runDrivingCar({
      vin: vinFor(scenario.seed),
      profile: scenario.profile,
      seed: scenario.seed,
      startMs: DRIVING_START_MS,
      startSoc: 90,
      // The magic-soc node's settings: the car's model (basicData) and its usable capacity.
      options: { model: scenario.model, capacityKwh: profile.capacityKwh },
      steps: scenarioSteps(scenario, size),
    });
    const defaultKwhPerKm = modelDefaults(scenario.model).consumptionKwhPerKm;
    result.rows.push(errorRow(scenario, run));
    result.learning.push(learningRow(scenario, run, defaultKwhPerKm));
    result.brackets.push(...bracketRows(scenario, run));
    result.trips += run.trips.length;
    result.simulatedHours += run.simulatedMs / 3_600_000;
    for (const [variant, events] of Object.entries(run.events) as [Variant, Record<string, number>][]) {
      const into = result.events[variant];
      for (const [name, n] of Object.entries(events)) into[name] = (into[name] ?? 0) + n;
    }
    result.warnings.push(...run.warnings.map((w) => `${scenario.id}: ${w}`));
  }
  return result;
}
