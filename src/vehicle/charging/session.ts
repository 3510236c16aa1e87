/** A charging session's life: anchoring on a SOC, re-anchoring on a newer BMW SOC, power derived from SOC rises. */
import {
  CAPACITY_TRUST_TOLERANCE,
  CROSSING_OFFSET,
  DEFAULT_AC_EFFICIENCY,
  DEFAULT_DC_EFFICIENCY,
  DERIVED_POWER_MIN_MS,
} from './constants';
import { flush } from './energy';
import type { ChargingSession, Method, SocMark } from './state';

export interface SessionStart {
  soc: number;
  capacityKwh: number;
  /** BMW's own capacity (MAXE, else BSM); a manual capacity far from it cannot be trusted for phase inference. */
  reportedCapacityKwh: number | null;
  method: Method;
  targetSoc: number | null;
  startedAt: number;
  now: number;
  /** BMW's latest SOC (header, else displayed) when the session starts; null when BMW never sent one. */
  bmwSoc: number | null;
}

export function capacityTrusted(capacityKwh: number, reportedKwh: number | null): boolean {
  if (reportedKwh === null || reportedKwh <= 0) return true;
  return Math.abs(capacityKwh - reportedKwh) / reportedKwh <= CAPACITY_TRUST_TOLERANCE;
}

export function createSession(start: SessionStart): ChargingSession {
  return {
    anchorSoc: start.soc,
    anchorAt: start.now,
    startedAt: start.startedAt,
    capacityKwh: start.capacityKwh,
    capacityTrusted: capacityTrusted(start.capacityKwh, start.reportedCapacityKwh),
    displaySoc: start.soc,
    method: start.method,
    targetSoc: start.targetSoc,
    energyKwh: 0,
    sessionStartSoc: start.soc,
    sessionNetKwh: 0,
    sessionGrossKwh: 0,
    lastPowerKw: 0,
    lastAuxKw: 0,
    lastEnergyAt: null,
    lastVoltage: null,
    lastCurrent: null,
    phases: 1,
    phasesSource: 'assumed',
    powerIsReported: false,
    powerStopped: false,
    probe: null,
    votes: 0,
    phasesChangedGrossKwh: null,
    localPowerSeen: false,
    windowUncounted: false,
    energyUncounted: false,
    restored: false,
    socMark: null,
    bmwSocSeen: start.bmwSoc,
    firstCrossing: null,
    lastCrossing: null,
    socStep: null,
    anchoredOnCrossing: false,
    energyByAmps: {},
    lastDcPowerAt: null,
    rateMark: null,
    powerFromSoc: false,
    energyFromSoc: false,
  };
}

/**
 * Cars without power telemetry (reference §2.5.4): when BMW's SOC rises over at least 5 minutes, the power that rise
 * implies at the default efficiency keeps the prediction moving until the next SOC. Never when BMW told us the
 * charge stopped: a late SOC must not restart a stopped charge.
 */
function derivePower(session: ChargingSession, soc: number, now: number): void {
  if (session.lastPowerKw > 0 || session.powerStopped) return;
  if (!(soc > session.anchorSoc) || session.capacityKwh <= 0) return;
  const elapsed = now - (session.lastEnergyAt ?? session.anchorAt);
  if (elapsed < DERIVED_POWER_MIN_MS) return;
  const efficiency = session.method === 'DC' ? DEFAULT_DC_EFFICIENCY : DEFAULT_AC_EFFICIENCY;
  const storedKwh = ((soc - session.anchorSoc) / 100) * session.capacityKwh;
  session.lastPowerKw = storedKwh / ((elapsed / 3_600_000) * efficiency);
}

/** Move the anchor to a live BMW SOC: energy so far is flushed, the count since the anchor starts again. */
export function reanchor(session: ChargingSession, soc: number, now: number, derive: boolean): void {
  flush(session, now);
  if (derive) derivePower(session, soc, now);
  session.anchorSoc = soc;
  session.displaySoc = soc;
  session.energyKwh = 0;
  session.lastEnergyAt = now;
  session.anchoredOnCrossing = false;
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

/** Where the true SOC was when BMW's value stepped up to `soc`, a quarter point from both rounding and flooring. */
export function crossingSoc(soc: number): number {
  return soc - CROSSING_OFFSET;
}

/**
 * A live step of BMW's SOC pins the true SOC at BMW's timestamp to within a quarter point, closer than anything the
 * session knew before (its start SOC was a value held for who knows how long, and energy drifts): the anchor moves to
 * the crossing plus the energy integrated since its timestamp, down as well as up. The display still never decreases
 * during a charge, except with `mayLower` (a PHEV on AC, whose engine may draw on the battery); it holds until the
 * model catches up. The reference re-anchors on the value itself, and only upwards, which keeps BMW's rounding (up to
 * half a point ahead of the truth) for the rest of the charge.
 */
export function anchorOnCrossing(
  session: ChargingSession,
  crossing: SocMark,
  efficiency: number,
  now: number,
  mayLower: boolean,
): void {
  flush(session, now);
  const points = (kwh: number) => (session.capacityKwh > 0 ? ((kwh * efficiency) / session.capacityKwh) * 100 : 0);
  // What the model shows now, before the move: the display holds there, not at whenever it was last evaluated, so
  // what is sent after the step does not depend on when someone asked (DESIGN.md §6, eval).
  const modelNow = Math.min(session.anchorSoc + points(session.energyKwh), sessionCeiling(session));
  const estimate = crossingSoc(crossing.soc) + points(Math.max(session.sessionNetKwh - crossing.netKwh, 0));
  derivePower(session, estimate, now);
  session.anchorSoc = estimate;
  session.displaySoc = mayLower ? estimate : Math.max(session.displaySoc, modelNow, estimate);
  session.energyKwh = 0;
  session.lastEnergyAt = now;
  session.anchoredOnCrossing = true;
}
