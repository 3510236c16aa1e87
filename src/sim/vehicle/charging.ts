/**
 * Charging physics: what the grid delivers, what the car's own consumers take, and how much reaches the cells.
 *
 *   battery gain = (grid power − aux power) × η
 *
 * True efficiency η (documented in docs/scenarios.md, "Physics"):
 *   AC: η = 0.955 − 0.32 kW / P_net − cold(T) − hot(T)
 *       The on-board charger loses ~4.5 % proportionally plus a fixed ~0.32 kW of electronics and control
 *       losses, which is why 1-phase charging is worse (3.7 kW → ≈0.86) than 3-phase (11 kW → ≈0.925).
 *   DC: η = 0.965 − 0.00015 × P_net − cold(T) − hot(T)
 *       No on-board charger; the loss is I²R in cables and cells and grows with power (150 kW → ≈0.94).
 *   cold(T) = 0.004 × max(0, 20 − T), hot(T) = 0.002 × max(0, T − 40), T = battery temperature in °C;
 *   clamped to [0.5, 0.98]. P_net = grid − aux in kW.
 */
import type { VehicleProfile } from './profiles';

export type PlugType = 'AC1' | 'AC3' | 'DC';
export type ChargeKind = 'AC' | 'DC';

export function chargingEfficiency(kind: ChargeKind, netPowerKw: number, batteryTempC: number): number {
  const cold = 0.004 * Math.max(0, 20 - batteryTempC);
  const hot = 0.002 * Math.max(0, batteryTempC - 40);
  const base = kind === 'AC' ? 0.955 - 0.32 / Math.max(netPowerKw, 0.5) : 0.965 - 0.00015 * netPowerKw;
  return Math.min(0.98, Math.max(0.5, base - cold - hot));
}

/**
 * The car's own consumption while charging (reported as vehicle.vehicle.avgAuxPower): BMS, pumps and the 12 V
 * system (0.25 kW AC), the chiller that grows with DC power, and the battery heater when the pack is cold
 * (1 kW below 5 °C on AC, 4 kW below 15 °C on DC, where cold cells would otherwise cap the power).
 */
export function chargingAuxKw(kind: ChargeKind, gridKw: number, batteryTempC: number): number {
  if (kind === 'AC') return 0.25 + (batteryTempC < 5 ? 1.0 : 0);
  return 0.4 + 0.006 * gridKw + (batteryTempC < 15 ? 4.0 : 0);
}

/** Heater power inside the aux figure, which warms the pack. */
export function heaterKw(kind: ChargeKind, batteryTempC: number): number {
  if (kind === 'AC') return batteryTempC < 5 ? 1.0 : 0;
  return batteryTempC < 15 ? 4.0 : 0;
}

export interface AcSupply {
  phases: number;
  currentA: number;
  gridKw: number;
}

/**
 * AC: the phases are the fewer of the wallbox's and the car's; the current is the lower of the wallbox limit and the
 * on-board charger's. Above 96 % the car draws less (cell balancing), which only matters with a 100 % target.
 */
export function acSupply(
  profile: VehicleProfile,
  plug: PlugType,
  wallboxA: number,
  voltageV: number,
  soc: number,
): AcSupply {
  const phases = Math.min(plug === 'AC1' ? 1 : 3, profile.ac.phasesMax);
  let current = Math.min(wallboxA, profile.ac.currentMaxA);
  if (soc > 96) current *= Math.max(0.25, (100 - soc) / 4);
  return { phases, currentA: current, gridKw: (phases * voltageV * current) / 1000 };
}

/**
 * DC power (kW) the car accepts: the charger's or car's maximum, shaped by the charge curve (full power up to 25 %,
 * easing to half of it at 80 %, then a steep taper to 8 % at 100 %), limited when the pack is cold (full power from
 * 20 °C, falling linearly to a quarter at 5 °C and below), and ramped up from 10 % over the first minute of the session.
 */
export function dcPowerKw(
  profile: VehicleProfile,
  chargerMaxKw: number,
  soc: number,
  batteryTempC: number,
  secondsActive: number,
): number {
  const max = Math.min(chargerMaxKw, profile.dc?.maxKw ?? 0);
  return max * dcCurve(soc) * dcTemperatureFactor(batteryTempC) * Math.min(1, 0.1 + (0.9 * secondsActive) / 60);
}

export function dcCurve(soc: number): number {
  if (soc <= 25) return 1;
  if (soc <= 80) return 1 - (0.5 * (soc - 25)) / 55;
  return Math.max(0.08, 0.5 - (0.42 * (soc - 80)) / 20);
}

export function dcTemperatureFactor(batteryTempC: number): number {
  return Math.min(1, Math.max(0.25, 0.25 + (0.75 * (batteryTempC - 5)) / 15));
}
