/**
 * The engines a flow runs, per VIN: today the charging prediction, later magic SOC and trip detection beside it.
 * Pure: no timers, no I/O; `now` (epoch ms) comes in with every call, so the nodes and `cardata-replay` run the same
 * code and the same output rules.
 *
 * When a prediction is sent (never for a VIN an engine has no basis for):
 * - after a message (BMW readings, a meter reading) when the displayed value or what it rests on changed: the
 *   rounded value or any attribute except those that move with time alone (the raw value, energy, error bound,
 *   the age of BMW's SOC);
 * - at every heartbeat when anything but the age changed, which while charging is every heartbeat;
 * - on `evaluate`, always. Those answers are not remembered as sent: asking for the value changes no later output.
 * Events are sent as they happen, before the prediction of the same instant.
 */
import type { ChargingEngine } from './charging';
import { ChargingSlot } from './charging-slot';
import { DrivingSlot } from './driving-slot';
import type { Attributes, EngineName, EngineSlot, ResetTarget, VehicleOptions, VehicleOutput } from './engine-slot';
import type { Reading } from './readings';
import { isRecord } from './json';

export const ENGINES_SNAPSHOT_VERSION = 1;

/** Every engine: what replay runs, and what a file must be read with so that nothing in it is lost. */
export const ALL_ENGINES: readonly EngineName[] = ['charging', 'driving', 'motion'];

/** The last prediction a VIN's engine sent: what the no-repeat rule compares with. */
export interface SentPrediction {
  payload: VehicleOutput['payload'];
  attributes: Attributes;
}

export interface VehicleSnapshot {
  /** Per engine, that engine's own snapshot. */
  engines: Partial<Record<EngineName, unknown>>;
  sent: Partial<Record<EngineName, SentPrediction>>;
}

/** Every VIN's learning and open sessions as one JSON-safe object. */
export interface VehicleEnginesSnapshot {
  version: typeof ENGINES_SNAPSHOT_VERSION;
  vehicles: Record<string, VehicleSnapshot>;
}

/** What makes a prediction worth sending again. */
type Trigger = 'message' | 'heartbeat';

/** One VIN: its engines, and what each last sent. */
interface Vehicle {
  options: VehicleOptions;
  charging: ChargingSlot;
  /** Magic SOC, with the motion tracker that finds its trips; absent when no one wants either. */
  driving: DrivingSlot | null;
  slots: EngineSlot[];
  sent: Partial<Record<EngineName, SentPrediction>>;
}

function parseSent(raw: unknown): SentPrediction | undefined {
  if (!isRecord(raw) || !isRecord(raw.attributes)) return undefined;
  const payload = raw.payload;
  if (typeof payload !== 'number' && typeof payload !== 'string') return undefined;
  return { payload, attributes: raw.attributes as Attributes };
}

/** The part of a prediction the trigger compares: everything but the attributes it ignores. */
function comparable(record: SentPrediction, ignore: ReadonlySet<string>): string {
  const kept = Object.entries(record.attributes).filter(([name]) => !ignore.has(name));
  return JSON.stringify([record.payload, kept]);
}

export class VehicleEngines {
  private readonly vehicles = new Map<string, Vehicle>();
  private readonly perVin = new Map<string, VehicleOptions>();

  /**
   * @param defaults manual options for every VIN (`configure` overrides them per VIN).
   * @param snapshot what `snapshot()` returned before a restart; a VIN whose part is unreadable starts afresh.
   */
  /**
   * @param active the engines whose outputs are wanted (a node sends its own engine's); the charging engine always
   *   runs, as magic SOC is its prediction while the car charges. With neither `driving` nor `motion` the driving
   *   slot is not created, and its part of a loaded snapshot is not kept.
   */
  constructor(
    private defaults: VehicleOptions = {},
    snapshot?: unknown,
    private readonly active: readonly EngineName[] = ['charging'],
  ) {
    if (!VehicleEngines.isSnapshot(snapshot)) return;
    for (const [vin, saved] of Object.entries(snapshot.vehicles)) {
      const vehicle = this.create(vin, isRecord(saved) ? saved : {});
      this.vehicles.set(vin, vehicle);
    }
  }

  /** Whether `data` is a snapshot of this version (a runner may refuse to overwrite anything else). */
  static isSnapshot(data: unknown): data is VehicleEnginesSnapshot {
    return isRecord(data) && data.version === ENGINES_SNAPSHOT_VERSION && isRecord(data.vehicles);
  }

  /** The VINs seen so far (or restored), in the order they first appeared. */
  get vins(): string[] {
    return [...this.vehicles.keys()];
  }

  /** The VIN's charging engine, for status and diagnostics; undefined for a VIN not seen yet. */
  chargingEngine(vin: string): ChargingEngine | undefined {
    return this.vehicles.get(vin)?.charging.charging;
  }

  /** Manual options for one VIN, over the defaults; they apply from the next message on. */
  configure(vin: string, options: VehicleOptions): void {
    this.perVin.set(vin, { ...options });
    const vehicle = this.vehicles.get(vin);
    if (!vehicle) return;
    vehicle.options = this.optionsFor(vin);
    for (const slot of vehicle.slots) slot.configure(vehicle.options);
  }

