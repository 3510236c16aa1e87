/**
 * The simulator's fleet: every car stepped from ONE timer chain on the injected (simulated, possibly scaled) clock,
 * their stream messages handed to `publish`, their true state to `onTruth`, and BMW's backend view of them
 * (FleetView) to the REST API.
 */
import type { Clock, Timer } from '../../cardata/clock';
import { VIN_PATTERN, type StreamDescriptorValue, type StreamMessage } from '../../cardata/wire';
import type { ChargingSessionRecord, FleetView } from '../fleet-view';
import { demoSteps } from './demo';
import type { VehicleSpec } from './specs';
import type { TrueState } from './model';
import { isoMillis } from './outbox';
import { getProfile } from './profiles';
import { Rng, deriveSeed } from './random';
import {
  ScenarioError,
  checkStepsForProfile,
  expandSteps,
  parseStep,
  parseSteps,
  stepsForVin,
  type AtomicStep,
  type ScenarioFile,
  type ScenarioStep,
} from './scenario';
import { SimVehicle } from './sim-vehicle';

export interface TruthLine extends TrueState {
  at: string;
  vin: string;
}

export interface FleetOptions {
  /** Simulated time (a ScaledClock for `--speed`, a ManualClock in tests). */
  clock: Clock;
  gcid: string;
  vehicles: VehicleSpec[];
  /** A scenario file; a spec's own `scenario` wins, cars the file does not cover run the demo loop. */
  scenario?: ScenarioFile;
  /** Simulated ms between steps (default 1000). */
  stepMs?: number;
  publish: (vin: string, message: StreamMessage) => void;
  onTruth?: (line: TruthLine) => void;
  /** Simulated ms between truth lines per car (default 10 000); lines also come on charging/driving changes. */
  truthEveryMs?: number;
  /** A car's scenario ran its last step (never for the demo loop). */
  onScenarioDone?: (vin: string) => void;
  /** A step could not apply in the car's present state. */
  onWarning?: (vin: string, message: string) => void;
}

interface Entry {
  vehicle: SimVehicle;
  seed: number;
  lastTruthAt: number;
  lastCharging: boolean;
  lastDriving: boolean;
}

export class Fleet implements FleetView {
  private readonly entries = new Map<string, Entry>();
  private readonly stepMs: number;
  private readonly truthEveryMs: number;
  private timer: Timer | undefined;

