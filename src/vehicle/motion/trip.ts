/** A trip in progress and its distance: the odometer's, else the sum of GPS steps (reference §6.3, §4.8). */
import { GPS_MAX_SPEED_KMH, GPS_STEP_ALWAYS_M, NULL_ISLAND_DEG } from './constants';
import { distanceM, type Point } from './geo';

export interface TrackPoint extends Point {
  measuredAt: number;
}

export interface TripState {
  /** When it started, epoch ms (BMW's time for its own isMoving, else ours). */
  startedAt: number;
  /** What started it (`is_moving`, `gps`, `odometer`). */
  reason: string;
  startOdometerKm: number | null;
  gpsDistanceM: number;
  /** Where the last counted GPS step ended. */
  lastPoint: TrackPoint | null;
}

export type DistanceSource = 'odometer' | 'gps';

/**
 * `from`: the last fix before the start. The car left from there, so the first step (often the fix that showed it
 * had left the park zone) counts too; the reference started from nothing and lost it.
 */
export function startTrip(
  startedAt: number,
  reason: string,
  startOdometerKm: number | null,
  from: TrackPoint | null,
): TripState {
  return { startedAt, reason, startOdometerKm, gpsDistanceM: 0, lastPoint: from };
}

function nullIsland(point: Point): boolean {
  return Math.abs(point.lat) < NULL_ISLAND_DEG && Math.abs(point.lon) < NULL_ISLAND_DEG;
}

/**
 * Add the step to a new fix. The reference dropped every step over 2 km as a jump; BMW sends fixes every 2–3 min
 * while driving, so at motorway speed every step was dropped. A longer step counts when the time between the two
 * fixes makes it drivable; a jump in seconds still does not. The reference point always moves on.
 */
export function addGpsStep(trip: TripState, fix: TrackPoint): void {
  if (nullIsland(fix)) return;
  const previous = trip.lastPoint;
  trip.lastPoint = { lat: fix.lat, lon: fix.lon, measuredAt: fix.measuredAt };
  if (!previous) return;
  const d = distanceM(previous, fix);
  if (!(d > 0)) return;
  const hours = Math.max(0, fix.measuredAt - previous.measuredAt) / 3_600_000;
  if (d > GPS_STEP_ALWAYS_M && d / 1000 > GPS_MAX_SPEED_KMH * hours) return;
  trip.gpsDistanceM += d;
}

/**
 * The odometer's distance when it moved; GPS when it did not (a trip shorter than its resolution) or is unknown;
 * null when neither knows anything.
 */
export function tripDistance(
  trip: TripState,
  endOdometerKm: number | null,
): { km: number | null; source: DistanceSource | null } {
  const odometer =
    endOdometerKm !== null && trip.startOdometerKm !== null ? Math.max(0, endOdometerKm - trip.startOdometerKm) : null;
  if (odometer !== null && odometer > 0) return { km: odometer, source: 'odometer' };
  if (trip.gpsDistanceM > 0) return { km: trip.gpsDistanceM / 1000, source: 'gps' };
  return odometer !== null ? { km: 0, source: 'odometer' } : { km: null, source: null };
}
