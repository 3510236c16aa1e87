/** Trip start and end (reference/algorithms.md §6.3), the location output, and the tracker's snapshot. */
import assert from 'node:assert/strict';
import { HEADING, LAT, LON, MOV, ODO, STAT } from '../../src/vehicle/motion/descriptors';
import { MotionTracker, type MotionOutput } from '../../src/vehicle/motion/tracker';
import type { Reading, ReadingValue } from '../../src/vehicle/readings';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const ms = (t: number) => T0 + t * 1000;
const iso = (t: number) => new Date(ms(t)).toISOString();
const M_PER_DEG = (6_371_000 * Math.PI) / 180;
const north = (m: number) => ({ lat: 50 + m / M_PER_DEG, lon: 4.0 });

function reading(descriptor: string, value: ReadingValue, t: number | null, unit: string | null = null): Reading {
  return { descriptor, value, unit, measuredAt: t === null ? null : ms(t) };
}
const odo = (km: number, t: number) => reading(ODO, km, t, 'km');
const mov = (value: boolean, t: number) => reading(MOV, value, t);
function fix(t: number, metres: number): Reading[] {
  const p = north(metres);
  return [reading(LAT, p.lat, t), reading(LON, p.lon, t)];
}

const trips = (outputs: MotionOutput[]) => outputs.filter((o) => o.metric === 'trip');

describe('§6.3 trips from BMW’s isMoving', () => {
  it('isMoving true starts a trip, false ends it, with the odometer’s distance', () => {
    const tracker = new MotionTracker();
    const start = tracker.ingest([odo(1000, 0), mov(true, 0)], ms(2));
    assert.deepEqual(
      start.map((o) => [o.metric, o.payload]),
      [
        ['motion', true],
        ['trip', 'started'],
      ],
    );
    assert.deepEqual(start[1].attributes, {
      reason: 'is_moving',
      started_at: iso(0),
      odometer_km: 1000,
    });
    assert.equal(start[1].at, ms(2));
    assert.deepEqual(tracker.ingest([odo(1005, 600)], ms(600)), [], 'odometer while driving');
    assert.deepEqual(tracker.ingest([mov(true, 700)], ms(700)), [], 'a repeated true is no new trip');
    const [ended] = trips(tracker.ingest([odo(1012.5, 1200), mov(false, 1200)], ms(1203)));
    assert.deepEqual(ended.attributes, {
      reason: 'is_moving',
      distance_km: 12.5,
      distance_source: 'odometer',
      started_at: iso(0),
      ended_at: iso(1200),
      duration_s: 1200,
      odometer_km: 1012.5,
    });
  });

  it('the key order inside a message does not matter', () => {
    const run = (first: Reading[], second: Reading[]) => {
      const tracker = new MotionTracker();
      return [...tracker.ingest(first, ms(0)), ...tracker.ingest(second, ms(900))];
    };
    assert.deepEqual(
      run([mov(true, 0), odo(1000, 0)], [mov(false, 900), odo(1010, 900)]),
      run([odo(1000, 0), mov(true, 0)], [odo(1010, 900), mov(false, 900)]),
    );
  });

  it('without an odometer the distance is the sum of GPS steps', () => {
    const tracker = new MotionTracker();
    tracker.ingest([...fix(0, 0), mov(true, 0)], ms(0));
    tracker.ingest(fix(60, 800), ms(60));
    tracker.ingest(fix(120, 1600), ms(120));
    const [ended] = trips(tracker.ingest([...fix(180, 2000), mov(false, 180)], ms(180)));
    assert.equal(ended.attributes.distance_source, 'gps');
    assert.equal(ended.attributes.distance_km, 2);
  });

  it('with neither, the distance is unknown (null), not zero', () => {
    const tracker = new MotionTracker();
    tracker.ingest([mov(true, 0)], ms(0));
    const [ended] = trips(tracker.ingest([mov(false, 60)], ms(60)));
    assert.equal(ended.attributes.distance_km, null);
    assert.equal(ended.attributes.distance_source, null);
  });

  it('a charge that starts ends the trip', () => {
    const tracker = new MotionTracker();
    tracker.ingest([odo(1000, 0), mov(true, 0)], ms(0));
    const out = tracker.ingest([odo(1020, 1800), reading(STAT, 'CHARGINGACTIVE', 1800)], ms(1800));
    const [ended] = trips(out);
    assert.equal(ended.payload, 'ended');
    assert.equal(ended.attributes.reason, 'charging');
    assert.equal(ended.attributes.distance_km, 20);
  });

  it('the odometer a car sends after it was plugged in does not start a trip', () => {
    const tracker = new MotionTracker();
    tracker.ingest([odo(1000, 0), mov(true, 0)], ms(0));
    const [ended] = trips(tracker.ingest([odo(1020, 600), reading(STAT, 'CHARGINGACTIVE', 600)], ms(600)));
    assert.equal(ended.attributes.distance_km, 20);
    // isMoving is still true (its false never came) when the car's last odometer arrives.
    assert.deepEqual(tracker.ingest([odo(1020.4, 590)], ms(610)), []);
    assert.equal(tracker.moving, false);
    tracker.ingest([reading(STAT, 'NOCHARGING', 3600), mov(false, 3600)], ms(3600));
    const [next] = trips(tracker.ingest([mov(true, 7200)], ms(7200)));
    assert.equal(next.attributes.odometer_km, 1020.4, 'the late 0.4 km is not billed to the next trip');
  });

  it('an odometer rise while BMW still says moving starts a trip again, from before the rise', () => {
    const tracker = new MotionTracker();
    tracker.ingest([odo(1000, 0), mov(true, 0)], ms(0));
    tracker.ingest([reading(STAT, 'CHARGINGACTIVE', 600)], ms(600)); // ends it; isMoving stays true
    tracker.ingest([reading(STAT, 'NOCHARGING', 900)], ms(900));
    const [started] = trips(tracker.ingest([odo(1002, 960)], ms(960)));
    assert.equal(started.payload, 'started');
    assert.equal(started.attributes.reason, 'odometer');
    assert.equal(started.attributes.odometer_km, 1000, 'the rise that revealed the trip belongs to it');
  });

  it('a SOC arriving while BMW still says moving is no trip trigger (differences-motion.md #12)', () => {
    const tracker = new MotionTracker();
    tracker.ingest([odo(1000, 0), mov(true, 0)], ms(0));
    tracker.ingest([reading(STAT, 'CHARGINGACTIVE', 600)], ms(600));
    tracker.ingest([reading(STAT, 'NOCHARGING', 900)], ms(900));
    const soc = reading('vehicle.drivetrain.batteryManagement.header', 64, 960, '%');
    assert.deepEqual(tracker.ingest([soc], ms(960)), []);
  });

  it('a rise while nothing says the car moves is acknowledged, not billed to the next trip', () => {
    const tracker = new MotionTracker();
    tracker.ingest([odo(1000, 0), mov(false, 0)], ms(0));
    assert.deepEqual(trips(tracker.ingest([odo(1005, 60)], ms(60))), []);
    tracker.ingest([mov(true, 120)], ms(120));
    const [ended] = trips(tracker.ingest([odo(1010, 600), mov(false, 600)], ms(600)));
    assert.equal(ended.attributes.distance_km, 5);
  });

  it('cars that send isMoving get no timed checks: their own flag ends the trip', () => {
    const tracker = new MotionTracker();
    tracker.ingest([...fix(0, 0), mov(true, 0)], ms(0));
    assert.equal(tracker.nextCheck(ms(0)), null);
    assert.deepEqual(tracker.check(ms(3600)), []);
    assert.equal(tracker.moving, true);
  });

  it('the safety net ends a trip the detector does not support (a car without isMoving)', () => {
    const before = new MotionTracker();
    before.ingest([odo(1000, 0)], ms(0));
    const snapshot = before.snapshot();
    // A trip open in the file, but nothing the detector knows says the car moves.
    snapshot.trip = { startedAt: ms(0), reason: 'gps', startOdometerKm: 1000, gpsDistanceM: 0, lastPoint: null };
    const tracker = new MotionTracker(JSON.parse(JSON.stringify(snapshot)));
    assert.equal(tracker.moving, true);
    const [ended] = trips(tracker.check(ms(60)));
    assert.equal(ended.attributes.reason, 'no_motion');
  });
});