  constructor(private readonly options: FleetOptions) {
    this.stepMs = options.stepMs ?? 1000;
    this.truthEveryMs = options.truthEveryMs ?? 10_000;
    if (!(this.stepMs > 0)) throw new Error(`stepMs must be positive, got ${this.stepMs}`);
    const now = options.clock.now();
    for (const spec of options.vehicles) {
      if (!VIN_PATTERN.test(spec.vin)) throw new Error(`"${spec.vin}" is not a valid VIN (17 characters, no I, O, Q)`);
      if (this.entries.has(spec.vin)) throw new Error(`VIN ${spec.vin} appears twice`);
      const profile = getProfile(spec.profile);
      const seed = spec.seed ?? deriveSeed(0, spec.vin);
      const vehicle = new SimVehicle({
        vin: spec.vin,
        gcid: options.gcid,
        profile,
        seed,
        startMs: now,
        startSoc: spec.startSoc,
        home: spec.home,
        odometerKm: spec.odometerKm,
        ambientC: spec.ambientC,
        targetSoc: spec.targetSoc,
        quirks: spec.quirks,
      });
      this.entries.set(spec.vin, { vehicle, seed, lastTruthAt: -Infinity, lastCharging: false, lastDriving: false });
    }
    for (const spec of options.vehicles) {
      const steps = spec.scenario ?? (options.scenario ? stepsForVin(options.scenario, spec.vin) : undefined);
      if (steps) this.runScenario(spec.vin, steps);
      else this.runDemo(spec.vin);
    }
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Step every car now and then every stepMs of simulated time until stop(). */
  start(): void {
    if (this.timer) return;
    this.stepAll(this.options.clock.now());
    this.schedule();
  }

  stop(): void {
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Replace the demo loop (or a running scenario) of one car; steps are validated first. */
  runScenario(vin: string, steps: ScenarioStep[]): void {
    const entry = this.entry(vin);
    const parsed = parseSteps(steps);
    checkStepsForProfile(parsed, entry.vehicle.profile);
    this.drive(vin, expandSteps(parsed));
  }

  /** Do one step now, replacing whatever drove the car (a test's remote control). */
  command(vin: string, step: ScenarioStep): void {
    const entry = this.entry(vin);
    const parsed = parseStep(step, 'command');
    checkStepsForProfile([parsed], entry.vehicle.profile, 'command');
    this.drive(vin, expandSteps([parsed]));
  }

  /** Back to the endless demo loop. */
  runDemo(vin: string): void {
    const entry = this.entry(vin);
    const rng = new Rng(deriveSeed(entry.seed, 'demo'));
    this.drive(vin, demoSteps(entry.vehicle.profile, rng));
  }

  scenarioDone(vin: string): boolean {
    return this.entry(vin).vehicle.scenarioDone;
  }

  trueState(vin: string): TrueState {
    return this.entry(vin).vehicle.model.trueState();
  }

  /** The car itself (model, reporter), for tests and benchmarks that need more than the true state. */
  vehicle(vin: string): SimVehicle {
    return this.entry(vin).vehicle;
  }

  has(vin: string): boolean {
    return this.entries.has(vin);
  }

  vins(): string[] {
    return [...this.entries.keys()];
  }

  basicData(vin: string): Record<string, unknown> {
    return this.entry(vin).vehicle.basicData();
  }

  reported(vin: string): ReadonlyMap<string, StreamDescriptorValue> {
    return this.entry(vin).vehicle.reporter.reported;
  }

  chargingSessions(vin: string): ChargingSessionRecord[] {
    return [...this.entry(vin).vehicle.model.sessions];
  }

  position(vin: string): { latitude: number; longitude: number } {
    const { latitude, longitude } = this.entry(vin).vehicle.model.position;
    return { latitude, longitude };
  }

  private drive(vin: string, source: Iterator<AtomicStep>): void {
    const { vehicle } = this.entry(vin);
    vehicle.run(
      source,
      {
        onDone: () => this.options.onScenarioDone?.(vin),
        onWarning: (message) => this.options.onWarning?.(vin, message),
      },
      this.options.clock.now(),
    );
  }

  private schedule(): void {
    this.timer = this.options.clock.setTimeout(() => {
      // Re-arm first, so a throwing publish callback cannot stop the simulation.
      this.schedule();
      this.stepAll(this.options.clock.now());
    }, this.stepMs);
  }

  private stepAll(now: number): void {
    const { publish, onTruth } = this.options;
    for (const entry of this.entries.values()) {
      const messages = entry.vehicle.advance(now);
      for (const message of messages) publish(entry.vehicle.vin, message);
      if (onTruth) this.truth(entry, now, onTruth);
    }
  }

  private truth(entry: Entry, now: number, onTruth: (line: TruthLine) => void): void {
    const model = entry.vehicle.model;
    const changed = model.charging !== entry.lastCharging || model.driving !== entry.lastDriving;
    if (!changed && now - entry.lastTruthAt < this.truthEveryMs) return;
    entry.lastTruthAt = now;
    entry.lastCharging = model.charging;
    entry.lastDriving = model.driving;
    onTruth({ at: isoMillis(now), vin: entry.vehicle.vin, ...model.trueState() });
  }

  private entry(vin: string): Entry {
    const entry = this.entries.get(vin);
    if (!entry) throw new ScenarioError('vin', `no simulated vehicle ${vin}`);
    return entry;
  }
}
