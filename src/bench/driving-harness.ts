/**
 * One simulated car driving trip after trip in virtual time, watched by two engine sets of the magic-soc node: one
 * that gets BMW's stream only ("plain") and one that also gets a Traccar speed every 60 s while the car drives
 * ("traccar": the model's true speed at the poll instant, what a Traccar poll would return). Every 30 s of simulated
 * time (the engines' heartbeat grid) from the start of each trip until 5 min after its end, it compares with the
 * vehicle model's true SOC:
 * - magic SOC: VehicleEngines.evaluate → the `raw` attribute of `<VIN>/magic_soc`;
 * - the naive baseline: the last SOC BMW streamed (header, or `stateOfCharge.displayed`).
 *
 * Both engine sets read the very same messages, so the only difference between them is the speed. Nothing sleeps: the
 * car is stepped every second while it drives or is watched, every 30 s while it stands unwatched.
 */
import { readingsFromStream } from '../cardata/normalise';
import { HEARTBEAT_MS } from '../cli/replay';
import { getProfile, type ProfileName } from '../sim/vehicle/profiles';
import type { ReporterQuirks } from '../sim/vehicle/quirks';
import { expandSteps, parseSteps, type ScenarioStep } from '../sim/vehicle/scenario';
import { SimVehicle } from '../sim/vehicle/sim-vehicle';
import type { TripProfile } from '../sim/vehicle/speed-trace';
import { SPEED_BRACKETS, type SpeedBracket, type TripTruth } from '../sim/vehicle/trip';
import { DISP, HDR } from '../vehicle/charging/descriptors';
import type { LearnedConsumption } from '../vehicle/driving/consumption';
import type { VehicleOptions, VehicleOutput } from '../vehicle/engine-slot';
import type { Reading } from '../vehicle/readings';
import { ErrorStats } from './stats';
import { VARIANTS, Watcher, type Variant } from './driving-watcher';

export { VARIANTS, type Variant } from './driving-watcher';

/** How often the traccar-speed node polls while a trip is active. */
export const TRACCAR_POLL_MS = 60_000;
/** How long after a trip's end the prediction is still compared (continuity, BMW's trip-end SOC). */
export const AFTER_TRIP_MS = 5 * 60_000;

export interface DrivingPlan {
  vin: string;
  profile: ProfileName;
  seed: number;
  startMs: number;
  startSoc: number;
  ambientC?: number;
  /** The node's configuration for this car. */
  options: VehicleOptions;
  /** Scenario steps (docs/scenarios.md): drives, parks, setSoc standing in for overnight charges. */
  steps: ScenarioStep[];
  /** Overrides of the car's realistic reporting quirks. */
  quirks?: Partial<ReporterQuirks>;
  /** Called with every sample, to look into a result. */
  onSample?: (sample: DrivingSample) => void;
  /** Called with every event the engines send, to look into a result. */
  onEvent?: (variant: Variant, event: VehicleOutput, at: number) => void;
}

export interface DrivingSample {
  at: number;
  /** Index of the trip (0-based) whose window this is. */
  trip: number;
  driving: boolean;
  trueSoc: number;
  speedKmh: number;
  baseline: number;
  magic: Record<Variant, number>;
  attributes: Record<Variant, VehicleOutput['attributes']>;
}

export interface BracketEnergy {
  km: number;
  kwh: number;
}

/** One trip: the truth, and how far each prediction and the baseline were from it. */
export interface TripRecord {
  index: number;
  profile: TripProfile;
  startMs: number;
  distanceKm: number;
  /** Energy drawn from the battery, aux included. */
  energyKwh: number;
  startSoc: number;
  endSoc: number;
  byBracket: Record<SpeedBracket, BracketEnergy>;
  magic: Record<Variant, ErrorStats>;
  baseline: ErrorStats;
  /** The single rate the plain engine drove the trip with (its first driving sample); null if it never drove it. */
  consumptionInUse: number | null;
  /**
   * The most kilometres the engine billed since its anchor beyond what the car truly drove since then, at a sample.
   * BMW's odometer arrives late, so the engine normally bills less; more means distance counted twice.
   */
  overbilledKm: Record<Variant, number>;
}

