/** Feeding BMW's power readings into the session's integrator (reference §2.5, §2.7). */
import { acPowerKw, powerKw } from './ac-power';
import { AUX_POWER_KW, DC_STEP_POWER_MIN_MS } from './constants';
import { accumulate, flush } from './energy';
import type { AcPowerDecision } from './power-selection';
import { numberOf, readingTime, type ChargingSession, type SocMark, type StoredReading } from './state';

/** DC: every PWR is a reading, zero included. */
export function feedDcPower(session: ChargingSession, pwr: StoredReading, now: number): void {
  const value = numberOf(pwr);
  if (value === null) return;
  session.powerIsReported = true;
  session.powerFromSoc = false;
  session.lastDcPowerAt = Math.max(session.lastDcPowerAt ?? readingTime(pwr), readingTime(pwr));
  accumulate(session, Math.max(powerKw(value, pwr.unit), 0), AUX_POWER_KW, now);
}

/**
 * DC between BMW's sparse power bursts (a 2–3 min burst, then 50–60 min of silence): the reference holds the last
 * reading for at most 10 minutes, then waits for BMW's next SOC, while the car tapers. Here, once two SOC crossings
 * at least 2 minutes apart both came after the last power reading, the power they imply at the efficiency in use
 * replaces it (the heartbeat replays it) until BMW sends power again. Each window starts at the previous one's end,
 * so the power follows the taper. Energy counted this way is SOC at the efficiency in use: it cannot teach an
 * efficiency, so the session does not learn (`energy_from_soc`).
 */
export function dcPowerFromSteps(session: ChargingSession, crossing: SocMark, efficiency: number, now: number): void {
  const from = session.rateMark;
  const lastReading = session.lastDcPowerAt;
  if (!from || (lastReading !== null && from.at < lastReading)) {
    session.rateMark = crossing;
    return;
  }
  const spanMs = crossing.at - from.at;
  if (spanMs < DC_STEP_POWER_MIN_MS || session.capacityKwh <= 0 || !(efficiency > 0)) return;
  session.rateMark = crossing;
  const storedKwh = ((crossing.soc - from.soc) / 100) * session.capacityKwh;
  const netKw = storedKwh / ((spanMs / 3_600_000) * efficiency);
  flush(session, now);
  session.lastPowerKw = netKw + AUX_POWER_KW;
  session.lastAuxKw = AUX_POWER_KW;
  session.lastEnergyAt = now;
  session.powerIsReported = false;
  session.powerFromSoc = true;
  session.energyFromSoc = true;
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
 * SOC-derived one). DC is not replayed, as in the reference, unless its power comes from BMW's SOC steps. A stopped charge replays zero, so a restart of the
 * charge is integrated from a recent point instead of across a long gap.
 */
export function replayPower(session: ChargingSession, now: number): void {
  if (session.method === 'DC') {
    if (session.powerFromSoc && session.lastPowerKw > 0) {
      accumulate(session, session.lastPowerKw, session.lastAuxKw, now);
    }
    return;
  }
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
