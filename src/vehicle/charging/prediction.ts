/** The charging SOC formula (reference §2.8) and the error bound we add to it. */
import { BMW_SOC_RESOLUTION, SOC_HYSTERESIS } from './constants';
import type { EfficiencyLookup } from './efficiency-matrix';
import { extrapolatedNetKwh } from './energy';
import type { ChargingSession, Method, PhasesSource } from './state';

export interface Prediction {
  at: number;
  /** Unrounded SOC (%); display it rounded to one decimal. */
  soc: number;
  charging: boolean;
  /** Where the value comes from: the charging model, or BMW's SOC passed through (not charging, no session yet). */
  source: 'predicted' | 'bmw';
  /** Power the prediction uses now (kW, before the auxiliary load); null when not charging. */
  powerKw: number | null;
  /** Net energy into the battery side this session (kWh), up to now; null when not charging. */
  sessionEnergyKwh: number | null;
  efficiency: number | null;
  /** Efficiency-matrix key in use (`3_250_16`, `0_410_0`); null when not charging. */
  condition: string | null;
  /** Sessions the efficiency in use was learned from; 0 for the default. */
  samples: number;
  method: Method | null;
  phases: number | null;
  phasesSource: PhasesSource | null;
  targetSoc: number | null;
  /** BMW's latest SOC (header, else displayed) and how old it is; null when BMW never sent one. */
  bmwSoc: number | null;
  secondsSinceBmwSoc: number | null;
  /** ± SOC points the value may be off; see errorBound(). */
  errorBound: number;
}

/**
 * The highest the session may show: the target (100 without one), but never below what it already showed. The
 * reference clamps to the target even when it is below the start SOC (§12.1 #7), pulling the prediction under its
 * own anchor; and a target lowered mid-charge must stop the climb, not undo it — the car stops charging, it does
 * not discharge.
 */
export function sessionCeiling(session: ChargingSession): number {
  const target = session.targetSoc ?? 100;
  return Math.min(Math.max(target, session.displaySoc), 100);
}

/** Net energy since the anchor up to now, the integrated part plus the extrapolation at the last power. */
export function energySinceAnchorKwh(session: ChargingSession, now: number): number {
  return session.energyKwh + extrapolatedNetKwh(session, now);
}

/** anchor + energy·η / capacity, before the ratchet and the ceiling. */
export function modelSoc(session: ChargingSession, efficiency: number, now: number): number {
  return session.anchorSoc + ((energySinceAnchorKwh(session, now) * efficiency) / session.capacityKwh) * 100;
}

/**
 * Our error bound, in SOC points: half a point because every anchor is BMW's whole-percent SOC, plus the energy
 * integrated since that anchor times the uncertainty of the efficiency in use (the spread of its learned history,
 * or a prior when there are few or no samples). It grows while the charge runs without a BMW SOC and collapses to
 * 0.5 at every re-anchor. Power errors (a wrong phase count, an unreported aux load) are not in it: the
 * upward re-anchor on BMW's SOC is what corrects those.
 */
export function errorBound(session: ChargingSession, lookup: EfficiencyLookup, now: number): number {
  if (session.capacityKwh <= 0) return BMW_SOC_RESOLUTION;
  return BMW_SOC_RESOLUTION + ((energySinceAnchorKwh(session, now) * lookup.uncertainty) / session.capacityKwh) * 100;
}

/** BMW's latest SOC and its age, attributes of every prediction. */
export interface BmwSocAttributes {
  bmwSoc: number | null;
  secondsSinceBmwSoc: number | null;
}

export function chargingPrediction(
  session: ChargingSession,
  lookup: EfficiencyLookup,
  bmw: BmwSocAttributes,
  now: number,
): Prediction {
  const dc = session.method === 'DC';
  return {
    at: now,
    soc: session.displaySoc,
    charging: true,
    source: 'predicted',
    powerKw: session.powerStopped ? 0 : session.lastPowerKw,
    sessionEnergyKwh: session.sessionNetKwh + extrapolatedNetKwh(session, now),
    efficiency: lookup.efficiency,
    condition: lookup.condition,
    samples: lookup.samples,
    method: session.method,
    phases: dc ? null : session.phases,
    phasesSource: dc ? null : session.phasesSource,
    targetSoc: session.targetSoc,
    ...bmw,
    errorBound: errorBound(session, lookup, now),
  };
}

/** Not charging, or charging before a session could be anchored: a value with no model behind it. */
export function passthroughPrediction(
  soc: number,
  charging: boolean,
  method: Method | null,
  targetSoc: number | null,
  bmw: BmwSocAttributes,
  now: number,
): Prediction {
  const agrees = bmw.bmwSoc !== null && Math.abs(bmw.bmwSoc - soc) < SOC_HYSTERESIS;
  return {
    at: now,
    soc,
    charging,
    source: agrees ? 'bmw' : 'predicted',
    powerKw: null,
    sessionEnergyKwh: null,
    efficiency: null,
    condition: null,
    samples: 0,
    method,
    phases: null,
    phasesSource: null,
    targetSoc,
    ...bmw,
    errorBound: BMW_SOC_RESOLUTION,
  };
}
