/** Turning a finished session into an efficiency sample (reference §3.3, §3.4). */
import {
  AC_FINALISE_GRACE_MS,
  DC_FINALISE_GRACE_MS,
  LIVE_CROSSING_MS,
  MAX_MISATTRIBUTED_SHARE,
  MAX_VALID_EFFICIENCY,
  MIN_LEARNING_SOC_GAIN,
  MIN_VALID_EFFICIENCY,
  TARGET_SOC_TOLERANCE,
} from './constants';
import { DISP, HDR } from './descriptors';
import { sessionNetKwhAt } from './energy';
import type { LearningRejection } from './events';
import {
  numberOf,
  readingTime,
  type ChargingSession,
  type DescriptorStore,
  type Method,
  type PendingSession,
  type SocMark,
} from './state';

export type Measurement =
  { ok: true; efficiency: number } | { ok: false; reason: LearningRejection; efficiency: number | null };

/** η = energy stored (SOC gain × capacity) / net energy delivered; rejected when too coarse or implausible. */
export function measureEfficiency(
  startSoc: number,
  endSoc: number,
  energyKwh: number,
  capacityKwh: number,
): Measurement {
  const gain = endSoc - startSoc;
  if (gain < MIN_LEARNING_SOC_GAIN) return { ok: false, reason: 'soc_gain_too_small', efficiency: null };
  if (!(energyKwh > 0)) return { ok: false, reason: 'no_energy', efficiency: null };
  const efficiency = ((gain / 100) * capacityKwh) / energyKwh;
  if (efficiency < MIN_VALID_EFFICIENCY || efficiency > MAX_VALID_EFFICIENCY) {
    return { ok: false, reason: 'efficiency_out_of_range', efficiency };
  }
  return { ok: true, efficiency };
}

/** More than 5 % of the energy counted before a phase-count change means the sample is filed under the wrong count. */
export function phaseChangeDisqualifies(session: ChargingSession): boolean {
  const changedAt = session.phasesChangedGrossKwh;
  if (changedAt === null) return false;
  if (session.sessionGrossKwh <= 0) return true;
  return changedAt / session.sessionGrossKwh > MAX_MISATTRIBUTED_SHARE;
}

/** Session energy for learning: the session total, or the count since the anchor when the total was never kept. */
export function sessionEnergyKwh(session: ChargingSession): number {
  return session.sessionNetKwh > 0 ? session.sessionNetKwh : session.energyKwh;
}

/** How long after the end BMW's SOC still describes the end of the charge (DC tapers off faster). */
export function finaliseGraceMs(method: Method): number {
  return method === 'DC' ? DC_FINALISE_GRACE_MS : AC_FINALISE_GRACE_MS;
}

export type PendingVerdict = 'wait' | 'learn' | 'expired';

/**
 * A BMW SOC measured at `at` against a pending session. The reference uses the arrival time, so an old SOC
 * re-delivered by an API poll finalised a session (§12.2 #15); the measurement time decides here. A SOC measured
 * before the end is not the end SOC and leaves the pending session waiting.
 */
export function pendingVerdict(pending: PendingSession, at: number): PendingVerdict {
  if (at < pending.endedAt) return 'wait';
  return at - pending.endedAt > finaliseGraceMs(pending.method) ? 'expired' : 'learn';
}

/** A BMW SOC (header first) measured at or after the end and within the grace period: the SOC the charge ended at. */
function bmwSocAfterEnd(store: DescriptorStore, endedAt: number, method: Method): number | null {
  for (const descriptor of [HDR, DISP]) {
    const reading = store[descriptor];
    const value = numberOf(reading);
    if (!reading || value === null) continue;
    const at = readingTime(reading);
    if (at >= endedAt && at - endedAt <= finaliseGraceMs(method)) return value;
  }
  return null;
}

/**
 * A live BMW SOC during the charge (header or displayed, measured at `at`). BMW's SOC is a whole percent, so the
 * moment its value steps up to N is the moment the true SOC crossed N's boundary — wherever that boundary lies (N −
 * 0.5 if BMW rounds, N if it floors, which is not known): the boundary is the same for every N, so two crossings are
 * exactly their difference in points apart. Each step is remembered with the net energy at BMW's timestamp. A step
 * down (a PHEV drawing on its battery) starts the count again; a value that arrives long after it was measured (an
 * API poll) moves the baseline but does not mark when the boundary was crossed.
 */
