/**
 * How the car's true state reads on BMW's wire: integer SOC, whole-km odometer, 6-decimal coordinates, enum
 * strings. Shared by the stream uploads and the backend snapshot REST serves.
 */
import { D, type DescriptorName } from './descriptors';
import type { CentralLock, DoorState, VehicleModel } from './model';
import type { TelemetryCapabilities } from './profiles';
import type { SocQuantisation } from './quirks';

export type Entry = [DescriptorName, unknown];

export function socDescriptor(t: TelemetryCapabilities): DescriptorName {
  return t.socDescriptor === 'header' ? D.soc : D.socDisplayed;
}

/**
 * BMW's SOC is an integer; rounding (the default) lets it run up to half a point ahead of the truth, flooring keeps it
 * up to a point behind. Which one BMW does is not known (quirks.ts `socQuantisation`).
 */
export function socInteger(model: VehicleModel, quantisation: SocQuantisation = 'round'): number {
  const soc = Math.min(100, Math.max(0, model.soc));
  return quantisation === 'floor' ? Math.floor(soc) : Math.round(soc);
}

/** BMW's own charging prediction (charging.level, REST only): the true SOC floored, so it never runs ahead. */
export function chargingLevel(model: VehicleModel): number {
  return Math.floor(Math.min(100, Math.max(0, model.soc)));
}

export function movingValue(t: TelemetryCapabilities, moving: boolean): unknown {
  if (t.isMoving === 'asn') return moving ? 'ASN_isTrue' : 'ASN_isFalse';
  return moving;
}

export function odometerValue(model: VehicleModel): number {
  return Math.floor(model.odometerKm);
}

export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/** BMW's time-to-target estimate (min): energy still missing over the present power at a flat 90 %, no taper. */
export function minutesRemaining(model: VehicleModel, toSoc: number): number {
  const missingKwh = Math.max(0, ((toSoc - model.soc) / 100) * model.capacityKwh);
  const netKw = model.instant.gridKw - model.instant.auxKw;
  if (missingKwh === 0) return 0;
  if (netKw <= 0) return 65500;
  return Math.ceil((missingKwh / (netKw * 0.9)) * 60);
}

export function rangeEntries(model: VehicleModel): Entry[] {
  const p = model.profile;
  const electric = Math.round(model.energyKwh / p.rangeConsumptionKwhPerKm);
  const entries: Entry[] = [
    [D.electricRange, electric],
    [D.kombiRange, electric],
  ];
  if (p.fuel) {
    entries.push(
      [D.totalRange, electric + Math.round(model.fuelLitres / p.fuel.rangeLitresPerKm)],
      [D.fuelRemaining, round(model.fuelLitres, 1)],
      [D.fuelLevel, Math.round((model.fuelLitres / p.fuel.tankLitres) * 100)],
    );
  } else {
    entries.push([D.totalRange, electric]);
  }
  return entries;
}

export function capacityEntries(model: VehicleModel): Entry[] {
  return [
    [D.maxEnergy, round(model.profile.capacityKwh, 1)],
    [D.batterySizeMax, round(model.profile.grossKwh, 1)],
  ];
}

export function chargingMethod(model: VehicleModel): string {
  if (!model.plug) return 'NOCHARGING';
  return model.plug.kind === 'DC' ? 'DC' : 'AC_TYPE2PLUG';
}

export function doorEntries(doors: DoorState): Entry[] {
  return [
    [D.doorStatus, doors.central],
    [D.driverDoorOpen, doors.driver],
    [D.passengerDoorOpen, doors.passenger],
    [D.rearLeftDoorOpen, doors.rearLeft],
    [D.rearRightDoorOpen, doors.rearRight],
    [D.trunkOpen, doors.trunk],
    [D.trunkLocked, isLocked(doors.central)],
  ];
}

function isLocked(central: CentralLock): boolean {
  return central !== 'UNLOCKED';
}
