/**
 * Which AC power figure to use now (reference §2.5.2), from the stored readings and the session's phase belief.
 * Decides only; the engine applies the decision to the session.
 */
import { acPowerKw, powerKw } from './ac-power';
import { AMP, PWR, VOLT } from './descriptors';
import { belongsToPlugIn, phaseCountForCharge } from './phase-validity';
import { numberOf, readingTime, type DescriptorStore, type PhasesSource, type StoredReading } from './state';

export interface SessionPhaseBelief {
  phases: number;
  phasesSource: PhasesSource;
  /** Net energy integrated so far; a carried count is adopted only before any. */
  sessionNetKwh: number;
}

export type AcPowerDecision =
  /** BMW reported zero current or power for this plug-in, newer than any live reading: the charge has stopped. */
  | { kind: 'stopped' }
  /** V×I×multiplier; `phases` set when the count comes from BMW (reported) or from the last charge (carried). */
  | {
      kind: 'computed';
      kw: number;
      volts: number;
      amps: number;
      phases: { count: number; source: 'reported' | 'carried' } | null;
    }
  /** BMW's own power; V and I are still recorded because they key the efficiency matrix. */
  | { kind: 'reported'; kw: number; volts: number | null; amps: number | null }
  | { kind: 'none' };

function positive(value: number | null): number | null {
  return value !== null && value > 0 ? value : null;
}

function zeroForPlugIn(store: DescriptorStore, reading: StoredReading | undefined): number | null {
  if (reading === undefined || numberOf(reading) !== 0) return null;
  return belongsToPlugIn(store, reading.measuredAt) ? readingTime(reading) : null;
}

function latest(...times: (number | null)[]): number | null {
  const known = times.filter((t): t is number => t !== null);
  return known.length === 0 ? null : Math.max(...known);
}

export function chooseAcPower(store: DescriptorStore, belief: SessionPhaseBelief): AcPowerDecision {
  const voltReading = store[VOLT];
  const ampReading = store[AMP];
  const pwrReading = store[PWR];
  const volts = positive(numberOf(voltReading));
  const amps = positive(numberOf(ampReading));
  const pwrValue = numberOf(pwrReading);
  const pwrKw = pwrReading && pwrValue !== null ? powerKw(pwrValue, pwrReading.unit) : null;
  const pwrForPlugIn = pwrReading !== undefined && belongsToPlugIn(store, pwrReading.measuredAt);

  // The reference ignores a zero V, I or PWR on AC, so the heartbeat kept replaying the last V×I after a wallbox
  // stopped (§12.1 #1). A zero for this plug-in that is newer than every live reading stops the charge instead;
  // on a tie the live reading wins, since BMW can report PWR 0 alongside a live V×I at the start of a charge.
  const zeroAt = latest(
    zeroForPlugIn(store, voltReading),
    zeroForPlugIn(store, ampReading),
    zeroForPlugIn(store, pwrReading),
  );
  const liveAt = latest(
    volts !== null && amps !== null && voltReading && ampReading
      ? Math.max(readingTime(voltReading), readingTime(ampReading))
      : null,
    pwrReading && pwrForPlugIn && pwrKw !== null && pwrKw > 0 ? readingTime(pwrReading) : null,
  );
  if (zeroAt !== null && (liveAt === null || zeroAt > liveAt)) return { kind: 'stopped' };

  const count = phaseCountForCharge(store);
  if (volts !== null && amps !== null && count.valid !== null) {
    return {
      kind: 'computed',
      kw: acPowerKw(volts, amps, count.valid) ?? 0,
      volts,
      amps,
      phases: { count: count.valid, source: 'reported' },
    };
  }
  if (pwrForPlugIn && pwrKw !== null && pwrKw > 0) {
    return { kind: 'reported', kw: pwrKw, volts, amps };
  }
  if (volts !== null && amps !== null) {
    const adoptCarried =
      count.carried !== null && belief.phasesSource === 'assumed' && belief.phases <= 1 && belief.sessionNetKwh === 0;
    const phases = adoptCarried && count.carried !== null ? count.carried : belief.phases;
    return {
      kind: 'computed',
      kw: acPowerKw(volts, amps, phases) ?? 0,
      volts,
      amps,
      phases: adoptCarried ? { count: phases, source: 'carried' } : null,
    };
  }
  return { kind: 'none' };
}
