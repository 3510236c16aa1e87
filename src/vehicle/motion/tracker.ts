/**
 * Location, motion and trips of one VIN (reference/algorithms.md §6): BMW readings in; the paired position, the
 * motion state and trip start/end out. Pure: `now` (epoch ms, our clock) comes with every call, so the node, replay
 * and the tests run the same code. Call `ingest` for every BMW message and `check` when `nextCheck` says (or at any
 * heartbeat); `snapshot` returns the state to restore after a restart.
 *
 * One motion state drives both outputs: BMW's isMoving and the detector each move it when their own verdict changes
 * (§6.3), and a trip is the time it is true. Inside a message the readings are taken in a fixed order — odometer,
 * charging status, central lock, position, isMoving — so the result never depends on BMW's key order.
 */
import { isChargingStatus } from '../charging/charge-status';
import type { Reading } from '../readings';
import { DOOR, HEADING, LAT, LON, MOV, ODO, STAT } from './descriptors';
import { pairFix, showFix, type CoordinateUpdate, type Fix, type Sample } from './gps-pairing';
import { doorUpdate, evaluate, gpsUpdate, mileageUpdate, nextChange, setCharging } from './motion-detector';
import { acceptOdometer } from './odometer-filter';
import { MOTION_SNAPSHOT_VERSION, emptyMotion, restoreMotion, type MotionSnapshot, type MotionState } from './state';
import { addGpsStep, startTrip, tripDistance } from './trip';

export type MotionMetric = 'location' | 'motion' | 'trip';

/** The location payload (DESIGN.md §4). */
export interface Location {
  lat: number;
  lon: number;
  /** Degrees, 0–359; null when BMW sent none with this position. */
  heading: number | null;
}

export type MotionAttributes = Record<string, number | string | boolean | null>;

export interface MotionOutput {
  metric: MotionMetric;
  /** Location for `location`, true/false for `motion`, `started`/`ended` for `trip`. */
  payload: Location | boolean | 'started' | 'ended';
  /** msg.timestamp: when the car measured the position (location), or when we concluded (motion, trip). */
  at: number;
  /** snake_case; times as ISO strings. */
  attributes: MotionAttributes;
}

/**
 * Why motion started or stopped: `is_moving` (BMW's flag), `gps` (left the park zone), `odometer` (it rose),
 * `parked` (GPS stayed put for 90 s), `door` (unlocked after driving), `gps_stale`, `odometer_stale`, `charging`,
 * `no_motion` (no evidence of motion left).
 */
export type MotionReason = string;

const WATCHED = new Set([STAT, DOOR, ODO, LAT, LON, HEADING, MOV]);

/** An odometer measured up to this long after BMW's stop still belongs to the trip that stopped. */
const LATE_END_READING_MS = 60_000;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;

function sample(reading: Reading | undefined, now: number): Sample | undefined {
  if (!reading || typeof reading.value !== 'number') return undefined;
  return { value: reading.value, at: now, measuredAt: reading.measuredAt };
}

export class MotionTracker {
  private readonly s: MotionState;

  /** @param snapshot what `snapshot()` returned before a restart; anything unreadable starts afresh. */
  constructor(snapshot?: unknown) {
    this.s = snapshot === undefined ? emptyMotion() : restoreMotion(snapshot);
  }

  /** The state, for diagnostics and tests; change it only through the methods. */
  get state(): Readonly<MotionState> {
    return this.s;
  }

  /** What the motion output last said; null until something is known. */
  get moving(): boolean | null {
    return this.s.moving;
  }

