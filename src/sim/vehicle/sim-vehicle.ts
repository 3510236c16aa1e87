/**
 * One simulated car: the true model, BMW's reporter for it and whatever drives it (a scenario or the demo loop),
 * advanced together to each instant the fleet's clock gives.
 */
import type { StreamMessage } from '../../cardata/wire';
import { MUNICH, VehicleModel } from './model';
import type { VehicleProfile } from './profiles';
import { resolveQuirks, type QuirksOption } from './quirks';
import { deriveSeed } from './random';
import { Reporter } from './reporter';
import type { GeoPoint } from './route';
import { ScenarioRunner, type RunnerHooks } from './runner';
import type { AtomicStep } from './scenario';

export interface SimVehicleOptions {
  vin: string;
  gcid: string;
  profile: VehicleProfile;
  seed: number;
  startMs: number;
  startSoc?: number;
  home?: GeoPoint;
  odometerKm?: number;
  ambientC?: number;
  targetSoc?: number;
  quirks?: QuirksOption;
}

export class SimVehicle {
  readonly vin: string;
  readonly model: VehicleModel;
  readonly reporter: Reporter;
  private runner: ScenarioRunner | undefined;

  constructor(options: SimVehicleOptions) {
    this.vin = options.vin;
    this.model = new VehicleModel({
      profile: options.profile,
      seed: deriveSeed(options.seed, 'physics'),
      startSoc: options.startSoc,
      home: options.home ?? MUNICH,
      odometerKm: options.odometerKm,
      ambientC: options.ambientC,
      targetSoc: options.targetSoc,
    });
    this.model.step(options.startMs);
    this.reporter = new Reporter(this.model, {
      vin: options.vin,
      gcid: options.gcid,
      seed: deriveSeed(options.seed, 'reporter'),
      quirks: resolveQuirks(options.profile, options.quirks),
      startMs: options.startMs,
    });
  }

  get profile(): VehicleProfile {
    return this.model.profile;
  }

  /** True once a finite scenario has run its last step (never for the demo loop or with no scenario). */
  get scenarioDone(): boolean {
    return this.runner?.done ?? false;
  }

  get currentStep(): AtomicStep | undefined {
    return this.runner?.current;
  }

  /** Replace whatever drove the car; the first steps apply at `now`. */
  run(source: Iterator<AtomicStep>, hooks: RunnerHooks, now: number): void {
    this.model.step(now);
    this.runner = new ScenarioRunner(source, hooks);
    this.runner.tick(this.model, now);
  }

  /** Integrate to `now`, let the scenario react, and return what BMW publishes by then. */
  advance(now: number): StreamMessage[] {
    this.model.step(now);
    this.runner?.tick(this.model, now);
    return this.reporter.observe(now);
  }

  basicData(): Record<string, unknown> {
    return { vin: this.vin, ...this.profile.basicData };
  }
}
