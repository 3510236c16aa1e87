/**
 * One VIN's motion state: plain, JSON-safe data, so a snapshot is the state itself and a restart continues an open
 * trip where it stopped. `restoreMotion` takes whatever a file held and keeps only what has the right shape.
 */
import { emptyDetector, type DetectorState, type ParkReading } from './motion-detector';
import { emptyOdometer, type DistanceUnit, type OdometerState } from './odometer-filter';
import { emptyPairing, type Coordinate, type PairingState, type Sample } from './gps-pairing';
import type { Point } from './geo';
import type { TrackPoint, TripState } from './trip';
import { isRecord } from '../json';

export const MOTION_SNAPSHOT_VERSION = 1;

export interface MotionState {
  pairing: PairingState;
  detector: DetectorState;
  odometer: OdometerState;
  /** What the motion output last said; null until something is known. */
  moving: boolean | null;
  /** BMW's last `vehicle.isMoving`; null until the car sent one. */
  bmwMoving: boolean | null;
  /** BMW's time of its last isMoving false: fixes measured before it are GPS catching up with the arrival. */
  bmwStoppedAt: number | null;
  /** The car sends isMoving: its own flag ends its trips, the clock does not (§6.3). */
  sendsIsMoving: boolean;
  /** The detector's last verdict. */
  derived: boolean | null;
  /** BMW's charging status says it is charging. */
  charging: boolean;
  /** The last accepted odometer, in km. */
  odometerKm: number | null;
  /** The odometer already accounted for: distance before it belongs to no trip (a phantom move, a finished trip). */
  acknowledgedKm: number | null;
  lastFix: TrackPoint | null;
  trip: TripState | null;
}

export interface MotionSnapshot extends MotionState {
  version: typeof MOTION_SNAPSHOT_VERSION;
}

export function emptyMotion(): MotionState {
  return {
    pairing: emptyPairing(),
    detector: emptyDetector(),
    odometer: emptyOdometer(),
    moving: null,
    bmwMoving: null,
    bmwStoppedAt: null,
    sendsIsMoving: false,
    derived: null,
    charging: false,
    odometerKm: null,
    acknowledgedKm: null,
    lastFix: null,
    trip: null,
  };
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function point(v: unknown): Point | null {
  if (!isRecord(v)) return null;
  const lat = num(v.lat);
  const lon = num(v.lon);
  return lat === null || lon === null ? null : { lat, lon };
}

function timed(v: unknown, key: 'at' | 'measuredAt'): number | null {
  return isRecord(v) ? num(v[key]) : null;
}

function sample(v: unknown): Sample | null {
  if (!isRecord(v)) return null;
  const value = num(v.value);
  const at = num(v.at);
  return value === null || at === null ? null : { value, at, measuredAt: num(v.measuredAt) };
}

function coordinate(v: unknown): Coordinate | null {
  const s = sample(v);
  return s && isRecord(v) ? { ...s, used: v.used === true } : null;
}

function trackPoint(v: unknown): TrackPoint | null {
  const p = point(v);
  const measuredAt = timed(v, 'measuredAt');
  return p && measuredAt !== null ? { ...p, measuredAt } : null;
}

function pairing(v: unknown): PairingState {
  if (!isRecord(v)) return emptyPairing();
  return { lat: coordinate(v.lat), lon: coordinate(v.lon), heading: sample(v.heading), shown: point(v.shown) };
}

function detector(v: unknown): DetectorState {
  const d = emptyDetector();
  if (!isRecord(v)) return d;
  const readings = Array.isArray(v.readings) ? v.readings : [];
  d.readings = readings
    .map((r): ParkReading | null => {
      const p = point(r);
      const at = timed(r, 'at');
      return p && at !== null ? { ...p, at } : null;
    })
    .filter((r): r is ParkReading => r !== null);
  d.anchor = point(v.anchor);
  d.driving = v.driving === true;
  d.lastGpsAt = num(v.lastGpsAt);
  d.lastMovementAt = num(v.lastMovementAt);
  d.mileageKm = num(v.mileageKm);
  d.mileageChangedAt = num(v.mileageChangedAt);
  if (isRecord(v.baseline) && num(v.baseline.km) !== null && num(v.baseline.at) !== null) {
    d.baseline = { km: num(v.baseline.km)!, at: num(v.baseline.at)! };
  }
  d.door = str(v.door);
  d.doorUnlockedAt = num(v.doorUnlockedAt);
  d.charging = v.charging === true;
  return d;
}

function unit(v: unknown): DistanceUnit | null {
  return v === 'km' || v === 'mi' ? v : null;
}

function odometer(v: unknown): OdometerState {
  if (!isRecord(v)) return emptyOdometer();
  const pendingValue = isRecord(v.pending) ? num(v.pending.value) : null;
  return {
    value: num(v.value),
    unit: unit(v.unit),
    pending: pendingValue === null || !isRecord(v.pending) ? null : { value: pendingValue, unit: unit(v.pending.unit) },
  };
}

function trip(v: unknown): TripState | null {
  if (!isRecord(v)) return null;
  const startedAt = num(v.startedAt);
  if (startedAt === null) return null;
  return {
    startedAt,
    reason: str(v.reason) ?? 'unknown',
    startOdometerKm: num(v.startOdometerKm),
    gpsDistanceM: num(v.gpsDistanceM) ?? 0,
    lastPoint: trackPoint(v.lastPoint),
  };
}

/** A snapshot as read back from disk; anything that is not a snapshot of this version starts afresh. */
export function restoreMotion(raw: unknown): MotionState {
  if (!isRecord(raw) || raw.version !== MOTION_SNAPSHOT_VERSION) return emptyMotion();
  const open = trip(raw.trip);
  return {
    pairing: pairing(raw.pairing),
    detector: detector(raw.detector),
    odometer: odometer(raw.odometer),
    // An open trip means the car was moving, whatever else the file says.
    moving: open ? true : bool(raw.moving),
    bmwMoving: bool(raw.bmwMoving),
    bmwStoppedAt: num(raw.bmwStoppedAt),
    sendsIsMoving: raw.sendsIsMoving === true,
    derived: bool(raw.derived),
    charging: raw.charging === true,
    odometerKm: num(raw.odometerKm),
    acknowledgedKm: num(raw.acknowledgedKm),
    lastFix: trackPoint(raw.lastFix),
    trip: open,
  };
}
