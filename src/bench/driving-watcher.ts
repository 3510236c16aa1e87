/**
 * One engine set of the magic-soc node as the driving benchmark watches it: the engines, the events they sent, and
 * where the car truly was when the engine last moved its anchor, to tell distance billed twice from distance driven.
 */
import { kmSinceAnchor, type DrivingSession } from '../vehicle/driving/session';
import type { LearnedConsumption } from '../vehicle/driving/consumption';
import type { VehicleOptions, VehicleOutput } from '../vehicle/engine-slot';
import { ALL_ENGINES, VehicleEngines } from '../vehicle/vehicle-engines';

/**
 * `plain`: BMW's stream only; `traccar`: the stream plus a Traccar speed every 60 s while the car drives; `flaky`: the
 * same, but every third poll fails (Traccar down, a timeout): no speed then.
 */
export type Variant = 'plain' | 'traccar' | 'flaky';
export const VARIANTS: readonly Variant[] = ['plain', 'traccar', 'flaky'];

/** `trip_started:odometer`, `learning_rejected:too_short`, `learning_updated`: an event's name and its reason. */
function eventName(event: VehicleOutput): string {
  const name = typeof event.payload === 'string' ? event.payload : JSON.stringify(event.payload);
  const reason = event.attributes.reason;
  return typeof reason === 'string' ? `${name}:${reason}` : name;
}

/** One engine set and the events it sent. */
export class Watcher {
  readonly engines: VehicleEngines;
  readonly events: Record<string, number> = {};
  parkedTripStarts = 0;
  /** The engine's anchor last seen, and the model's true odometer when it was set. */
  private anchor: { key: string; trueKm: number } | null = null;

  constructor(
    readonly variant: Variant,
    private readonly vin: string,
    options: VehicleOptions,
    private readonly parked: () => boolean,
    private readonly onEvent?: (event: VehicleOutput) => void,
  ) {
    this.engines = new VehicleEngines(options, undefined, ALL_ENGINES);
  }

  deliver(outputs: readonly VehicleOutput[]): void {
    for (const output of outputs) {
      if (output.kind !== 'event' || output.engine !== 'driving') continue;
      this.onEvent?.(output);
      const name = eventName(output);
      this.events[name] = (this.events[name] ?? 0) + 1;
      if (output.payload === 'trip_started' && this.parked()) this.parkedTripStarts += 1;
    }
  }

  magic(now: number): VehicleOutput {
    const record = this.engines.evaluate(now).find((o) => o.topic === `${this.vin}/magic_soc`);
    if (!record) throw new Error(`the ${this.variant} engines have no magic SOC for ${this.vin}`);
    return record;
  }

  private get session(): Readonly<DrivingSession> | null {
    return this.engines.drivingEngine(this.vin)?.driving.session ?? null;
  }

  /** After every call that can anchor: note where the car truly was when the anchor moved. */
  watchAnchor(trueOdometerKm: number): void {
    const s = this.session;
    if (!s) return;
    const key = `${s.createdAt}|${s.anchorSoc}|${s.anchorOdometerKm}|${s.anchorGpsKm}`;
    if (this.anchor?.key !== key) this.anchor = { key, trueKm: trueOdometerKm };
  }

  /** Kilometres billed since the anchor beyond those driven since; null without a trip. */
  overbilledKm(trueOdometerKm: number): number | null {
    const s = this.session;
    if (!s || !this.anchor) return null;
    return kmSinceAnchor(s) - (trueOdometerKm - this.anchor.trueKm);
  }

  get learned(): LearnedConsumption | null {
    const learned = this.engines.drivingEngine(this.vin)?.driving.learned;
    return learned ? structuredClone(learned) : null;
  }

  nextTripConsumption(now: number): number {
    const engine = this.engines.drivingEngine(this.vin)?.driving;
    if (!engine) throw new Error(`the ${this.variant} engines never saw ${this.vin}`);
    return engine.lookup(now).kwhPerKm;
  }
}
