/**
 * Where reference/algorithms.md §12.5 (and §6.4's ⚠) names a weakness of motion and trip detection, we do better.
 * Each test states the reference's outcome and checks ours; docs/differences-motion.md lists them all.
 */
import assert from 'node:assert/strict';
import { DOOR, LAT, LON, MOV, ODO } from '../../src/vehicle/motion/descriptors';
import { emptyPairing, pairFix } from '../../src/vehicle/motion/gps-pairing';
import { doorUpdate, emptyDetector } from '../../src/vehicle/motion/motion-detector';
import { MotionTracker, type MotionOutput } from '../../src/vehicle/motion/tracker';
import { addGpsStep, startTrip } from '../../src/vehicle/motion/trip';
import type { Reading, ReadingValue } from '../../src/vehicle/readings';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const ms = (t: number) => T0 + t * 1000;
const iso = (t: number) => new Date(ms(t)).toISOString();
const M_PER_DEG = (6_371_000 * Math.PI) / 180;
const north = (m: number) => ({ lat: 50 + m / M_PER_DEG, lon: 4.0 });

function reading(descriptor: string, value: ReadingValue, t: number | null, unit: string | null = null): Reading {
  return { descriptor, value, unit, measuredAt: t === null ? null : ms(t) };
}

/** A fix `metres` north, arriving at `t`, measured at `measured` (default: t). */
function fix(t: number, metres: number, measured: number = t): Reading[] {
  const p = north(metres);
  return [reading(LAT, p.lat, measured), reading(LON, p.lon, measured)];
}

const of = (outputs: MotionOutput[], metric: string, payload?: unknown) =>
  outputs.filter((o) => o.metric === metric && (payload === undefined || o.payload === payload));

describe('§12.5 #32: GPS pairing never builds a position the car did not send', () => {
  it('a new latitude does not pair by arrival with the longitude of the previous fix', () => {
    const s = emptyPairing();
    const sample = (value: number, t: number) => ({ value, at: ms(t), measuredAt: ms(t) });
    assert.ok(pairFix(s, { lat: sample(50.0, 0), lon: sample(4.0, 0) }, ms(0)));
    // Reference: (50.009, 4.0) at t 10 — paired by arrival (10 s ≤ 30 s), a position ~700 m off the road.
    assert.equal(pairFix(s, { lat: sample(50.009, 10) }, ms(10)), null);
    const next = pairFix(s, { lon: sample(4.01, 12) }, ms(12));
    assert.deepEqual([next?.lat, next?.lon, next?.pairedBy], [50.009, 4.01, 'timestamp']);
  });

  it('a coordinate measured before the stored one (re-delivered) is ignored', () => {
    const s = emptyPairing();
    pairFix(s, { lat: { value: 50.0, at: ms(0), measuredAt: ms(100) } }, ms(0));
    pairFix(s, { lat: { value: 48.0, at: ms(1), measuredAt: ms(50) } }, ms(1));
    assert.equal(s.lat?.value, 50.0);
  });
});