export interface DrivingRun {
  trips: TripRecord[];
  /** What each engine set has learned at the end of the run. */
  learned: Record<Variant, LearnedConsumption | null>;
  /** The single rate the next trip would start with, per engine set. */
  nextTripConsumption: Record<Variant, number>;
  /** Events by name (`trip_started:<reason>`, `learning_updated`, `learning_rejected:<reason>`), per engine set. */
  events: Record<Variant, Record<string, number>>;
  /** `trip_started` events sent while the car stood parked: trips the engines saw that the car did not make. */
  parkedTripStarts: Record<Variant, number>;
  /** Steps the car could not do (a scenario bug); a benchmark reports them rather than hiding them. */
  warnings: string[];
  simulatedMs: number;
}

/** No run of a benchmark should take this long; more means a scenario that never ends. */
const MAX_RUN_MS = 120 * 24 * 3_600_000;
const BENCH_GCID = '6f1c2d3e-0000-4000-8000-00000000be0d';

function bmwSoc(readings: readonly Reading[]): number | null {
  let soc: number | null = null;
  for (const r of readings) {
    if ((r.descriptor === HDR || r.descriptor === DISP) && typeof r.value === 'number') soc = r.value;
  }
  return soc;
}

function emptyBrackets(): Record<SpeedBracket, BracketEnergy> {
  return Object.fromEntries(SPEED_BRACKETS.map((b) => [b, { km: 0, kwh: 0 }])) as Record<SpeedBracket, BracketEnergy>;
}

function openTrip(index: number, truth: TripTruth): TripRecord {
  return {
    index,
    profile: truth.profile,
    startMs: truth.startMs,
    distanceKm: 0,
    energyKwh: 0,
    startSoc: truth.startSoc,
    endSoc: truth.startSoc,
    byBracket: emptyBrackets(),
    magic: { plain: new ErrorStats(), traccar: new ErrorStats(), flaky: new ErrorStats() },
    baseline: new ErrorStats(),
    consumptionInUse: null,
    overbilledKm: { plain: 0, traccar: 0, flaky: 0 },
  };
}

/** Copy the model's truth of a trip into its record (while it runs and once it ended). */
function settleTruth(record: TripRecord, truth: TripTruth, soc: number): void {
  record.distanceKm = truth.distanceKm;
  record.energyKwh = truth.energyKwh;
  record.endSoc = truth.endSoc ?? soc;
  for (const bracket of SPEED_BRACKETS) {
    const b = truth.byBracket[bracket];
    record.byBracket[bracket] = { km: b.km, kwh: b.kwh };
  }
}

