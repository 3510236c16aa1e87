/**
 * The odometer sanity filter (reference/algorithms.md §6.4): BMW occasionally sends an odometer that is wrong by
 * thousands (a unit mix-up, a glitch). A reading is accepted when it is plausible next to the stored one, or once a
 * second reading corroborates it; everything downstream (motion, trips) sees only accepted readings.
 */
import { KM_PER_MILE, ODOMETER_CORROBORATION, ODOMETER_MAX_DROP, ODOMETER_MAX_RISE } from './constants';

export type DistanceUnit = 'km' | 'mi';

export interface OdometerState {
  value: number | null;
  /** The stored value's unit; null while BMW never said (then km is assumed). */
  unit: DistanceUnit | null;
  /** A reading held back until a second one within 1.0 confirms it. */
  pending: { value: number; unit: DistanceUnit | null } | null;
}

export function emptyOdometer(): OdometerState {
  return { value: null, unit: null, pending: null };
}

export function toKm(value: number, unit: DistanceUnit | null): number {
  return unit === 'mi' ? value * KM_PER_MILE : value;
}

function convert(value: number, from: DistanceUnit, to: DistanceUnit): number {
  if (from === to) return value;
  return from === 'mi' ? value * KM_PER_MILE : value / KM_PER_MILE;
}

function plausible(delta: number): boolean {
  return delta >= -ODOMETER_MAX_DROP && delta <= ODOMETER_MAX_RISE;
}

function store(state: OdometerState, value: number, unit: DistanceUnit | null): number {
  state.value = value;
  state.unit = unit;
  state.pending = null;
  return toKm(value, unit);
}

/**
 * One odometer reading (`unit` as normalised: `km`, `mi` or null). Returns the accepted reading in km, or null when
 * it is held back. A missing unit inherits the stored one (§0.4).
 */
export function acceptOdometer(state: OdometerState, value: number, unit: string | null): number | null {
  if (!Number.isFinite(value)) return null;
  const given: DistanceUnit | null = unit === 'km' || unit === 'mi' ? unit : null;
  if (state.value === null) return store(state, value, given);
  const storedUnit = state.unit;
  const compared = given && storedUnit ? convert(value, given, storedUnit) : value;
  if (plausible(compared - state.value)) return store(state, value, given ?? storedUnit);
  if (!given && storedUnit) {
    // A bare number that fits once read in the other unit is the car's display unit changing.
    const other: DistanceUnit = storedUnit === 'km' ? 'mi' : 'km';
    if (plausible(convert(value, other, storedUnit) - state.value)) return store(state, value, other);
  }
  const pending = state.pending;
  if (pending && pending.unit === given && Math.abs(pending.value - value) <= ODOMETER_CORROBORATION) {
    return store(state, value, given ?? storedUnit);
  }
  state.pending = { value, unit: given };
  return null;
}
