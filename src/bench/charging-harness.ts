/**
 * One simulated car charging in virtual time, watched by the engine set the predicted-soc node runs. Every 30 s of
 * simulated time (the engines' heartbeat grid) during a charge, it compares with the vehicle model's true SOC:
 * - the prediction: VehicleEngines.evaluate → the `raw` attribute of `<VIN>/predicted_soc`;
 * - the naive baseline: the last SOC BMW streamed (header, or `stateOfCharge.displayed`).
 *
 * The engines get what the predicted-soc node gets: BMW's stream as the simulator's reporter publishes it (realistic
 * quirks). With `rest`, they also get one REST telematicData answer when they start and one for every poll they
 * request (a charge-end check, a missing phase count, the SOC after a charge), as a flow that wires an API call to
 * those requests would. Nothing sleeps: the car is stepped every second of simulated time with `SimVehicle.advance`,
 * which returns what BMW publishes by then.
 */
import { readingsFromStream, readingsFromTelematicData } from '../cardata/normalise';
import type { RestDescriptorValue } from '../cardata/wire';
import { HEARTBEAT_MS } from '../cli/replay';
import { restTimestamp, restValue } from '../sim/http/telematic-data';
import type { PlugType } from '../sim/vehicle/charging';
import type { Plug } from '../sim/vehicle/model';
import { getProfile, type ProfileName } from '../sim/vehicle/profiles';
import { expandSteps, parseSteps, type ScenarioStep } from '../sim/vehicle/scenario';
import type { ReporterQuirks } from '../sim/vehicle/quirks';
import { SimVehicle } from '../sim/vehicle/sim-vehicle';
import { AUX_POWER_KW } from '../vehicle/charging/constants';
import { DISP, HDR } from '../vehicle/charging/descriptors';
import type { VehicleOptions, VehicleOutput } from '../vehicle/engine-slot';
import type { Reading } from '../vehicle/readings';
import { EfficiencyMatrix } from '../vehicle/charging';
import type { ChargingSlotSnapshot } from '../vehicle/charging-slot';
import { ENGINES_SNAPSHOT_VERSION, VehicleEngines, type VehicleEnginesSnapshot } from '../vehicle/vehicle-engines';
import { ErrorStats } from './stats';

/** `learned`: the engine set that has watched the car from the start; `cold`: one started fresh for one session. */
export type EngineRole = 'learned' | 'cold';

export interface SessionPlan {
  /** Scenario steps (docs/scenarios.md), usually one plug-in, charge, unplug. */
  steps: ScenarioStep[];
  /** Start a second engine set at the beginning of this session: nothing learned, as on the day a flow is deployed. */
  cold?: boolean;
}

export interface CarPlan {
  vin: string;
  profile: ProfileName;
  seed: number;
  startMs: number;
  startSoc: number;
  /** The node's configuration for this car. */
  options: VehicleOptions;
  /** Answer the engines' REST poll requests from BMW's backend, and fetch once when an engine starts. */
  rest?: boolean;
  /** Efficiency per condition (`3_250_16`) the engines start with, as if learned before: a reference, not a run. */
  preset?: Record<string, number>;
  sessions: SessionPlan[];
  /** Overrides of the car's realistic reporting quirks (e.g. `socQuantisation: 'floor'`). */
  quirks?: Partial<ReporterQuirks>;
  /** Simulated ms between steps of the car (default 1000, as the simulator's fleet). */
  stepMs?: number;
  /** Called with every sample, to look into a result. */
  onSample?: (sample: Sample) => void;
  /** Called with every event the engines send (learning, charge start and end), to look into a result. */
  onEvent?: (role: EngineRole, event: VehicleOutput, at: number) => void;
}

export interface Sample {
  at: number;
  role: EngineRole;
  session: number;
  trueSoc: number;
  predicted: number;
  baseline: number;
  /** The prediction's attributes (efficiency, condition, power_kw, …). */
  attributes: VehicleOutput['attributes'];
}

