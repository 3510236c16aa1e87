/**
 * Driving power at the battery (documented in docs/scenarios.md, "Physics"):
 *
 *   F = m·g·Crr·k_T + ½·ρ(T)·CdA·v² + m·a                    (rolling + aero ∝ v² + inertia)
 *   P_wheel = F·v
 *   P_batt = P_wheel / η_drive            when P_wheel ≥ 0
 *          = P_wheel · η_regen            when braking (recuperation returns part of the kinetic energy)
 *          + 0.4 kW while rolling         (inverter, motor excitation, gearbox drag: the low-speed penalty per km)
 *          + aux(T) all trip long         (0.5 kW base + HVAC: heating 0.1 kW/K below 18 °C up to 3.5 kW,
 *                                          cooling 0.08 kW/K above 24 °C up to 2.5 kW)
 *   ρ(T) = 353.05 / (T + 273.15) kg/m³; k_T = 1 + 0.005·max(0, 20 − T) (stiffer tyres in the cold).
 *
 * Per km this gives the familiar U shape: stop-and-go city driving pays for acceleration (only ~60 % comes back),
 * idle losses and aux while standing; suburban cruising is cheapest; highway grows with v².
 */
import type { VehicleProfile } from './profiles';

const G = 9.81;
export const BASE_AUX_KW = 0.5;
export const ROLLING_LOSS_KW = 0.4;
const PETROL_KWH_PER_LITRE = 8.9;

export function airDensity(ambientC: number): number {
  return 353.05 / (ambientC + 273.15);
}

export function drivingAuxKw(ambientC: number): number {
  const heating = Math.min(3.5, 0.1 * Math.max(0, 18 - ambientC));
  const cooling = Math.min(2.5, 0.08 * Math.max(0, ambientC - 24));
  return BASE_AUX_KW + heating + cooling;
}

/** Power at the wheels (kW) for speed v (m/s) and acceleration a (m/s²); negative while braking. */
export function wheelPowerKw(profile: VehicleProfile, vMs: number, aMs2: number, ambientC: number): number {
  const tyres = 1 + 0.005 * Math.max(0, 20 - ambientC);
  const force =
    profile.massKg * G * profile.rollingResistance * tyres +
    0.5 * airDensity(ambientC) * profile.dragAreaM2 * vMs * vMs +
    profile.massKg * aMs2;
  return vMs > 0 ? (force * vMs) / 1000 : 0;
}

/** Battery power (kW, positive = discharge) when driving electrically, aux included. */
export function electricDrivePowerKw(profile: VehicleProfile, wheelKw: number, vMs: number, auxKw: number): number {
  const drive = wheelKw >= 0 ? wheelKw / profile.drivetrainEfficiency : wheelKw * profile.regenEfficiency;
  return drive + (vMs > 0.3 ? ROLLING_LOSS_KW : 0) + auxKw;
}

/**
 * PHEV in engine mode: petrol (litres per hour) for the wheel power plus aux. The engine's efficiency rises with load,
 * η = 0.34·P/(P + 8 kW), so stop-and-go on fuel is expensive; braking and standing use none (engine stop).
 */
export function fuelRateLitresPerHour(wheelKw: number, auxKw: number): number {
  const demand = wheelKw + auxKw;
  if (wheelKw <= 0 || demand <= 0) return 0;
  const efficiency = (0.34 * demand) / (demand + 8);
  return demand / efficiency / PETROL_KWH_PER_LITRE;
}

/** Steady-speed consumption at the battery (kWh/km), for documentation and tests. */
export function steadyConsumptionKwhPerKm(profile: VehicleProfile, speedKmh: number, ambientC: number): number {
  const v = speedKmh / 3.6;
  const power = electricDrivePowerKw(profile, wheelPowerKw(profile, v, 0, ambientC), v, drivingAuxKw(ambientC));
  return power / speedKmh;
}