  /** One BMW message's readings (normalised), in any order. */
  ingest(readings: readonly Reading[], now: number): MotionOutput[] {
    const out: MotionOutput[] = [];
    const latest = new Map<string, Reading>();
    for (const reading of readings) {
      if (reading.value !== null && WATCHED.has(reading.descriptor)) latest.set(reading.descriptor, reading);
    }
    // The odometer first: one that comes with the end of a trip (a charge starting) is the trip's end reading.
    const odometer = latest.get(ODO);
    if (odometer && typeof odometer.value === 'number') {
      this.odometer(odometer.value, odometer.unit, odometer.measuredAt ?? now, now, out);
    }
    const status = latest.get(STAT);
    if (status) this.chargingStatus(isChargingStatus(status.value), status.measuredAt, now, out);
    const door = latest.get(DOOR);
    if (door && typeof door.value === 'string') doorUpdate(this.s.detector, door.value, now);
    const update: CoordinateUpdate = {
      lat: sample(latest.get(LAT), now),
      lon: sample(latest.get(LON), now),
      heading: sample(latest.get(HEADING), now),
    };
    if (update.lat || update.lon || update.heading) {
      const fix = pairFix(this.s.pairing, update, now);
      if (fix) this.fix(fix, now, out);
    }
    // The reference looked at the detector's verdict only on fixes and 30 s heartbeats; after every message, an
    // odometer rise or a lock change counts as soon as it arrives.
    if (!this.s.sendsIsMoving) this.followDetector(now, out);
    const moving = latest.get(MOV);
    if (moving && typeof moving.value === 'boolean') this.isMoving(moving.value, moving.measuredAt, now, out);
    return out;
  }

  /**
   * Time-driven changes: the detector's windows closing (GPS gone quiet, the door grace over) for cars that do not
   * send isMoving, and the reference's safety net that ends a trip the detector no longer supports.
   */
  check(now: number): MotionOutput[] {
    const out: MotionOutput[] = [];
    if (this.s.sendsIsMoving) return out;
    this.followDetector(now, out);
    if (this.s.moving === true && this.s.derived !== true) this.stop(out, now, 'no_motion', null);
    return out;
  }

  /** When `check` could next change something without new input; null when nothing is pending. */
  nextCheck(now: number): number | null {
    return this.s.sendsIsMoving ? null : nextChange(this.s.detector, now);
  }

  snapshot(): MotionSnapshot {
    return { version: MOTION_SNAPSHOT_VERSION, ...structuredClone(this.s) };
  }

  private chargingStatus(charging: boolean, measuredAt: number | null, now: number, out: MotionOutput[]): void {
    setCharging(this.s.detector, charging);
    const started = charging && !this.s.charging;
    this.s.charging = charging;
    if (started) this.stop(out, now, 'charging', measuredAt);
  }

  private odometer(value: number, unit: string | null, measuredAt: number, now: number, out: MotionOutput[]): void {
    // Only accepted readings go on: the reference let a rejected odometer move the detector and trip baselines.
    const km = acceptOdometer(this.s.odometer, value, unit);
    if (km === null) return;
    const previous = this.s.odometerKm;
    this.s.odometerKm = km;
    mileageUpdate(this.s.detector, km, now);
    if (this.s.charging) {
      // The odometer a car sends after it was plugged in is the end of the trip, not a new one: no trip while BMW
      // says it charges (§4.3), and the detector must not read the rise as the charge being over.
      setCharging(this.s.detector, true);
      this.s.acknowledgedKm = km;
      return;
    }
    // For a car without GPS the rise is the detector's evidence: let it start the trip before the rise would be
    // acknowledged, so the distance that revealed the trip belongs to it.
    if (!this.s.sendsIsMoving) this.followDetector(now, out);
    if (this.s.moving === true) return;
    const rose = previous !== null && km > previous;
    // An odometer BMW measured before it said the car stopped is the trip's last kilometres arriving late, while the
    // GPS detector still says "driving" (it waits 90 s at a standstill): not a new trip.
    const stoppedAt = this.s.bmwMoving === false ? this.s.bmwStoppedAt : null;
    const lateEnd = stoppedAt !== null && measuredAt <= stoppedAt + LATE_END_READING_MS;
    if (rose && !lateEnd && (this.s.bmwMoving === true || this.s.derived === true)) {
      this.start(out, now, 'odometer', null);
    } else {
      // A rise while nothing says the car moves is acknowledged, so it is not billed to the next trip.
      this.s.acknowledgedKm = km;
    }
  }

