/** Feeding BMW's power readings into the session's integrator (reference §2.5, §2.7). */
import { acPowerKw, powerKw } from './ac-power';
import { AUX_POWER_KW } from './constants';
import { accumulate } from './energy';
import type { AcPowerDecision } from './power-selection';
import { numberOf, type ChargingSession, type StoredReading } from './state';

/** DC: every PWR is a reading, zero included. */
export function feedDcPower(session: ChargingSession, pwr: StoredReading, now: number): void {
  const value = numberOf(pwr);
  if (value === null) return;
  session.powerIsReported = true;
  accumulate(session, Math.max(powerKw(value, pwr.unit), 0), AUX_POWER_KW, now);
}

export function applyAcDecision(session: ChargingSession, decision: AcPowerDecision, now: number): void {
  switch (decision.kind) {
    case 'stopped':
      session.powerStopped = true;
      session.powerIsReported = false;
      accumulate(session, 0, AUX_POWER_KW, now);
      return;
    case 'computed':
      session.powerStopped = false;
      session.powerIsReported = false;
      session.lastVoltage = decision.volts;
      session.lastCurrent = decision.amps;
      if (decision.phases) {
        // Energy counted at the old count is filed under the wrong condition; remember how much (§3.3).
        if (decision.phases.count !== session.phases && session.sessionNetKwh > 0) {
          session.phasesChangedGrossKwh = session.sessionGrossKwh;
        }
        session.phases = decision.phases.count;
        session.phasesSource = decision.phases.source;
      }
      accumulate(session, decision.kw, AUX_POWER_KW, now);
      return;
    case 'reported':
      session.powerStopped = false;
      session.powerIsReported = true;
      if (decision.volts !== null) session.lastVoltage = decision.volts;
      if (decision.amps !== null) session.lastCurrent = decision.amps;
      accumulate(session, decision.kw, AUX_POWER_KW, now);
      return;
    case 'none':
      return;
  }
}

/**
 * BMW sends AC power in sparse bursts (minutes of data, then 50+ minutes of silence), so the heartbeat keeps
 * integrating: V×I again (the phase belief may have changed since), else the last power (BMW's PWR or the
 * SOC-derived one). DC is not replayed, as in the reference. A stopped charge replays zero, so a restart of the
 * charge is integrated from a recent point instead of across a long gap.
 */
export function replayPower(session: ChargingSession, now: number): void {
  if (session.method === 'DC') return;
  if (session.powerStopped) {
    accumulate(session, 0, session.lastAuxKw, now);
    return;
  }
  const computed = session.powerIsReported ? null : acPowerKw(session.lastVoltage, session.lastCurrent, session.phases);
  if (computed !== null) {
    accumulate(session, computed, session.lastAuxKw, now);
  } else if (session.lastPowerKw > 0) {
    accumulate(session, session.lastPowerKw, session.lastAuxKw, now);
  }
}
