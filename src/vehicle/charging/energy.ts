/** Integrating charging power into energy (reference §2.6): trapezoids between readings, gaps capped. */
import { MAX_ENERGY_GAP_MS } from './constants';
import type { ChargingSession } from './state';

const MS_PER_HOUR = 3_600_000;

/**
 * Add the interval since the previous reading. Net energy is what passes the auxiliary load; a gap beyond the cap is
 * credited only up to the cap and flagged, and a clock that went backwards credits nothing and is flagged.
 */
export function accumulate(session: ChargingSession, kw: number, auxKw: number, at: number): void {
  // The reference drops the whole interval that ends in a zero reading (§12.1 #2), under-counting energy and so
  // inflating the learned efficiency; the power fell somewhere in between, so half a trapezoid is the fair share.
  if (session.lastEnergyAt !== null && (kw > 0 || session.lastPowerKw > 0)) {
    const gap = at - session.lastEnergyAt;
    if (gap < 0) {
      session.windowUncounted = true;
      session.energyUncounted = true;
    } else if (gap > 0) {
      if (gap > MAX_ENERGY_GAP_MS) {
        session.windowUncounted = true;
        session.energyUncounted = true;
      }
      const hours = Math.min(gap, MAX_ENERGY_GAP_MS) / MS_PER_HOUR;
      const average = (session.lastPowerKw + kw) / 2;
      const net = Math.max(average - auxKw, 0) * hours;
      session.energyKwh += net;
      session.sessionNetKwh += net;
      session.sessionGrossKwh += average * hours;
      const amps = session.lastCurrent;
      if (amps !== null && amps > 0 && session.method === 'AC') {
        const key = String(amps);
        session.energyByAmps[key] = (session.energyByAmps[key] ?? 0) + average * hours;
      }
    }
  }
  session.lastPowerKw = kw;
  session.lastAuxKw = auxKw;
  session.lastEnergyAt = at;
}

/** Integrate at the last power up to now, so a re-anchor does not lose the energy since the last reading. */
export function flush(session: ChargingSession, now: number): void {
  if (session.lastPowerKw > 0 && session.lastEnergyAt !== null) {
    accumulate(session, session.lastPowerKw, session.lastAuxKw, now);
  }
}

/** Net energy since the last reading at the last power, capped like the integrator; not added to the session. */
export function extrapolatedNetKwh(session: ChargingSession, now: number): number {
  if (session.lastPowerKw <= 0 || session.lastEnergyAt === null) return 0;
  const gap = now - session.lastEnergyAt;
  if (gap <= 0) return 0;
  return (Math.max(session.lastPowerKw - session.lastAuxKw, 0) * Math.min(gap, MAX_ENERGY_GAP_MS)) / MS_PER_HOUR;
}

/**
 * The session's net energy at `at` (car time, usually a BMW timestamp a few seconds before now): the integrated
 * total moved along the last power by the time between the last integration step and `at`, forward (capped like
 * the integrator) or back.
 */
export function sessionNetKwhAt(session: ChargingSession, at: number): number {
  if (session.lastEnergyAt === null) return session.sessionNetKwh;
  const netKw = Math.max(session.lastPowerKw - session.lastAuxKw, 0);
  const ms = Math.min(at - session.lastEnergyAt, MAX_ENERGY_GAP_MS);
  return Math.max(session.sessionNetKwh + (netKw * ms) / MS_PER_HOUR, 0);
}