describe('§12.5 #31: arrivals end when the car stopped, and are seen when they happen', () => {
  /** A car without isMoving: parked at 0, leaves at t 10, drives, stops at 4000 m at t 300. */
  function drive(): { tracker: MotionTracker; outputs: MotionOutput[] } {
    const tracker = new MotionTracker();
    const outputs: MotionOutput[] = [];
    const step = (t: number, metres: number) => outputs.push(...tracker.ingest(fix(t, metres), ms(t)));
    step(0, 0);
    step(10, 500);
    step(100, 1500);
    step(200, 3000);
    step(300, 4000);
    step(301, 4002);
    step(302, 4001);
    return { tracker, outputs };
  }

  it('confirmed parking stops the motion at once; the trip ends when the car stopped', () => {
    const { tracker, outputs } = drive();
    assert.equal(of(outputs, 'trip', 'started').length, 1);
    assert.equal(tracker.moving, true, 'a burst within a second does not prove a stop');
    const confirmed = tracker.ingest(fix(395, 4000), ms(395));
    // Reference: still moving until t 420 (2 min after the first parked fix), then the next heartbeat.
    assert.equal(tracker.moving, false);
    const [ended] = of(confirmed, 'trip', 'ended');
    assert.equal(ended.attributes.reason, 'parked');
    assert.equal(ended.attributes.ended_at, iso(300), 'backdated to the first parked fix');
    assert.equal(ended.attributes.started_at, iso(10));
    assert.equal(ended.attributes.duration_s, 290);
    assert.equal(ended.at, ms(395), 'the message time is when we concluded');
    // The step out of the park zone counts: 500 + 1000 + 1500 + 1000 m, plus 4 m of jitter.
    assert.equal(ended.attributes.distance_source, 'gps');
    assert.equal(ended.attributes.distance_km, 4);
  });

  it('a stop is evaluated at the instant it becomes true, not at the next heartbeat', () => {
    const tracker = new MotionTracker();
    tracker.ingest([reading(DOOR, 'LOCKED', 0), ...fix(0, 0)], ms(0));
    tracker.ingest(fix(10, 500), ms(10));
    tracker.ingest(fix(100, 1500), ms(100));
    tracker.ingest([reading(DOOR, 'UNLOCKED', 150)], ms(150));
    assert.equal(tracker.moving, true, 'the door grace: the lock can lead the last fixes');
    assert.equal(tracker.nextCheck(ms(150)), ms(180));
    assert.deepEqual(tracker.check(ms(179)), []);
    const [ended] = of(tracker.check(ms(180)), 'trip', 'ended');
    assert.equal(ended.attributes.reason, 'door');
    assert.equal(ended.attributes.ended_at, iso(150));
  });

  it('GPS catching up after BMW said the car stopped does not start a phantom trip', () => {
    const tracker = new MotionTracker();
    tracker.ingest([...fix(0, 0), reading(MOV, false, 0)], ms(0));
    tracker.ingest([reading(MOV, true, 100)], ms(100));
    const end = tracker.ingest([reading(MOV, false, 700)], ms(700));
    assert.equal(of(end, 'trip', 'ended').length, 1);
    // Reference: a fix 5 km away is an escape from the old park zone → trip_started.
    const late = tracker.ingest(fix(705, 5000, 690), ms(705));
    assert.deepEqual(of(late, 'trip'), []);
    assert.equal(tracker.moving, false);
    assert.deepEqual(of(tracker.ingest(fix(800, 5010), ms(800)), 'trip'), [], 'parked at the new place');
    // A fix measured after the stop that is far away is a departure.
    assert.equal(of(tracker.ingest(fix(900, 6000), ms(900)), 'trip', 'started').length, 1);
  });

  it('an unlock long ago does not pin the car to its park zone', () => {
    const tracker = new MotionTracker();
    tracker.ingest([reading(DOOR, 'LOCKED', 0), ...fix(0, 0)], ms(0));
    tracker.ingest([reading(DOOR, 'UNLOCKED', 10)], ms(10));
    // Reference: any unlock makes a far fix "GPS catching up", so this car never moves again.
    assert.equal(of(tracker.ingest(fix(3600, 500), ms(3600)), 'trip', 'started').length, 1);

    const arriving = new MotionTracker();
    arriving.ingest([reading(DOOR, 'LOCKED', 0), ...fix(0, 0)], ms(0));
    arriving.ingest([reading(DOOR, 'UNLOCKED', 3590)], ms(3590));
    assert.deepEqual(of(arriving.ingest(fix(3600, 500), ms(3600)), 'trip'), [], 'a fresh unlock still does');
  });

  it('SELECTIVE-LOCKED (the catalogue spelling) is a locked state like SELECTIVELOCKED', () => {
    const d = emptyDetector();
    doorUpdate(d, 'SELECTIVE-LOCKED', ms(0));
    doorUpdate(d, 'UNLOCKED', ms(5));
    // Reference: `selective-locked` is not in its set, so the unlock went unnoticed.
    assert.equal(d.doorUnlockedAt, ms(5));
  });
});