export interface EfficiencyInUse {
  efficiency: number;
  condition: string;
  /** Sessions the efficiency was learned from (0 = the default). */
  samples: number;
}

/** What one engine set did during one charge. */
export interface ChargeView {
  prediction: ErrorStats;
  baseline: ErrorStats;
  /** The efficiency the prediction used at its last sample of the charge; null when it never predicted. */
  efficiencyInUse: EfficiencyInUse | null;
}

export interface ChargeRecord {
  /** Index of the session (CarPlan.sessions) the charge happened in. */
  session: number;
  plugType: PlugType;
  startMs: number;
  /** The true SOC when the car began charging and at the end of the measured window. */
  startSoc: number;
  endSoc: number;
  /**
   * Energy-weighted true efficiency of the charge: energy into the cells / (grid − the car's true aux) energy.
   * Null when no energy flowed.
   */
  trueEfficiency: number | null;
  /**
   * The same charge under the engine's definition: energy into the cells / (grid − the engine's fixed 0.3 kW aux)
   * energy. What a perfect measurement by the engine would learn.
   */
  engineEfficiency: number | null;
  views: Partial<Record<EngineRole, ChargeView>>;
}

export interface EngineTally {
  /** REST polls the engine asked for. */
  requests: number;
  /** REST answers it got (with `rest`: its start and every instant it asked). */
  restCalls: number;
  /** Events by name (`learning_updated`, `learning_rejected:<reason>`, `charge_started`, …). */
  events: Record<string, number>;
}

export interface CarRun {
  charges: ChargeRecord[];
  engines: Partial<Record<EngineRole, EngineTally>>;
  /** Steps the car could not do (a scenario bug); a benchmark reports them rather than hiding them. */
  warnings: string[];
  simulatedMs: number;
}

/** No session of a benchmark should take this long; more means a scenario that never ends. */
const MAX_SESSION_MS = 72 * 3_600_000;
const BENCH_GCID = '6f1c2d3e-0000-4000-8000-00000000be0c';

/** BMW's REST answer for the car now: every value its backend holds, stringified as REST sends it. */
function restAnswer(vehicle: SimVehicle): Reading[] {
  const data: Record<string, RestDescriptorValue> = {};
  for (const [name, value] of vehicle.reporter.reported) {
    data[name] = { value: restValue(value.value), unit: value.unit ?? null, timestamp: restTimestamp(value.timestamp) };
  }
  return readingsFromTelematicData({ telematicData: data });
}

/** A restart snapshot holding only a learned matrix: how the engines start with efficiencies already in place. */
function presetSnapshot(vin: string, preset: Record<string, number>): VehicleEnginesSnapshot {
  const matrix = new EfficiencyMatrix();
  for (const [condition, efficiency] of Object.entries(preset)) matrix.learn(condition, efficiency);
  const charging: ChargingSlotSnapshot = { learned: matrix.toJSON(), state: null };
  return { version: ENGINES_SNAPSHOT_VERSION, vehicles: { [vin]: { engines: { charging }, sent: {} } } };
}

/** One engine set and what it asked for. */
class Watcher {
  readonly engines: VehicleEngines;
  readonly tally: EngineTally = { requests: 0, restCalls: 0, events: {} };
  private requested = false;
  private lastFetchAt = -Infinity;

  constructor(
    readonly role: EngineRole,
    private readonly vin: string,
    options: VehicleOptions,
    private readonly vehicle: SimVehicle,
    private readonly rest: boolean,
    private readonly onEvent?: (event: VehicleOutput) => void,
    snapshot?: VehicleEnginesSnapshot,
  ) {
    this.engines = new VehicleEngines(options, snapshot);
  }

  get charging(): boolean {
    return this.engines.chargingEngine(this.vin)?.charging ?? false;
  }