  /** One BMW message for `vin`, already normalised (stream or REST). */
  ingest(vin: string, readings: readonly Reading[], now: number): VehicleOutput[] {
    const vehicle = this.vehicle(vin);
    const events = vehicle.slots.flatMap((slot) => slot.ingest(readings, now));
    return this.wanted([...events, ...this.predictions(vehicle, now, 'message')]);
  }

  /** An external power meter's reading for `vin`: it replaces BMW's power figures while it keeps coming. */
  meter(vin: string, powerKw: number, auxKw: number, now: number): VehicleOutput[] {
    const vehicle = this.vehicle(vin);
    const events = vehicle.charging.meter(powerKw, auxKw, now);
    return this.wanted([...events, ...this.predictions(vehicle, now, 'message')]);
  }

  /** A Traccar reading for `vin`: km/h, or null when Traccar has no usable position. Sends nothing by itself. */
  speed(vin: string, kmh: number | null, now: number): void {
    this.vehicle(vin).driving?.speed(kmh, now);
  }

  /** The VIN's driving engine, for status and diagnostics. */
  drivingEngine(vin: string): DrivingSlot | undefined {
    return this.vehicles.get(vin)?.driving ?? undefined;
  }

  /** The 30-second heartbeat of every VIN. */
  tick(now: number): VehicleOutput[] {
    const outputs: VehicleOutput[] = [];
    for (const vehicle of this.vehicles.values()) {
      for (const slot of vehicle.slots) outputs.push(...slot.heartbeat(now));
      outputs.push(...this.predictions(vehicle, now, 'heartbeat'));
    }
    return this.wanted(outputs);
  }

  /** Every prediction that has a basis, now, whether or not it changed. */
  evaluate(now: number): VehicleOutput[] {
    const outputs: VehicleOutput[] = [];
    for (const vehicle of this.vehicles.values()) {
      for (const slot of vehicle.slots) {
        const record = slot.prediction(now);
        if (record) outputs.push(record);
      }
    }
    return this.wanted(outputs);
  }

  /**
   * Reset learning of a VIN. False when there was nothing to reset. Predictions pick the change up at their next
   * evaluation; a reset sends nothing by itself.
   */
  reset(vin: string, what: ResetTarget): boolean {
    const vehicle = this.vehicles.get(vin);
    if (!vehicle) return false;
    let done = false;
    for (const slot of vehicle.slots) done = slot.reset(what) || done;
    return done;
  }

  snapshot(): VehicleEnginesSnapshot {
    const vehicles: Record<string, VehicleSnapshot> = {};
    for (const [vin, vehicle] of this.vehicles) {
      const engines: Partial<Record<EngineName, unknown>> = {};
      for (const slot of vehicle.slots) engines[slot.engine] = slot.snapshot();
      vehicles[vin] = { engines, sent: structuredClone(vehicle.sent) };
    }
    return { version: ENGINES_SNAPSHOT_VERSION, vehicles };
  }

  private optionsFor(vin: string): VehicleOptions {
    return { ...this.defaults, ...this.perVin.get(vin) };
  }

  private vehicle(vin: string): Vehicle {
    let vehicle = this.vehicles.get(vin);
    if (!vehicle) {
      vehicle = this.create(vin, {});
      this.vehicles.set(vin, vehicle);
    }
    return vehicle;
  }

  private create(vin: string, saved: Record<string, unknown>): Vehicle {
    const options = this.optionsFor(vin);
    const engines = isRecord(saved.engines) ? saved.engines : {};
    const charging = new ChargingSlot(vin, options, engines.charging);
    const runsDriving = this.active.includes('driving') || this.active.includes('motion');
    const driving = runsDriving ? new DrivingSlot(vin, options, charging, engines.driving) : null;
    const slots: EngineSlot[] = driving ? [charging, driving] : [charging];
    const sent: Vehicle['sent'] = {};
    const savedSent = isRecord(saved.sent) ? saved.sent : {};
    for (const slot of slots) {
      const last = parseSent(savedSent[slot.engine]);
      if (last) sent[slot.engine] = last;
    }
    return { options, charging, driving, slots, sent };
  }

  private wanted(outputs: VehicleOutput[]): VehicleOutput[] {
    return outputs.filter((output) => this.active.includes(output.engine));
  }

  private predictions(vehicle: Vehicle, now: number, trigger: Trigger): VehicleOutput[] {
    const outputs: VehicleOutput[] = [];
    for (const slot of vehicle.slots) {
      const record = slot.prediction(now);
      if (!record) continue;
      const ignore = new Set<string>(slot.clockAttributes);
      if (trigger === 'message') for (const name of slot.runningAttributes) ignore.add(name);
      const last = vehicle.sent[slot.engine];
      if (last && comparable(last, ignore) === comparable(record, ignore)) continue;
      vehicle.sent[slot.engine] = { payload: record.payload, attributes: { ...record.attributes } };
      outputs.push(record);
    }
    return outputs;
  }
}