describe('§6.4 ⚠: only accepted odometer readings reach motion and trips', () => {
  it('a rejected glitch neither moves the detector nor starts a trip', () => {
    const tracker = new MotionTracker();
    const odo = (t: number, km: number) => tracker.ingest([reading(ODO, km, t, 'km')], ms(t));
    assert.deepEqual(odo(0, 12000), []);
    // Reference: the filter guards only the stored value; the raw 99999 moved the detector → moving, trip.
    assert.deepEqual(odo(60, 99999), []);
    assert.deepEqual(odo(120, 12000.05), []);
    assert.equal(tracker.state.detector.mileageKm, 12000);
    assert.equal(tracker.moving, null);
  });

  it('an odometer in miles gives the trip distance in km', () => {
    const tracker = new MotionTracker();
    tracker.ingest([reading(ODO, 100, 0, 'mi'), reading(MOV, true, 0)], ms(0));
    const [ended] = of(tracker.ingest([reading(ODO, 110, 900, 'mi'), reading(MOV, false, 900)], ms(900)), 'trip');
    // Reference: 10 (miles used as km).
    assert.equal(ended.attributes.distance_km, 16.09);
    assert.equal(ended.attributes.distance_source, 'odometer');
  });

  it('after a restart the first reading is filtered like any other (the snapshot is exact)', () => {
    const before = new MotionTracker();
    before.ingest([reading(ODO, 12000, 0, 'km')], ms(0));
    const after = new MotionTracker(JSON.parse(JSON.stringify(before.snapshot())));
    // Reference: the first reading after a restart is trusted unconditionally.
    after.ingest([reading(ODO, 50000, 60, 'km')], ms(60));
    assert.equal(after.state.odometerKm, 12000);
    after.ingest([reading(ODO, 50000.5, 120, 'km')], ms(120));
    assert.equal(after.state.odometerKm, 50000.5, 'a second reading corroborates a real jump');
  });
});

describe('§4.8 for trips: GPS steps are judged by the speed they imply', () => {
  it('counts a 4 km step over 150 s, drops a 5 km jump in 10 s', () => {
    const trip = startTrip(ms(0), 'gps', null, { ...north(0), measuredAt: ms(0) });
    addGpsStep(trip, { ...north(4000), measuredAt: ms(150) });
    // Reference: 0 — every step over 2000 m is a jump, at any speed.
    assert.ok(Math.abs(trip.gpsDistanceM - 4000) < 0.01);
    addGpsStep(trip, { ...north(9000), measuredAt: ms(160) });
    assert.ok(Math.abs(trip.gpsDistanceM - 4000) < 0.01, '1800 km/h is a glitch');
    addGpsStep(trip, { ...north(9100), measuredAt: ms(165) });
    assert.ok(Math.abs(trip.gpsDistanceM - 4100) < 0.01, 'the reference point moved on');
  });
});

describe('ambiguity: motion whose only evidence ran out', () => {
  it('a trip the odometer started ends when the odometer’s 7 min window closes, backdated to its last change', () => {
    const tracker = new MotionTracker();
    tracker.ingest([reading(ODO, 1000, 0, 'km')], ms(0));
    tracker.ingest([reading(ODO, 1003, 120, 'km')], ms(120));
    assert.equal(tracker.nextCheck(ms(120)), ms(540));
    // Reference: the rise is acknowledged before the heartbeat sees the motion, so the trip starts at 1003; and the
    // detector's "unknown" afterwards neither ends the trip nor trips the heartbeat's safety net.
    const [ended] = of(tracker.check(ms(540)), 'trip', 'ended');
    assert.equal(ended.attributes.reason, 'odometer_stale');
    assert.equal(ended.attributes.ended_at, iso(120));
    assert.equal(ended.attributes.distance_km, 3);
  });
});