  deliver(outputs: readonly VehicleOutput[]): void {
    for (const output of outputs) {
      if (output.kind === 'request') {
        this.requested = true;
        this.tally.requests += 1;
      } else if (output.kind === 'event') {
        this.onEvent?.(output);
        const reason = output.attributes.reason;
        const event = typeof output.payload === 'string' ? output.payload : JSON.stringify(output.payload);
        const name = typeof reason === 'string' ? `${event}:${reason}` : event;
        this.tally.events[name] = (this.tally.events[name] ?? 0) + 1;
      }
    }
  }

  /** Answer the polls the engine asked for, once per instant: a second call at once would return the same data. */
  answer(now: number): void {
    if (!this.requested) return;
    this.requested = false;
    if (this.rest && this.lastFetchAt !== now) this.fetch(now);
  }

  fetch(now: number): void {
    this.lastFetchAt = now;
    this.tally.restCalls += 1;
    this.deliver(this.engines.ingest(this.vin, restAnswer(this.vehicle), now));
    this.requested = false;
  }

  prediction(now: number): VehicleOutput {
    const record = this.engines.evaluate(now).find((o) => o.topic === `${this.vin}/predicted_soc`);
    if (!record) throw new Error(`the ${this.role} engines have no prediction for ${this.vin} while charging`);
    return record;
  }
}

interface Totals {
  gridKwh: number;
  auxKwh: number;
  chargedKwh: number;
}

interface OpenCharge {
  record: ChargeRecord;
  watchers: Watcher[];
  totals: Totals;
  activeMs: number;
  started: boolean;
}

function totalsOf(vehicle: SimVehicle): Totals {
  const t = vehicle.model.totals;
  return { gridKwh: t.gridKwh, auxKwh: t.chargingAuxKwh, chargedKwh: t.chargedKwh };
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator > 1e-9 ? numerator / denominator : null;
}

function bmwSoc(readings: readonly Reading[]): number | null {
  let soc: number | null = null;
  for (const r of readings) {
    if ((r.descriptor === HDR || r.descriptor === DISP) && typeof r.value === 'number') soc = r.value;
  }
  return soc;
}

