/**
 * The charging engine of one VIN as the engine set sees it: its predictions and events turned into output records
 * (DESIGN.md §6, node `predicted-soc`), its learning and open session in one snapshot.
 */
import {
  ChargingEngine,
  EfficiencyMatrix,
  type ChargingEngineOptions,
  type ChargingEvent,
  type Prediction,
} from './charging';
import {
  roundForDisplay,
  snakeCase,
  type Attributes,
  type EngineSlot,
  type ResetTarget,
  type VehicleOptions,
  type VehicleOutput,
} from './engine-slot';
import type { Reading } from './readings';
import { isRecord } from './json';

export interface ChargingSlotSnapshot {
  /** The efficiency matrix in the integration's format; null while the VIN has learned nothing. */
  learned: unknown;
  /** ChargingEngine.snapshot(): the descriptors, the open or pending session. */
  state: unknown;
}

function engineOptions(options: VehicleOptions): ChargingEngineOptions {
  return {
    capacityKwh: options.capacityKwh ?? null,
    powertrain: options.powertrain ?? null,
    model: options.model ?? null,
  };
}

export class ChargingSlot implements EngineSlot {
  readonly engine = 'charging' as const;
  readonly clockAttributes = ['seconds_since_bmw_soc'] as const;
  readonly runningAttributes = ['raw', 'session_energy_kwh', 'error_bound'] as const;
  readonly charging: ChargingEngine;
  /** The last evaluation and its instant: magic SOC shows it while the car charges, without evaluating again. */
  private evaluated: { at: number; prediction: Prediction | null } | null = null;

  /** @param snapshot what `snapshot()` gave before a restart; anything unreadable starts this VIN afresh. */
  constructor(
    private readonly vin: string,
    options: VehicleOptions,
    snapshot?: unknown,
  ) {
    const saved = isRecord(snapshot) ? snapshot : {};
    const learned = isRecord(saved.learned) ? EfficiencyMatrix.fromJSON(saved.learned) : null;
    this.charging = new ChargingEngine(engineOptions(options), learned, saved.state ?? undefined);
  }

  ingest(readings: readonly Reading[], now: number): VehicleOutput[] {
    this.evaluated = null;
    return this.events(this.charging.ingest(readings, now));
  }

  heartbeat(now: number): VehicleOutput[] {
    this.evaluated = null;
    return this.events(this.charging.heartbeat(now));
  }

  /** An external meter's reading (kW) and the auxiliary load to deduct from it. */
  meter(powerKw: number, auxKw: number, now: number): VehicleOutput[] {
    this.evaluated = null;
    return this.events(this.charging.meterPower(powerKw, auxKw, now));
  }

  prediction(now: number): VehicleOutput | null {
    const prediction = this.evaluate(now);
    return prediction ? this.predictionRecord(prediction) : null;
  }

  /**
   * The charging prediction at `now`, evaluated once per instant and input: evaluating moves the engine's ratchets,
   * so a second reader (magic SOC) must not evaluate again at instants the node itself would not.
   */
  evaluate(now: number): Prediction | null {
    if (this.evaluated?.at !== now) this.evaluated = { at: now, prediction: this.charging.evaluate(now) };
    return this.evaluated.prediction;
  }

  reset(what: ResetTarget): boolean {
    this.evaluated = null;
    return what === 'consumption' ? false : this.charging.reset(what);
  }

  configure(options: VehicleOptions): void {
    this.evaluated = null;
    this.charging.setOptions(engineOptions(options));
  }

  snapshot(): ChargingSlotSnapshot {
    return { learned: this.charging.matrix?.toJSON() ?? null, state: this.charging.snapshot() };
  }

  private predictionRecord(p: Prediction): VehicleOutput {
    return {
      engine: this.engine,
      kind: 'prediction',
      vin: this.vin,
      topic: `${this.vin}/predicted_soc`,
      payload: roundForDisplay(p.soc),
      attributes: {
        raw: p.soc,
        charging: p.charging,
        source: p.source,
        efficiency: p.efficiency,
        condition: p.condition,
        samples: p.samples,
        power_kw: p.powerKw,
        session_energy_kwh: p.sessionEnergyKwh,
        method: p.method,
        phases: p.phases,
        phases_source: p.phasesSource,
        target_soc: p.targetSoc,
        bmw_soc: p.bmwSoc,
        seconds_since_bmw_soc: p.secondsSinceBmwSoc,
        error_bound: p.errorBound,
        // Which rules apply (a PHEV's SOC may be pulled down by BMW's): users ask why a value dropped.
        powertrain: this.charging.powertrain,
      },
    };
  }

  private events(events: readonly ChargingEvent[]): VehicleOutput[] {
    return events.map((event) => {
      const { type, at: _at, ...fields } = event;
      const attributes: Attributes = {};
      for (const [name, value] of Object.entries(fields as Attributes)) attributes[snakeCase(name)] = value;
      return {
        engine: this.engine,
        kind: type === 'poll_requested' ? 'request' : 'event',
        vin: this.vin,
        topic: `${this.vin}/event`,
        payload: type,
        attributes,
      };
    });
  }
}
