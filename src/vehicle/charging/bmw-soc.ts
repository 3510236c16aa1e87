/** BMW's SOC against the prediction: which one is current (reference §2.9.1) and how it moves the prediction (§2.9.3). */
import { FRESHNESS_TOLERANCE_MS, SOC_HYSTERESIS } from './constants';
import { DISP, HDR, LVL } from './descriptors';
import { crossingSoc, reanchor } from './session';
import { numberOf, readingTime, type ChargingSession, type ChargingState, type StoredReading } from './state';

/**
 * BMW SOCs measured before the charge started are stale. The reference compares the car's timestamp with our
 * anchoring time (§12.1 #4), so a header measured just before the STAT message was processed counted as stale and a
 * car whose clock runs ahead was always fresh; the charge start as the car stamped it is compared here, with 10 s
 * for one upload burst.
 */
export function isFreshForSession(reading: StoredReading, session: ChargingSession): boolean {
  return readingTime(reading) >= session.startedAt - FRESHNESS_TOLERANCE_MS;
}

/** While charging: BMW's level, header or displayed SOC measured during the charge; otherwise header, else displayed. */
export function resolvedBmwSoc(state: ChargingState): number | null {
  const store = state.descriptors;
  const session = state.session;
  if (state.charging && session) {
    for (const descriptor of [LVL, HDR, DISP]) {
      const reading = store[descriptor];
      const value = numberOf(reading);
      if (reading && value !== null && isFreshForSession(reading, session)) return value;
    }
    return null;
  }
  return numberOf(store[HDR]) ?? numberOf(store[DISP]);
}

/**
 * BMW's current SOC as a floor for the session: a value that stepped up live during the charge stands for its
 * crossing (N − 0.25, see crossingSoc), so repeats of it do not lift the prediction back onto BMW's rounding.
 */
export function sessionSocFloor(session: ChargingSession, soc: number): number {
  return session.lastCrossing?.soc === soc ? crossingSoc(soc) : soc;
}

/** BMW's most recent measured SOC (header or displayed), for the prediction's attributes. */
export function latestBmwSoc(state: ChargingState): StoredReading | null {
  const candidates = [state.descriptors[HDR], state.descriptors[DISP]].filter(
    (r): r is StoredReading => r !== undefined && numberOf(r) !== null,
  );
  if (candidates.length === 0) return null;
  return candidates.reduce((a, b) => (readingTime(b) > readingTime(a) ? b : a));
}

function syncUp(state: ChargingState, soc: number, now: number): void {
  state.lastPredicted = soc;
  if (state.session) reanchor(state.session, soc, now, true);
}

/**
 * A BMW SOC moves the prediction: while charging only up for a BEV (BMW lags, the energy count does not), also down
 * for a PHEV on AC (its engine may draw on the battery while it charges); when not charging it replaces the value
 * unless within half a point, which keeps a prediction's decimals (56.04 while BMW says 56).
 */
export function applyBmwSoc(state: ChargingState, soc: number, fromLevel: boolean, phev: boolean, now: number): void {
  const previous = state.lastPredicted;
  const session = state.session;
  const charging = state.charging;
  const method = session?.method ?? state.method;
  if (phev && previous !== null && method !== 'DC') {
    if (soc < previous) {
      // BMW's level is its own forecast; it never pulls a PHEV down while charging.
      if (charging && fromLevel) return;
      state.lastPredicted = soc;
      if (session && charging) reanchor(session, soc, now, true);
    } else if (!charging) {
      state.lastPredicted = soc;
    } else if (soc > previous && !fromLevel) {
      syncUp(state, soc, now);
    }
  } else if (charging) {
    if (previous === null || soc > previous) syncUp(state, soc, now);
  } else if (previous === null || Math.abs(previous - soc) >= SOC_HYSTERESIS) {
    state.lastPredicted = soc;
  }
}
