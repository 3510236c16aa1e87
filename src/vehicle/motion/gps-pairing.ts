/**
 * GPS pairing (reference/algorithms.md §6.1): BMW sends latitude and longitude as separate descriptors, sometimes in
 * separate messages seconds apart (cardata-protocol.md §6.5), so a position exists only once the two are paired.
 */
import { COORDINATE_MAX_AGE_MS, DISPLAY_MIN_MOVE_M, PAIR_BY_ARRIVAL_MS, PAIR_BY_TIMESTAMP_MS } from './constants';
import { distanceM, type Point } from './geo';

export interface Sample {
  value: number;
  /** Our arrival time, epoch ms. */
  at: number;
  /** BMW's measurement time, epoch ms; null when the car sent none. */
  measuredAt: number | null;
}

export interface Coordinate extends Sample {
  /** Already part of a fix. */
  used: boolean;
}

export type PairedBy = 'timestamp' | 'arrival';

export interface Fix extends Point {
  /** Degrees, 0–359; null when no heading came with the position. */
  heading: number | null;
  /** When the car measured it: the later BMW timestamp of the pair, else the arrival time. */
  measuredAt: number;
  /** Arrival of the coordinate that completed the pair (our clock). */
  at: number;
  pairedBy: PairedBy;
}

export interface PairingState {
  lat: Coordinate | null;
  lon: Coordinate | null;
  heading: Sample | null;
  /** The position last shown (the location output), for the 3 m rule. */
  shown: Point | null;
}

/** The coordinates one BMW message carried; a message with both pairs them with each other. */
export interface CoordinateUpdate {
  lat?: Sample;
  lon?: Sample;
  heading?: Sample;
}

export function emptyPairing(): PairingState {
  return { lat: null, lon: null, heading: null, shown: null };
}

function valid(axis: 'lat' | 'lon', value: number): boolean {
  return Number.isFinite(value) && Math.abs(value) <= (axis === 'lat' ? 90 : 180);
}

/** A re-delivered older measurement (a REST poll after the stream) must not replace a newer one. */
function older(sample: Sample, stored: Sample | null): boolean {
  return stored !== null && sample.measuredAt !== null && stored.measuredAt !== null
    ? sample.measuredAt < stored.measuredAt
    : false;
}

function pairedBy(a: Coordinate, b: Coordinate): PairedBy | null {
  if (a.measuredAt !== null && b.measuredAt !== null && Math.abs(a.measuredAt - b.measuredAt) <= PAIR_BY_TIMESTAMP_MS) {
    return 'timestamp';
  }
  // The reference pairs by arrival with any partner, so a new latitude met the longitude of the previous fix and made
  // a position that never existed (§12.5 #32). Falling back on arrival only for two coordinates that both still wait
  // for a partner keeps every pair one the car sent together.
  if (a.used || b.used) return null;
  return Math.abs(a.at - b.at) <= PAIR_BY_ARRIVAL_MS ? 'arrival' : null;
}

/**
 * BMW sends the heading with one of the two coordinates (cardata-protocol.md §6.5): it belongs to the fix if it was
 * measured within 5 s of either, or, without timestamps, arrived within 30 s.
 */
function headingFor(state: PairingState, lat: Coordinate, lon: Coordinate, now: number): number | null {
  const heading = state.heading;
  if (!heading) return null;
  if (heading.measuredAt === null || (lat.measuredAt === null && lon.measuredAt === null)) {
    return now - heading.at <= PAIR_BY_ARRIVAL_MS ? heading.value : null;
  }
  const measured = heading.measuredAt;
  const close = [lat.measuredAt, lon.measuredAt].some(
    (t) => t !== null && Math.abs(t - measured) <= PAIR_BY_TIMESTAMP_MS,
  );
  return close ? heading.value : null;
}

/**
 * Store the coordinates of one message and return the fix they complete, or null while a partner is missing.
 * Out-of-range values are ignored (the previous value stays); (0, 0) is a receiver without a position.
 */
export function pairFix(state: PairingState, update: CoordinateUpdate, now: number): Fix | null {
  let changed = false;
  for (const axis of ['lat', 'lon'] as const) {
    const sample = update[axis];
    if (!sample || !valid(axis, sample.value) || older(sample, state[axis])) continue;
    state[axis] = { ...sample, used: false };
    changed = true;
  }
  const heading = update.heading;
  if (heading && Number.isFinite(heading.value) && heading.value >= 0 && heading.value <= 360) {
    if (!older(heading, state.heading)) state.heading = { ...heading, value: heading.value % 360 };
  }
  const { lat, lon } = state;
  if (!changed || !lat || !lon) return null;
  if (lat.value === 0 && lon.value === 0) return null;
  if (now - Math.min(lat.at, lon.at) > COORDINATE_MAX_AGE_MS) return null;
  const by = pairedBy(lat, lon);
  if (!by) return null;
  lat.used = true;
  lon.used = true;
  const stamps = [lat.measuredAt, lon.measuredAt].filter((t): t is number => t !== null);
  const measuredAt = stamps.length > 0 ? Math.max(...stamps) : now;
  return {
    lat: lat.value,
    lon: lon.value,
    heading: headingFor(state, lat, lon, now),
    measuredAt,
    at: now,
    pairedBy: by,
  };
}

/**
 * Whether the shown position moves to this fix: always while the car moves, else only for fixes ≥ 3 m away, so a
 * parked car's GPS jitter does not flood the output (§6.1 step 5).
 */
export function showFix(state: PairingState, fix: Fix, moving: boolean): boolean {
  if (state.shown && !moving && distanceM(state.shown, fix) < DISPLAY_MIN_MOVE_M) return false;
  state.shown = { lat: fix.lat, lon: fix.lon };
  return true;
}