  private fix(fix: Fix, now: number, out: MotionOutput[]): void {
    const s = this.s;
    // BMW said the car stopped after this fix was taken: a far fix is GPS catching up, not a departure.
    const arrived = s.bmwMoving === false && s.bmwStoppedAt !== null && fix.measuredAt <= s.bmwStoppedAt;
    gpsUpdate(s.detector, fix, now, arrived);
    const events: MotionOutput[] = [];
    this.followDetector(now, events);
    const point = { lat: fix.lat, lon: fix.lon, measuredAt: fix.measuredAt };
    if (s.trip) addGpsStep(s.trip, point);
    s.lastFix = point;
    if (showFix(s.pairing, fix, s.moving === true)) {
      out.push({
        metric: 'location',
        payload: { lat: fix.lat, lon: fix.lon, heading: fix.heading },
        at: fix.measuredAt,
        attributes: {
          latitude: fix.lat,
          longitude: fix.lon,
          heading: fix.heading,
          moving: s.moving,
          paired_by: fix.pairedBy,
        },
      });
    }
    out.push(...events);
  }

  private followDetector(now: number, out: MotionOutput[]): void {
    const verdict = evaluate(this.s.detector, now);
    const previous = this.s.derived;
    this.s.derived = verdict.moving;
    if (verdict.moving === true) {
      if (previous !== true) this.start(out, now, verdict.reason, null);
    } else if (previous === true || (verdict.moving === false && this.s.moving === null)) {
      // Evidence of motion that runs out (the odometer's 7 min window without GPS) ends the motion as well.
      this.stop(out, now, verdict.reason, verdict.since);
    }
  }

  private isMoving(value: boolean, measuredAt: number | null, now: number, out: MotionOutput[]): void {
    const previous = this.s.bmwMoving;
    this.s.bmwMoving = value;
    this.s.sendsIsMoving = true;
    if (value) {
      this.s.bmwStoppedAt = null;
      if (previous !== true) this.start(out, now, 'is_moving', measuredAt);
    } else {
      this.s.bmwStoppedAt = measuredAt ?? now;
      if (previous === true || this.s.moving === null) this.stop(out, now, 'is_moving', measuredAt);
    }
  }

  private start(out: MotionOutput[], now: number, reason: MotionReason, at: number | null): void {
    const s = this.s;
    if (s.moving === true) return;
    const startedAt = Math.min(at ?? now, now);
    // BMW's own flag or a departure from the park zone: whatever the last charging status said, it is over.
    s.charging = false;
    setCharging(s.detector, false);
    const current = s.odometerKm;
    const acknowledged = s.acknowledgedKm;
    // The car may have covered some distance before anything told us it moved.
    const startKm = current !== null && acknowledged !== null && acknowledged < current ? acknowledged : current;
    s.acknowledgedKm = current;
    s.trip = startTrip(startedAt, reason, startKm, s.lastFix);
    s.moving = true;
    out.push(
      { metric: 'motion', payload: true, at: now, attributes: { reason, since: iso(startedAt) } },
      {
        metric: 'trip',
        payload: 'started',
        at: now,
        attributes: { reason, started_at: iso(startedAt), odometer_km: startKm === null ? null : round(startKm, 2) },
      },
    );
  }

  private stop(out: MotionOutput[], now: number, reason: MotionReason, at: number | null): void {
    const s = this.s;
    if (s.moving === false) return;
    const trip = s.trip;
    // When the car stopped, as far as the evidence says (the first parked fix, the unlock, BMW's timestamp): the
    // conclusion can come minutes later, the trip's end should not.
    const endedAt = Math.max(Math.min(at ?? now, now), trip?.startedAt ?? -Infinity);
    s.moving = false;
    out.push({ metric: 'motion', payload: false, at: now, attributes: { reason, since: iso(endedAt) } });
    if (!trip) return;
    const distance = tripDistance(trip, s.odometerKm);
    s.trip = null;
    s.acknowledgedKm = s.odometerKm;
    out.push({
      metric: 'trip',
      payload: 'ended',
      at: now,
      attributes: {
        reason,
        distance_km: distance.km === null ? null : round(distance.km, 2),
        distance_source: distance.source,
        started_at: iso(trip.startedAt),
        ended_at: iso(endedAt),
        duration_s: Math.round((endedAt - trip.startedAt) / 1000),
        odometer_km: s.odometerKm === null ? null : round(s.odometerKm, 2),
      },
    });
  }
}