export function runCar(plan: CarPlan): CarRun {
  const stepMs = plan.stepMs ?? 1000;
  const rest = plan.rest ?? false;
  if (HEARTBEAT_MS % stepMs !== 0) throw new Error(`stepMs must divide the ${HEARTBEAT_MS} ms heartbeat`);
  const vehicle = new SimVehicle({
    vin: plan.vin,
    gcid: BENCH_GCID,
    profile: getProfile(plan.profile),
    seed: plan.seed,
    startMs: plan.startMs,
    startSoc: plan.startSoc,
    quirks: plan.quirks ?? 'realistic',
  });
  const model = vehicle.model;
  const warnings: string[] = [];
  const charges: ChargeRecord[] = [];
  let now = plan.startMs;
  const watcher = (role: EngineRole, snapshot?: VehicleEnginesSnapshot) =>
    new Watcher(
      role,
      plan.vin,
      plan.options,
      vehicle,
      rest,
      plan.onEvent && ((event) => plan.onEvent!(role, event, now)),
      snapshot,
    );
  const watchers: Watcher[] = [watcher('learned', plan.preset && presetSnapshot(plan.vin, plan.preset))];
  if (rest) watchers[0].fetch(now);
  let nextBeat = now + HEARTBEAT_MS;
  let baseline: number | null = null;
  let plug: Plug | undefined;
  let open: OpenCharge | undefined;
  let sessionIndex = 0;

  const close = (): void => {
    if (!open) return;
    const { record, totals } = open;
    const end = totalsOf(vehicle);
    const grid = end.gridKwh - totals.gridKwh;
    const charged = end.chargedKwh - totals.chargedKwh;
    record.trueEfficiency = ratio(charged, grid - (end.auxKwh - totals.auxKwh));
    record.engineEfficiency = ratio(charged, grid - (AUX_POWER_KW * open.activeMs) / 3_600_000);
    record.endSoc = model.soc;
    if (open.started) charges.push(record);
    open = undefined;
  };

  const track = (): void => {
    if (model.plug && model.plug !== plug) {
      close();
      plug = model.plug;
      const views: ChargeRecord['views'] = {};
      for (const w of watchers)
        views[w.role] = { prediction: new ErrorStats(), baseline: new ErrorStats(), efficiencyInUse: null };
      open = {
        record: {
          session: sessionIndex,
          plugType: plug.type,
          startMs: now,
          startSoc: model.soc,
          endSoc: model.soc,
          trueEfficiency: null,
          engineEfficiency: null,
          views,
        },
        watchers: [...watchers],
        totals: totalsOf(vehicle),
        activeMs: 0,
        started: false,
      };
    }
    if (!open) return;
    if (model.charging) {
      if (!open.started) {
        open.started = true;
        open.record.startMs = now;
        open.record.startSoc = model.soc;
      }
      open.activeMs += stepMs;
    } else if (open.started && !open.watchers.some((w) => w.charging)) {
      // Over in truth and for every engine: a stale CHARGINGACTIVE (an external stop) keeps the window open.
      close();
    }
  };

  const sample = (): void => {
    if (!open?.started) return;
    for (const w of open.watchers) {
      if (!model.charging && !w.charging) continue;
      const view = open.record.views[w.role]!;
      const record = w.prediction(now);
      const raw = record.attributes.raw;
      if (typeof raw !== 'number')
        throw new Error(`predicted_soc without a numeric raw value: ${JSON.stringify(record)}`);
      view.prediction.add(raw - model.soc);
      if (baseline === null) throw new Error('no SOC was ever streamed before the charge');
      view.baseline.add(baseline - model.soc);
      const a = record.attributes;
      plan.onSample?.({
        at: now,
        role: w.role,
        session: open.record.session,
        trueSoc: model.soc,
        predicted: raw,
        baseline,
        attributes: a,
      });
      if (a.source === 'predicted' && a.charging === true && typeof a.efficiency === 'number') {
        view.efficiencyInUse = {
          efficiency: a.efficiency,
          condition: typeof a.condition === 'string' ? a.condition : JSON.stringify(a.condition),
          samples: typeof a.samples === 'number' ? a.samples : 0,
        };
      }
    }
  };

  const step = (): void => {
    const messages = vehicle.advance(now);
    const beat = now === nextBeat;
    if (beat) {
      // A timer due at the same instant as a message fires first (DESIGN.md §6).
      for (const w of watchers) w.deliver(w.engines.tick(now));
      nextBeat += HEARTBEAT_MS;
    }
    for (const message of messages) {
      const readings = readingsFromStream(message);
      baseline = bmwSoc(readings) ?? baseline;
      for (const w of watchers) w.deliver(w.engines.ingest(plan.vin, readings, now));
    }
    for (const w of watchers) w.answer(now);
    track();
    if (beat) sample();
  };

  plan.sessions.forEach((session, index) => {
    sessionIndex = index;
    if (session.cold) {
      const fresh = watcher('cold');
      const previous = watchers.findIndex((w) => w.role === 'cold');
      if (previous >= 0) watchers.splice(previous, 1);
      watchers.push(fresh);
      if (rest) fresh.fetch(now);
    }
    vehicle.run(
      expandSteps(parseSteps(session.steps)),
      { onWarning: (message) => warnings.push(`session ${index + 1}: ${message}`) },
      now,
    );
    const limit = now + MAX_SESSION_MS;
    while (!vehicle.scenarioDone) {
      now += stepMs;
      if (now > limit) throw new Error(`session ${index + 1} of ${plan.vin} did not end within 72 simulated hours`);
      step();
    }
  });
  close();

  const engines: CarRun['engines'] = {};
  for (const w of watchers) engines[w.role] = w.tally;
  return { charges, engines, warnings, simulatedMs: now - plan.startMs };
}
