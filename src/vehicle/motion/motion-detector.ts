/**
 * The motion detector (reference/algorithms.md §6.2): is the car moving, from paired GPS fixes, the odometer, the
 * central lock and the charging state — for cars that send no `vehicle.isMoving`, and to check the ones that do.
 * Plain state, functions over it; `now` is our clock (arrival time), epoch ms.
 */
import {
  DOOR_GRACE_MS,
  ESCAPE_RADIUS_M,
  GPS_ACTIVE_MS,
  GPS_STALE_MS,
  MAX_PARK_READINGS,
  MILEAGE_REBASE_KM,
  MILEAGE_STEP_KM,
  MILEAGE_WINDOW_MS,
  PARK_CONFIRM_MS,
  PARK_RADIUS_M,
} from './constants';
import { centroid, distanceM, type Point } from './geo';

export interface ParkReading extends Point {
  at: number;
}

export interface DetectorState {
  /** Centre of the park zone (parked) or the last fix that left it (driving). */
  anchor: Point | null;
  readings: ParkReading[];
  driving: boolean;
  lastGpsAt: number | null;
  lastMovementAt: number | null;
  mileageKm: number | null;
  mileageChangedAt: number | null;
  /** Odometer when GPS went quiet: only a rise after it proves motion. */
  baseline: { km: number; at: number } | null;
  /** Central lock, lower-case letters only (`selectivelocked`). */
  door: string | null;
  /** When the car was unlocked after being locked for driving: the driver is getting out. */
  doorUnlockedAt: number | null;
  charging: boolean;
}

/** Why the detector says what it says; the stop reasons also say when the car stopped (`since`). */
export type DetectorReason =
  'gps' | 'odometer' | 'parked' | 'door' | 'gps_stale' | 'odometer_stale' | 'charging' | 'unknown';

export interface Verdict {
  /** null: no evidence either way. */
  moving: boolean | null;
  reason: DetectorReason;
  /** For a stop: when the car stopped (our clock), as far as the evidence tells. */
  since: number | null;
}

// Cars lock themselves when they drive off; leaving one of these states means someone opened the car.
const DRIVING_DOOR_STATES = new Set(['locked', 'selectivelocked']);

export function emptyDetector(): DetectorState {
  return {
    anchor: null,
    readings: [],
    driving: false,
    lastGpsAt: null,
    lastMovementAt: null,
    mileageKm: null,
    mileageChangedAt: null,
    baseline: null,
    door: null,
    doorUnlockedAt: null,
    charging: false,
  };
}

function keep(state: DetectorState, reading: ParkReading): void {
  state.readings.push(reading);
  if (state.readings.length > MAX_PARK_READINGS) state.readings.splice(0, state.readings.length - MAX_PARK_READINGS);
}

function restart(state: DetectorState, reading: ParkReading): void {
  state.anchor = { lat: reading.lat, lon: reading.lon };
  state.readings = [reading];
}

/**
 * The reference lets a door unlock of any age stop an escape, so a car unlocked at home and driven off without
 * locking never moved again. An unlock explains a far fix only while GPS may still be catching up with the arrival.
 */
function justArrived(state: DetectorState, now: number): boolean {
  return state.doorUnlockedAt !== null && now - state.doorUnlockedAt < GPS_STALE_MS;
}

/**
 * One paired fix. `arrived`: the car is known to have stopped after this fix was taken (BMW's isMoving went false
 * later), so a far fix is GPS catching up with the trip that just ended, not a new departure.
 */
export function gpsUpdate(state: DetectorState, point: Point, now: number, arrived = false): void {
  state.lastGpsAt = now;
  const reading: ParkReading = { lat: point.lat, lon: point.lon, at: now };
  if (!state.anchor) {
    restart(state, reading);
    return;
  }
  const d = distanceM(state.anchor, point);
  if (state.driving) {
    state.lastMovementAt = now;
    if (d > PARK_RADIUS_M) {
      restart(state, reading); // the anchor follows the car
      return;
    }
    keep(state, reading);
    const anchor = state.anchor;
    const lastThree = state.readings.slice(-3);
    if (lastThree.length < 3 || !lastThree.every((r) => distanceM(anchor, r) <= PARK_RADIUS_M)) return;
    // BMW sends bursts of 3–6 fixes within a second: only a fix that has stayed put for 90 s proves a stop.
    if (!state.readings.some((r) => now - r.at >= PARK_CONFIRM_MS)) return;
    state.driving = false;
    state.lastMovementAt = state.readings[0].at;
    state.anchor = centroid(state.readings);
    return;
  }
  if (d <= PARK_RADIUS_M) {
    keep(state, reading);
    state.anchor = centroid(state.readings);
  } else if (d <= ESCAPE_RADIUS_M) {
    keep(state, reading);
  } else if (arrived || justArrived(state, now)) {
    restart(state, reading);
  } else {
    state.driving = true;
    restart(state, reading);
    state.lastMovementAt = now;
    state.doorUnlockedAt = null;
    state.charging = false;
  }
}