export function noteBmwSoc(session: ChargingSession, soc: number, at: number, now: number): SocMark | null {
  const seen = session.bmwSocSeen;
  session.bmwSocSeen = soc;
  if (seen === null || soc === seen) return null;
  if (soc < seen) {
    session.firstCrossing = null;
    session.lastCrossing = null;
    session.rateMark = null;
    session.socStep = null;
    return null;
  }
  if (now - at > LIVE_CROSSING_MS || at <= session.startedAt) return null;
  const mark = { soc, at, netKwh: sessionNetKwhAt(session, at) };
  const previous = session.lastCrossing;
  if (previous) session.socStep = Math.min(session.socStep ?? Infinity, soc - previous.soc);
  session.firstCrossing ??= mark;
  session.lastCrossing = mark;
  return mark;
}

/** Start and end SOC and the energy between the first and the last crossing, when they are far enough apart. */
function betweenCrossings(session: ChargingSession): { startSoc: number; endSoc: number; energyKwh: number } | null {
  const first = session.firstCrossing;
  const last = session.lastCrossing;
  if (!first || !last || last.soc - first.soc < MIN_LEARNING_SOC_GAIN) return null;
  return { startSoc: first.soc, endSoc: last.soc, energyKwh: last.netKwh - first.netKwh };
}

export type EndOfCharge =
  | { kind: 'reject'; reason: LearningRejection }
  | { kind: 'learn'; startSoc: number; endSoc: number; energyKwh: number }
  | { kind: 'pending'; pending: PendingSession };

/**
 * What an ended session can teach (§3.3): a sample now when a real BMW SOC for its end is known, else a pending
 * session that BMW's next SOC finishes. The reference falls back on the prediction itself when there is no header,
 * so a car with only the displayed SOC learned from its own capped value (§12.2 #14); only BMW's measurements count
 * here. A session whose energy is incomplete (a long gap or restart, §12.2 #16) or was mostly counted at a phase
 * count that later changed teaches nothing.
 */
export function endOfCharge(
  session: ChargingSession,
  store: DescriptorStore,
  endedAt: number,
  condition: string,
): EndOfCharge {
  if (session.energyUncounted) return { kind: 'reject', reason: 'energy_uncounted' };
  if (session.energyFromSoc) return { kind: 'reject', reason: 'energy_from_soc' };
  if (phaseChangeDisqualifies(session)) return { kind: 'reject', reason: 'phase_count_changed' };
  // Two crossings observed live carry no quantisation offset; the SOCs at the start and the end each carry one.
  const crossings = betweenCrossings(session);
  if (crossings) return { kind: 'learn', ...crossings };
  const startSoc = session.sessionStartSoc;
  const energyKwh = sessionEnergyKwh(session);
  const after = bmwSocAfterEnd(store, endedAt, session.method);
  if (after !== null) return { kind: 'learn', startSoc, endSoc: after, energyKwh };
  const mark = session.socMark;
  const target = session.targetSoc;
  if (mark && target !== null && Math.abs(mark.soc - target) <= TARGET_SOC_TOLERANCE) {
    // The car stopped at its target and BMW measured the SOC near it during the charge. The sample pairs that SOC
    // with the energy integrated when it was measured, so it does not matter how long before the end it came.
    return { kind: 'learn', startSoc, endSoc: mark.soc, energyKwh: mark.netKwh };
  }
  return {
    kind: 'pending',
    pending: { endedAt, startSoc, energyKwh, method: session.method, capacityKwh: session.capacityKwh, condition },
  };
}

/**
 * The charge's last value. When BMW measured a SOC during the charge that the model had overtaken (a BEV's display
 * only rises), BMW's value plus the energy since is the better estimate. The reference keeps showing the model's value
 * (a capped 80 % while BMW says 78 %) until BMW's next SOC, and a charge starting before then anchors on it
 * (§12.1 #5, #6).
 */
export function settledSoc(session: ChargingSession, efficiency: number): number {
  const mark = session.socMark;
  if (!mark || session.capacityKwh <= 0) return session.displaySoc;
  const settled = mark.soc + (((session.sessionNetKwh - mark.netKwh) * efficiency) / session.capacityKwh) * 100;
  return Math.min(settled, session.displaySoc);
}
