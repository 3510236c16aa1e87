/** The charging SOC formula (reference §2.8) and the error bound we add to it. */
import { BMW_SOC_RESOLUTION, CROSSING_OFFSET, SOC_HYSTERESIS } from './constants';
import type { EfficiencyLookup } from './efficiency-matrix';
import { extrapolatedNetKwh } from './energy';
import { crossingSoc } from './session';

export { sessionCeiling } from './session';
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
 * The highest the session may show before BMW's next SOC: BMW streams its SOC while charging every `socStep` points,
 * so while the next value has not come the true SOC has not crossed it, and the model may go at most as far as the
 * crossing that value would anchor (crossingSoc). This stops the climb of a charge stopped from outside (BMW keeps
 * saying CHARGINGACTIVE for up to half an hour and sends no SOC) one step after BMW's last SOC. Null until the step
 * is known (two crossings in this charge); a BMW SOC above it still re-anchors.
 */
export function nextStepCap(session: ChargingSession): number | null {
  const last = session.lastCrossing;
  if (!last || session.socStep === null || !(session.socStep > 0)) return null;
  return crossingSoc(last.soc + session.socStep);
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
 * Our error bound, in SOC points: for the anchor, a point when it is a value BMW held (rounded or floored, the truth
 * is anywhere in [N − 0.5, N + 1)) and a quarter point when it is a step's crossing; plus the energy integrated since
 * that anchor times the uncertainty of the efficiency in use (the spread of its learned history, or a prior when
 * there are few or no samples). It grows while the charge runs without a BMW SOC and collapses at every re-anchor.
 * Power errors (a wrong phase count, an unreported aux load) are not in it: the re-anchor on BMW's SOC is what
 * corrects those.
 */
export function errorBound(session: ChargingSession, lookup: EfficiencyLookup, now: number): number {
  const anchor = session.anchoredOnCrossing ? CROSSING_OFFSET : BMW_SOC_RESOLUTION;
  if (session.capacityKwh <= 0) return anchor;
  return anchor + ((energySinceAnchorKwh(session, now) * lookup.uncertainty) / session.capacityKwh) * 100;
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
