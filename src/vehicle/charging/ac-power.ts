/** Charging power from BMW's readings (reference §2.5.1, §2.5.3). */
import { LINE_TO_LINE_VOLTS, MAX_PLAUSIBLE_KW, SQRT3 } from './constants';

/**
 * Below 250 V BMW reports the phase voltage, so power is V·I per phase times the phase count (capped at 3); at or
 * above it the reading is line-to-line and three-phase power is V·I·√3. One phase is V·I either way.
 */
export function phaseMultiplier(phases: number | null, volts: number): number {
  if (phases === null || phases <= 1) return 1;
  if (volts >= LINE_TO_LINE_VOLTS) return SQRT3;
  return Math.min(phases, 3);
}

/** kW from AC voltage, current and phases; null when either reading is missing, zero or negative. */
export function acPowerKw(volts: number | null, amps: number | null, phases: number | null): number | null {
  if (volts === null || amps === null || !(volts > 0) || !(amps > 0)) return null;
  return ((volts * amps) / 1000) * phaseMultiplier(phases, volts);
}

/**
 * PWR → kW. `W` is divided by 1000 and `kW` kept; without a unit BMW's catalogue says W, but the integration has seen
 * kW too, so a bare number above any car's charging power is watts and anything else kilowatts.
 */
export function powerKw(value: number, unit: string | null): number {
  const normalised = unit?.trim().toLowerCase() ?? '';
  if (normalised === 'w') return value / 1000;
  if (normalised === 'kw') return value;
  return value > MAX_PLAUSIBLE_KW ? value / 1000 : value;
}