export function runDrivingCar(plan: DrivingPlan): DrivingRun {
  const vehicle = new SimVehicle({
    vin: plan.vin,
    gcid: BENCH_GCID,
    profile: getProfile(plan.profile),
    seed: plan.seed,
    startMs: plan.startMs,
    startSoc: plan.startSoc,
    ambientC: plan.ambientC,
    quirks: plan.quirks ?? 'realistic',
  });
  const model = vehicle.model;
  const warnings: string[] = [];
  const trips: TripRecord[] = [];
  let now = plan.startMs;
  const watchers = VARIANTS.map(
    (variant) =>
      new Watcher(
        variant,
        plan.vin,
        plan.options,
        () => !model.driving,
        plan.onEvent && ((event) => plan.onEvent!(variant, event, now)),
      ),
  );
  const traccar = watchers.find((w) => w.variant === 'traccar')!;
  const flaky = watchers.find((w) => w.variant === 'flaky')!;
  let polls = 0;
  let baseline: number | null = null;
  /** The trip being driven or watched after its end, and the model's truth of it. */
  let current: { record: TripRecord; truth: TripTruth; endedAt: number | null } | undefined;

  const track = (): void => {
    const truth = model.trip?.truth;
    if (truth && current?.truth !== truth) {
      current = { record: openTrip(trips.length, truth), truth, endedAt: null };
      trips.push(current.record);
    }
    if (!current) return;
    settleTruth(current.record, current.truth, model.soc);
    if (current.endedAt === null && !model.driving) current.endedAt = now;
    if (current.endedAt !== null && now > current.endedAt + AFTER_TRIP_MS) current = undefined;
  };

  const sample = (): void => {
    if (!current) return;
    if (baseline === null) throw new Error('no SOC was ever streamed before the trip');
    const record = current.record;
    const magic = {} as Record<Variant, number>;
    const attributes = {} as Record<Variant, VehicleOutput['attributes']>;
    for (const w of watchers) {
      const output = w.magic(now);
      const raw = output.attributes.raw;
      if (typeof raw !== 'number') throw new Error(`magic_soc without a numeric raw value: ${JSON.stringify(output)}`);
      record.magic[w.variant].add(raw - model.soc);
      const over = w.overbilledKm(model.odometerKm);
      if (over !== null) record.overbilledKm[w.variant] = Math.max(record.overbilledKm[w.variant], over);
      magic[w.variant] = raw;
      attributes[w.variant] = output.attributes;
    }
    record.baseline.add(baseline - model.soc);
    const plain = attributes.plain;
    if (record.consumptionInUse === null && plain.prediction_mode === 'driving') {
      const rate = plain.consumption_kwh_per_km;
      if (typeof rate === 'number') record.consumptionInUse = rate;
    }
    plan.onSample?.({
      at: now,
      trip: record.index,
      driving: model.driving,
      trueSoc: model.soc,
      speedKmh: model.speedKmh,
      baseline,
      magic,
      attributes,
    });
  };

  const step = (): void => {
    const messages = vehicle.advance(now);
    const sinceStart = now - plan.startMs;
    const beat = sinceStart % HEARTBEAT_MS === 0;
    // A timer due at the same instant as a message fires first (DESIGN.md §6).
    if (beat) {
      for (const w of watchers) {
        w.deliver(w.engines.tick(now));
        w.watchAnchor(model.odometerKm);
      }
    }
    if (model.driving && sinceStart % TRACCAR_POLL_MS === 0) {
      traccar.engines.speed(plan.vin, model.speedKmh, now);
      polls += 1;
      flaky.engines.speed(plan.vin, polls % 3 === 0 ? null : model.speedKmh, now);
    }
    for (const message of messages) {
      const readings = readingsFromStream(message);
      baseline = bmwSoc(readings) ?? baseline;
      for (const w of watchers) {
        w.deliver(w.engines.ingest(plan.vin, readings, now));
        w.watchAnchor(model.odometerKm);
      }
    }
    track();
    if (beat) sample();
  };

  vehicle.run(expandSteps(parseSteps(plan.steps)), { onWarning: (message) => warnings.push(message) }, now);
  const limit = now + MAX_RUN_MS;
  while (!vehicle.scenarioDone || current) {
    // Seconds while the car drives or is watched (messages arrive within a second, as live); half minutes between.
    const watched = model.driving || current !== undefined || (now - plan.startMs) % HEARTBEAT_MS !== 0;
    now += watched ? 1000 : HEARTBEAT_MS;
    if (now > limit) throw new Error(`the scenario of ${plan.vin} did not end within 120 simulated days`);
    step();
  }

  const learned = {} as DrivingRun['learned'];
  const nextTripConsumption = {} as DrivingRun['nextTripConsumption'];
  const events = {} as DrivingRun['events'];
  const parkedTripStarts = {} as DrivingRun['parkedTripStarts'];
  for (const w of watchers) {
    learned[w.variant] = w.learned;
    nextTripConsumption[w.variant] = w.nextTripConsumption(now);
    events[w.variant] = { ...w.events };
    parkedTripStarts[w.variant] = w.parkedTripStarts;
  }
  return { trips, learned, nextTripConsumption, events, parkedTripStarts, warnings, simulatedMs: now - plan.startMs };
}