/** An accepted odometer reading in km (after the sanity filter). */
export function mileageUpdate(state: DetectorState, km: number, now: number): void {
  if (state.mileageKm === null) {
    state.mileageKm = km;
  } else if (km - state.mileageKm > MILEAGE_STEP_KM) {
    state.mileageKm = km;
    state.mileageChangedAt = now;
    state.charging = false;
  } else if (state.mileageKm - km > MILEAGE_REBASE_KM) {
    state.mileageKm = km;
  }
}

/** BMW writes `SELECTIVELOCKED` on the wire and `SELECTIVE-LOCKED` in its catalogue; both are the same state. */
export function doorState(value: string): string {
  return value.toLowerCase().replace(/[^a-z]/g, '');
}

export function doorUpdate(state: DetectorState, value: string, now: number): void {
  const next = doorState(value);
  const wasLocked = state.door !== null && DRIVING_DOOR_STATES.has(state.door);
  const isLocked = DRIVING_DOOR_STATES.has(next);
  if (wasLocked && !isLocked) state.doorUnlockedAt = now;
  if (isLocked) state.doorUnlockedAt = null;
  state.door = next;
}

export function setCharging(state: DetectorState, charging: boolean): void {
  state.charging = charging;
}

/** Driving, and the door was opened: moving during the 30 s grace (the lock state can lead the last fixes), then parked. */
function doorRule(state: DetectorState, now: number): Verdict | null {
  if (state.doorUnlockedAt === null) return null;
  if (now - state.doorUnlockedAt < DOOR_GRACE_MS) return { moving: true, reason: 'gps', since: null };
  state.driving = false;
  return { moving: false, reason: 'door', since: state.doorUnlockedAt };
}

/** Is the car moving now (§6.2 is_moving; the first rule that applies wins). May leave driving mode. */
export function evaluate(state: DetectorState, now: number): Verdict {
  if (state.charging) {
    state.driving = false;
    return { moving: false, reason: 'charging', since: null };
  }
  const gpsAge = state.lastGpsAt === null ? null : now - state.lastGpsAt;
  if (gpsAge !== null && gpsAge < GPS_ACTIVE_MS) {
    state.baseline = null;
    if (state.driving) return doorRule(state, now) ?? { moving: true, reason: 'gps', since: null };
    // The reference kept saying "moving" until 2 min after the first parked fix even once parking was confirmed
    // (§12.5 #31); confirmation already needs 90 s at a standstill, so parked means parked.
    if (state.doorUnlockedAt !== null) return { moving: false, reason: 'door', since: state.doorUnlockedAt };
    return { moving: false, reason: 'parked', since: state.lastMovementAt };
  }
  if (state.driving && gpsAge !== null && gpsAge < GPS_STALE_MS) {
    return doorRule(state, now) ?? { moving: true, reason: 'gps', since: null };
  }
  if (state.doorUnlockedAt !== null) {
    if (state.driving && now - state.doorUnlockedAt < DOOR_GRACE_MS)
      return { moving: true, reason: 'gps', since: null };
    state.driving = false;
    return { moving: false, reason: 'door', since: state.doorUnlockedAt };
  }
  if (gpsAge !== null && state.mileageKm !== null) {
    state.baseline ??= { km: state.mileageKm, at: now };
    const changed = state.mileageChangedAt;
    if (
      changed !== null &&
      state.mileageKm > state.baseline.km + MILEAGE_STEP_KM &&
      changed > state.baseline.at &&
      now - changed < MILEAGE_WINDOW_MS
    ) {
      return { moving: true, reason: 'odometer', since: null };
    }
  }
  if (gpsAge !== null) {
    state.driving = false;
    return { moving: false, reason: 'gps_stale', since: state.lastMovementAt ?? state.lastGpsAt };
  }
  const changed = state.mileageChangedAt;
  if (changed !== null && now - changed < MILEAGE_WINDOW_MS) return { moving: true, reason: 'odometer', since: null };
  return { moving: null, reason: changed === null ? 'unknown' : 'odometer_stale', since: changed };
}

/**
 * The next instant at which `evaluate` can answer differently without new input (a window closing), or null. A
 * runner evaluates then instead of at its next 30 s heartbeat, so a stop is seen when it happens.
 */
export function nextChange(state: DetectorState, now: number): number | null {
  const candidates: number[] = [];
  if (state.lastGpsAt !== null) candidates.push(state.lastGpsAt + GPS_ACTIVE_MS, state.lastGpsAt + GPS_STALE_MS);
  if (state.doorUnlockedAt !== null) candidates.push(state.doorUnlockedAt + DOOR_GRACE_MS);
  if (state.mileageChangedAt !== null) candidates.push(state.mileageChangedAt + MILEAGE_WINDOW_MS);
  const future = candidates.filter((t) => t > now);
  return future.length > 0 ? Math.min(...future) : null;
}
