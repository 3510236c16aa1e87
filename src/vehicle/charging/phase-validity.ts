/**
 * Does the stored phase count belong to this charge (reference §2.5.2 step 1)? BMW resets PH to `1-PHASES` at every
 * charge end and re-stamps the port at every start, so a count is trusted only when it is as new as the charge.
 */
import { isChargingStatus, isPluggedValue, parsePhases } from './charge-status';
import { PHASE_COUNT_LEAD_MS } from './constants';
import { PH, PLUG, PLUGEV, PORT, STAT } from './descriptors';
import type { DescriptorStore } from './state';

export interface PhaseCountForCharge {
  /** A count reported for this charge, or null. */
  valid: number | null;
  /** A count > 1 from before this charge: a good opening guess, not a fact. */
  carried: number | null;
}

/** When the cable went in: the port's timestamp if it says plugged, else the plug flag's, else the plug event's. */
export function plugInMoment(store: DescriptorStore): number | null {
  const port = store[PORT];
  if (port && isPluggedValue(port.value) && port.measuredAt !== null) return port.measuredAt;
  const plug = store[PLUG];
  if (plug && isPluggedValue(plug.value) && plug.measuredAt !== null) return plug.measuredAt;
  return store[PLUGEV]?.measuredAt ?? null;
}

/** The moment a reading must be newer than to belong to this charge: an active STAT's timestamp, else the plug-in. */
export function chargeReference(store: DescriptorStore): number | null {
  const stat = store[STAT];
  if (stat && isChargingStatus(stat.value) && stat.measuredAt !== null) return stat.measuredAt;
  return plugInMoment(store);
}

export function phaseCountForCharge(store: DescriptorStore): PhaseCountForCharge {
  const reading = store[PH];
  const count = reading ? parsePhases(reading.value) : null;
  if (reading === undefined || count === null) return { valid: null, carried: null };
  const reference = chargeReference(store);
  const at = reading.measuredAt;
  // Without a timestamp on either side there is nothing to compare: give the count the benefit of the doubt.
  if (reference === null || at === null || at >= reference) return { valid: count, carried: null };
  // A count of 1 gets no lead: it is what BMW writes at every charge end.
  if (count > 1 && at >= reference - PHASE_COUNT_LEAD_MS) return { valid: count, carried: null };
  return { valid: null, carried: count > 1 ? count : null };
}

/** PWR belongs to this plug-in when measured after it (or when either time is unknown). */
export function belongsToPlugIn(store: DescriptorStore, measuredAt: number | null): boolean {
  const plugIn = plugInMoment(store);
  return plugIn === null || measuredAt === null || measuredAt >= plugIn;
}
