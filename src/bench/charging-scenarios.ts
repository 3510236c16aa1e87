/**
 * The charges the accuracy benchmark simulates. Each scenario is one kind of charge on one car: a few complete
 * "warm-up" charges of the same kind (so the engine has learned that charging condition), then the measured session,
 * watched both by the engine that saw the warm-ups and by a fresh one that has learned nothing.
 *
 * The cars run the simulator's profiles unchanged, with BMW's realistic reporting quirks; nothing here is tuned to
 * the prediction. Start SOCs of the warm-ups vary (seeded), so no two charges are the same.
 */
import type { ProfileName } from '../sim/vehicle/profiles';
import { Rng, deriveSeed } from '../sim/vehicle/random';
import type { ScenarioStep } from '../sim/vehicle/scenario';
import type { SessionPlan } from './charging-harness';

export interface BenchSize {
  quick: boolean;
  /** Complete charges of the same kind before the measured one. */
  warmups: number;
  /** Sessions of the learning-convergence car (the last one is measured against what the others taught). */
  convergenceSessions: number;
  /** Learned sessions after which convergence is reported. */
  convergencePoints: number[];
}

export const FULL_SIZE: BenchSize = {
  quick: false,
  warmups: 5,
  convergenceSessions: 11,
  convergencePoints: [0, 1, 3, 5, 10],
};

export const QUICK_SIZE: BenchSize = {
  quick: true,
  warmups: 2,
  convergenceSessions: 4,
  convergencePoints: [0, 1, 3],
};

export interface ChargingScenario {
  id: string;
  /** What is charged, as the table shows it. */
  title: string;
  profile: ProfileName;
  /** The node's `model` setting, as basicData gives it. */
  model: string;
  powertrain: 'BEV' | 'PHEV';
  seed: number;
  /** The measured session. */
  measured: ScenarioStep[];
  /** Warm-up charge `i` (0-based): a complete charge of the same charging condition. */
  warmup: (i: number) => ScenarioStep[];
  /**
   * Why this scenario can miss the goal beyond COMMON_LIMITATION: what the car does that the prediction cannot
   * know, or what the engine does with it. Printed under the table only when one of its rows misses.
   */
  limitation: string;
  /** Also measure this charge with the engine preset to the perfect efficiency (a reference row). */
  reference?: boolean;
}

/** What limits every charge of a car that streams a rounded SOC every few points (all the profiles used here). */
export const COMMON_LIMITATION =
  "BMW's SOC is a whole percent, rounded, and while charging it is streamed only every few points (i4 " +
  '3, iX2 4, 330e 2). A new value appears when the true SOC crosses the half point below it, so it is ' +
  'about 0.5 points ahead of the truth when it arrives. The engine re-anchors on it as it is, and a ' +
  "BEV's prediction only moves up, so it keeps most of that half point: even with the efficiency a " +
  'perfect measurement would learn (the reference row) its mean error stays near 0.47, while the ' +
  "baseline's is about 1.1 on a car that streams every 3 points, a ratio of about 2.3. Whether BMW " +
  'rounds or floors is not known, so the engine does not correct for the half point. Learning is not ' +
  "affected: it measures between BMW's SOC steps, whose difference is exact either way " +
  '(docs/differences-charging.md #22), and lands on what a perfect measurement gives.';

type PlugIn = Extract<ScenarioStep, { plugIn: unknown }>['plugIn'];

/** Arrive home at `soc`, plug in, charge until the car stops, leave the cable in 20 min, unplug, stand 30 min. */
export function fullCharge(soc: number, plugIn: PlugIn): ScenarioStep[] {
  return [
    { setSoc: { soc } },
    { park: { minutes: 10 } },
    { plugIn },
    { charge: {} },
    { park: { minutes: 20 } },
    { unplug: {} },
    { park: { minutes: 30 } },
  ];
}

/** Start SOCs of warm-up charges: seeded, whole percent, within [min, max]. */
function startSocs(seed: number, min: number, max: number): (i: number) => number {
  return (i) => new Rng(deriveSeed(seed, `warmup-${i}`)).int(min, max);
}