describe('the location output', () => {
  it('carries the paired position, its measurement time and the heading sent with it', () => {
    const tracker = new MotionTracker();
    const p = north(0);
    assert.deepEqual(tracker.ingest([reading(LAT, p.lat, 0), reading(HEADING, 212, 0)], ms(1)), []);
    const [location, motion] = tracker.ingest([reading(LON, p.lon, 21)], ms(22));
    assert.equal(location.metric, 'location');
    assert.deepEqual([motion.metric, motion.payload, motion.attributes.reason], ['motion', false, 'parked']);
    assert.deepEqual(location.payload, { lat: p.lat, lon: p.lon, heading: 212 });
    assert.equal(location.at, ms(21), 'BMW’s later timestamp of the pair');
    assert.deepEqual(location.attributes, {
      latitude: p.lat,
      longitude: p.lon,
      heading: 212,
      moving: false, // the first fix: parked until it leaves the park zone
      paired_by: 'arrival',
    });
  });

  it('a heading measured far from the position is not attached to it', () => {
    const tracker = new MotionTracker();
    tracker.ingest([reading(HEADING, 90, 0)], ms(0));
    const [location] = tracker.ingest(fix(120, 0), ms(120));
    assert.equal((location.payload as { heading: unknown }).heading, null);
  });
});

describe('the snapshot', () => {
  it('survives JSON and continues an open trip where it stopped', () => {
    const live = new MotionTracker();
    live.ingest([...fix(0, 0), odo(1000, 0), mov(true, 0)], ms(0));
    live.ingest(fix(60, 900), ms(60));
    const restored = new MotionTracker(JSON.parse(JSON.stringify(live.snapshot())));
    assert.deepEqual(restored.state, live.state);
    const end = (t: MotionTracker) => t.ingest([odo(1003, 300), mov(false, 300)], ms(300));
    assert.deepEqual(end(restored), end(live));
  });

  it('anything unreadable starts afresh, field by field', () => {
    assert.deepEqual(new MotionTracker({ version: 99 }).state, new MotionTracker().state);
    const odd = new MotionTracker({ version: 1, moving: 'yes', detector: { readings: [{ lat: 'x' }], driving: 1 } });
    assert.equal(odd.moving, null);
    assert.deepEqual(odd.state.detector.readings, []);
    assert.equal(odd.state.detector.driving, false);
  });
});
