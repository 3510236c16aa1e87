/**
 * Runs scenario steps against one car in simulated time. Instant steps (plugIn, unplug, setSoc, ...) apply at once
 * and the next step follows in the same tick; drive, park and charge hold the runner until they are over.
 */
import type { VehicleModel } from './model';
import { stepName, type AtomicStep } from './scenario';

export interface RunnerHooks {
  onDone?: () => void;
  /** A step that could not apply in the car's present state (e.g. charge with no cable plugged in). */
  onWarning?: (message: string) => void;
}

/** More instant steps than this in one tick means the scenario never lets time pass. */
const MAX_STEPS_PER_TICK = 10_000;
/** A drive that cannot start (empty battery) holds the runner this long, so a loop of drives cannot spin. */
const FAILED_DRIVE_HOLD_MS = 10 * 60_000;

export class ScenarioRunner {
  private active: { step: AtomicStep; startedMs: number } | undefined;
  private finished = false;

  constructor(
    private readonly source: Iterator<AtomicStep>,
    private readonly hooks: RunnerHooks = {},
  ) {}

  get done(): boolean {
    return this.finished;
  }

  /** The step holding the runner now, if any. */
  get current(): AtomicStep | undefined {
    return this.active?.step;
  }

  tick(model: VehicleModel, now: number): void {
    if (this.finished) return;
    for (let n = 0; n < MAX_STEPS_PER_TICK; n++) {
      if (this.active && !this.complete(model, now)) return;
      this.active = undefined;
      const next = this.source.next();
      if (next.done) {
        this.finished = true;
        this.hooks.onDone?.();
        return;
      }
      this.start(model, next.value, now);
    }
    // Never throw from here: this runs inside the fleet's timer. Stop this car's scenario and say why.
    this.finished = true;
    this.hooks.onWarning?.(
      `scenario ran ${MAX_STEPS_PER_TICK} steps in one instant without letting time pass; stopped`,
    );
    this.hooks.onDone?.();
  }

  private start(model: VehicleModel, step: AtomicStep, now: number): void {
    try {
      if ('drive' in step) {
        model.startTrip(step.drive, now);
        this.active = { step, startedMs: now };
      } else if ('park' in step || 'charge' in step) {
        if ('charge' in step && !model.plug) throw new Error('no cable is plugged in; step skipped');
        this.active = { step, startedMs: now };
      } else if ('plugIn' in step) model.plugIn(step.plugIn, now);
      else if ('unplug' in step) model.unplug(now);
      else if ('wallboxStop' in step) model.wallboxStop(now);
      else if ('wallboxResume' in step) model.wallboxResume(now);
      else if ('temperature' in step)
        model.setTemperature(step.temperature.celsius, step.temperature.batteryCelsius, now);
      else if ('setSoc' in step) model.setSoc(step.setSoc.soc, now);
      else model.refuel(step.refuel.litres, now);
    } catch (err) {
      this.hooks.onWarning?.(`${stepName(step)}: ${(err as Error).message}`);
      if ('drive' in step) this.active = { step: { park: { minutes: FAILED_DRIVE_HOLD_MS / 60_000 } }, startedMs: now };
    }
  }

  private complete(model: VehicleModel, now: number): boolean {
    const { step, startedMs } = this.active!;
    if ('drive' in step) return !model.driving;
    if ('park' in step) return now >= startedMs + step.park.minutes * 60_000;
    if ('charge' in step) {
      const { minutes, untilSoc } = step.charge;
      if (minutes !== undefined && now >= startedMs + minutes * 60_000) return true;
      if (untilSoc !== undefined && model.soc >= untilSoc) return true;
      // Over at the target or when the cable is gone; a wallbox stop ends it too unless minutes were asked for.
      const state = model.chargeState;
      return state === 'ended' || state === 'none' || (state === 'paused' && minutes === undefined);
    }
    return true;
  }
}