/** The scenarios; quick runs charge over shorter spans. */
export function chargingScenarios(size: BenchSize): ChargingScenario[] {
  const q = size.quick;
  const ac1: PlugIn = { type: 'AC1', currentA: 16, targetSoc: 80 };
  const ac3: PlugIn = { type: 'AC3', currentA: 16, targetSoc: 80 };
  const acStart = q ? 60 : 30;
  const acWarm = (seed: number) => startSocs(seed, q ? 55 : 25, q ? 65 : 50);
  const i4 = { profile: 'i4-edrive40', model: 'i4 eDrive40', powertrain: 'BEV' } as const;
  const ac3Warmups = (seed: number) => (i: number) => fullCharge(acWarm(seed)(i), ac3);

  return [
    {
      id: 'ac1',
      title: `AC 1-phase 16 A, ${acStart}→80 %`,
      ...i4,
      seed: 101,
      measured: fullCharge(acStart, ac1),
      warmup: (i) => fullCharge(acWarm(101)(i), ac1),
      limitation:
        "A 1-phase charge is slow and its efficiency (0.86; 0.88 in the engine's terms) is below the default 0.90: with " +
        "nothing learned the prediction runs ahead from the start and, being a BEV's, is never pulled back, " +
        'so its error grows through the charge. Learned, the efficiency matches a perfect measurement and only ' +
        'the common half point remains.',
    },
    {
      id: 'ac3',
      title: `AC 3-phase 16 A, ${acStart}→80 %`,
      ...i4,
      seed: 102,
      measured: fullCharge(acStart, ac3),
      warmup: ac3Warmups(102),
      reference: true,
      limitation: 'Only the common limit: the half point at every re-anchor (the reference row shows it alone).',
    },
    {
      id: 'dc',
      title: `DC 150 kW with taper, ${q ? 40 : 10}→80 %`,
      ...i4,
      seed: 103,
      measured: fullCharge(q ? 40 : 10, { type: 'DC', maxKw: 150, targetSoc: 80 }),
      warmup: (i) => fullCharge(startSocs(103, q ? 35 : 10, q ? 45 : 30)(i), { type: 'DC', maxKw: 150, targetSoc: 80 }),
      limitation:
        'BMW streams DC power in one 2–3 min burst at the start, then stays silent for 50–60 min, longer than ' +
        'the charge. The engine does not replay DC power at its heartbeat: it extrapolates the last reading ' +
        "for at most 10 min and then waits for BMW's next SOC to lift it. Holding the burst's power while the " +
        'car tapers from 25 % on, the prediction runs ahead of the truth (the max error) and is never pulled ' +
        'back. Every DC session has a gap of over 10 min between power readings, so learning rejects it ' +
        '(energy_uncounted): with realistic reporting the engine never learns DC.',
    },
    {
      id: 'phev',
      title: `PHEV AC 1-phase 16 A, ${q ? 70 : 15}→100 %`,
      profile: '330e',
      model: '330e',
      powertrain: 'PHEV',
      seed: 104,
      measured: fullCharge(q ? 70 : 15, { type: 'AC1', currentA: 16, targetSoc: 100 }),
      warmup: (i) =>
        fullCharge(startSocs(104, q ? 65 : 10, q ? 75 : 40)(i), { type: 'AC1', currentA: 16, targetSoc: 100 }),
      limitation:
        'The 330e streams its SOC every 2 points and one point is only 0.12 kWh, so the baseline is never far ' +
        'behind, while the half-point offset alone keeps the prediction near 0.4. Above 96 % the car lowers ' +
        'its current, which the sparse power bursts do not show, so the prediction reaches 100 % early (the ' +
        'max error). Learning is keyed by the current that carried most of the energy (16 A), but the ' +
        "taper's energy is over-counted from the last power burst, so the learned efficiency comes out low.",
    },
    {
      id: 'nopower',
      title: `no power telemetry, AC 3-phase 16 A, ${acStart}→80 %`,
      profile: 'ix2-edrive20-nopower',
      model: 'iX2 eDrive20',
      powertrain: 'BEV',
      seed: 105,
      measured: fullCharge(acStart, ac3),
      warmup: ac3Warmups(105),
      limitation:
        "Without power, voltage or current the engine derives one power from BMW's first SOC rise (≥ 5 min) " +
        "and keeps it. BMW's SOC is rounded, so that first 4-point step is only about 3.5 true points and the " +
        "derived power comes out about 15 % too high; the prediction runs ahead and, being a BEV's, is never " +
        'pulled back. Learned, the "efficiency" of such a car is a correction factor for that derived power ' +
        '(about 0.79), which brings the prediction close but not to the goal; the phase count is never known, ' +
        'so the sessions are filed under 1-phase.',
    },
    {
      id: 'interrupted',
      title: `interrupted: AC 3-phase, unplugged after ${q ? 30 : 120} min`,
      ...i4,
      seed: 106,
      measured: [
        { setSoc: { soc: acStart } },
        { park: { minutes: 10 } },
        { plugIn: ac3 },
        { charge: { minutes: q ? 30 : 120 } },
        { unplug: {} },
        { park: { minutes: 30 } },
      ],
      warmup: ac3Warmups(106),
      limitation:
        'Only the common limits; the unplug is streamed within seconds, so the interruption itself costs ' + 'little.',
    },
    {
      id: 'wallbox-stop',
      title: `wallbox stopped from outside after ${q ? 30 : 90} min`,
      ...i4,
      seed: 107,
      measured: [
        { setSoc: { soc: acStart } },
        { park: { minutes: 10 } },
        { plugIn: ac3 },
        { charge: { minutes: q ? 30 : 90 } },
        { wallboxStop: {} },
        { park: { minutes: 45 } },
        { unplug: {} },
        { park: { minutes: 30 } },
      ],
      warmup: ac3Warmups(107),
      limitation:
        'After a wallbox stop the car keeps reporting CHARGINGACTIVE and its last power for 5–30 min (as BMW ' +
        'does) and sends no SOC, so nothing tells the engine that no energy flows: it integrates the last ' +
        'power until BMW reports the pause, about 1 point per 5 min of that lag at 11 kW, while the baseline ' +
        'stays right.',
    },
  ];
}

/** The sessions of one scenario: the warm-ups, then the measured one watched by a fresh engine as well. */
export function scenarioSessions(scenario: ChargingScenario, size: BenchSize): SessionPlan[] {
  const sessions: SessionPlan[] = [];
  for (let i = 0; i < size.warmups; i++) sessions.push({ steps: scenario.warmup(i) });
  sessions.push({ steps: scenario.measured, cold: true });
  return sessions;
}

/** The learning-convergence car: the same 3-phase wallbox every evening, arriving with a different SOC each time. */
export function convergenceSessions(size: BenchSize): SessionPlan[] {
  const soc = startSocs(200, size.quick ? 55 : 20, size.quick ? 65 : 50);
  const sessions: SessionPlan[] = [];
  for (let i = 0; i < size.convergenceSessions; i++) {
    sessions.push({ steps: fullCharge(soc(i), { type: 'AC3', currentA: 16, targetSoc: 80 }) });
  }
  return sessions;
}
