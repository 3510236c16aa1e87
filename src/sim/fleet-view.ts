import type { StreamDescriptorValue } from '../cardata/wire';

/** A finished charging session as BMW's chargingHistory reports it, kept by the vehicle model. */
export interface ChargingSessionRecord {
  startMs: number;
  endMs: number;
  startSoc: number;
  endSoc: number;
  energyFromGridKwh: number;
  averagePowerKw: number;
  latitude: number;
  longitude: number;
  mileageKm: number;
  method: 'AC' | 'DC';
}

/**
 * What the REST API needs from the vehicles: BMW's side of them. `reported` is the last value BMW's backend holds
 * for each descriptor (what the car last uploaded), with native JSON values as on the stream; REST stringifies.
 */
export interface FleetView {
  has(vin: string): boolean;
  vins(): string[];
  basicData(vin: string): Record<string, unknown>;
  reported(vin: string): ReadonlyMap<string, StreamDescriptorValue>;
  chargingSessions(vin: string): ChargingSessionRecord[];
  /** Where the car is now (for location-based charging settings and charging locations). */
  position(vin: string): { latitude: number; longitude: number };
}
