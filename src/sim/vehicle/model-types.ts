/**
 * The vocabulary of the vehicle model: its commands' options, the events it raises for the reporter and the true
 * state it exposes to tests, benchmarks and truth lines.
 */
import type { ChargeKind, PlugType } from './charging';
import type { VehicleProfile } from './profiles';
import type { GeoPoint } from './route';
import type { TripProfile } from './speed-trace';
import type { TripTruth } from './trip';

export type ChargeState = 'none' | 'initializing' | 'active' | 'paused' | 'ended';
export type ChargeEndReason = 'target' | 'unplug';
export type CentralLock = 'LOCKED' | 'UNLOCKED' | 'SECURED';

export interface PlugInOptions {
  type: PlugType;
  /** Wallbox current limit per phase (AC), default 16 A. */
  currentA?: number;
  /** Charger power (DC), default 150 kW. */
  maxKw?: number;
  /** Charge target; also becomes the car's target setting. */
  targetSoc?: number;
}

export interface DriveOptions {
  km: number;
  profile?: TripProfile;
  /** Round trips end where they started (default); one-way trips leave the car elsewhere. */
  roundTrip?: boolean;
}

export interface Plug {
  type: PlugType;
  kind: ChargeKind;
  currentA: number;
  chargerMaxKw: number;
  pluggedAtMs: number;
  activeSinceMs: number;
  siteVoltageV: number;
}

export interface DoorState {
  central: CentralLock;
  driver: boolean;
  passenger: boolean;
  rearLeft: boolean;
  rearRight: boolean;
  trunk: boolean;
}

/** What happened, in order, for the reporter to turn into uploads. `at` is the simulated instant. */
export type VehicleEvent =
  | { type: 'tripStart'; at: number }
  | { type: 'driveAway'; at: number }
  | { type: 'tripEnd'; at: number; trip: TripTruth; stranded: boolean }
  | { type: 'doors'; at: number }
  | { type: 'plugIn'; at: number; kind: ChargeKind }
  | { type: 'chargeActive'; at: number; resumed: boolean }
  | { type: 'chargeEnd'; at: number; kind: ChargeKind; reason: ChargeEndReason; afterWallboxStop: boolean }
  | { type: 'wallboxStop'; at: number; kind: ChargeKind }
  | { type: 'unplug'; at: number }
  | { type: 'socSet'; at: number }
  | { type: 'refuel'; at: number };

/** The charger's state this instant (zeros when no energy flows). */
export interface ChargingInstant {
  gridKw: number;
  auxKw: number;
  efficiency: number | null;
  phases: number;
  currentA: number;
  voltageV: number;
}

export interface TrueState {
  soc: number;
  energyKwh: number;
  capacityKwh: number;
  latitude: number;
  longitude: number;
  headingDeg: number;
  speedKmh: number;
  odometerKm: number;
  charging: boolean;
  chargeState: ChargeState;
  plugged: boolean;
  plugType: PlugType | null;
  chargingPowerKw: number;
  auxPowerKw: number;
  efficiency: number | null;
  phases: number;
  targetSoc: number;
  driving: boolean;
  tripProfile: TripProfile | null;
  tripDistanceKm: number | null;
  batteryTempC: number;
  ambientC: number;
  centralLock: CentralLock;
  fuelLitres?: number;
}

export interface ModelOptions {
  profile: VehicleProfile;
  seed: number;
  startSoc?: number;
  home?: GeoPoint;
  odometerKm?: number;
  ambientC?: number;
  targetSoc?: number;
}
