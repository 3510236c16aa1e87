/**
 * reference/algorithms.md §11 E, every vector: the detector's own answers (§6.2), the pairing's (§6.1), and what the
 * tracker makes of them. T0 = 2026-03-02T10:00:00Z, t in seconds; "local" is our arrival time.
 */
import assert from 'node:assert/strict';
import { LAT, LON, ODO, STAT } from '../../src/vehicle/motion/descriptors';
import { emptyPairing, pairFix, showFix, type Fix, type PairingState } from '../../src/vehicle/motion/gps-pairing';
import {
  emptyDetector,
  evaluate,
  gpsUpdate,
  mileageUpdate,
  setCharging,
  type DetectorState,
} from '../../src/vehicle/motion/motion-detector';
import { MotionTracker, type MotionOutput } from '../../src/vehicle/motion/tracker';
import type { Reading, ReadingValue } from '../../src/vehicle/readings';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const ms = (t: number) => T0 + t * 1000;
const M_PER_DEG = (6_371_000 * Math.PI) / 180;
/** A point `m` metres north of 50.0° N, 4.0° E. */
const north = (m: number) => ({ lat: 50 + m / M_PER_DEG, lon: 4.0 });

function reading(descriptor: string, value: ReadingValue, t: number | null, unit: string | null = null): Reading {
  return { descriptor, value, unit, measuredAt: t === null ? null : ms(t) };
}

function fixReadings(t: number, metres: number): Reading[] {
  const p = north(metres);
  return [reading(LAT, p.lat, t, 'degrees'), reading(LON, p.lon, t, 'degrees')];
}

const motions = (outputs: MotionOutput[]) => outputs.filter((o) => o.metric === 'motion').map((o) => o.payload);

describe('§11 E motion detector', () => {
  it('MD-01: the park zone holds up to 70 m, a fix beyond it is an escape', () => {
    const d = emptyDetector();
    const step = (t: number, metres: number) => {
      gpsUpdate(d, north(metres), ms(t));
      return evaluate(d, ms(t)).moving;
    };
    assert.equal(step(0, 0), false, 'first fix: anchor set');
    assert.equal(step(10, 50), false, 'between 35 and 70 m');
    assert.deepEqual(d.anchor, north(0), 'the anchor does not move for it');
    assert.equal(step(20, 60), false);
    assert.equal(step(30, 500), true, 'escape');
    assert.equal(step(90, 2000), true);

    const tracker = new MotionTracker();
    const seen = [0, 10, 20, 30, 90].map((t, i) => {
      tracker.ingest(fixReadings(t, [0, 50, 60, 500, 2000][i]), ms(t));
      return tracker.moving;
    });
    assert.deepEqual(seen, [false, false, false, true, true]);
  });

  it('MD-03: a GPS gap while driving stays moving for 5 min, then stops', () => {
    const d: DetectorState = emptyDetector();
    gpsUpdate(d, north(0), ms(0));
    gpsUpdate(d, north(500), ms(10));
    for (const t of [110, 140, 210, 309]) assert.equal(evaluate(d, ms(t)).moving, true, `t ${t}`);
    assert.equal(evaluate(d, ms(311)).moving, false);
    assert.equal(d.driving, false, 'driving mode cleared');
    assert.equal(evaluate(d, ms(400)).moving, false);

    const tracker = new MotionTracker();
    tracker.ingest(fixReadings(0, 0), ms(0));
    tracker.ingest(fixReadings(10, 500), ms(10));
    for (const t of [110, 140, 210, 309]) {
      tracker.check(ms(t));
      assert.equal(tracker.moving, true, `t ${t}`);
    }
    assert.deepEqual(motions(tracker.check(ms(311))), [false]);
  });

  it('MD-05: without GPS the odometer alone tells motion, for 7 min after it changed', () => {
    const d = emptyDetector();
    const step = (t: number, km?: number) => {
      if (km !== undefined) mileageUpdate(d, km, ms(t));
      return evaluate(d, ms(t)).moving;
    };
    assert.equal(step(0, 1000.0), null, 'baseline only');
    assert.equal(step(60, 1000.05), null, '+0.05 is not a change');
    assert.equal(step(120, 1001.0), true);
    assert.equal(step(539), true);
    assert.equal(step(541), null, 'the change is older than 7 min');
    mileageUpdate(d, 1002.0, ms(600));
    setCharging(d, true);
    assert.equal(evaluate(d, ms(601)).moving, false, 'charging');

    const tracker = new MotionTracker();
    const odo = (t: number, km: number) => tracker.ingest([reading(ODO, km, t, 'km')], ms(t));
    assert.deepEqual(odo(0, 1000.0), []);
    assert.deepEqual(odo(60, 1000.05), []);
    const rise = odo(120, 1001.0);
    assert.deepEqual(motions(rise), [true]);
    assert.ok(rise.some((o) => o.metric === 'trip' && o.payload === 'started'));
    assert.deepEqual(tracker.check(ms(539)), []);
    // Unknown after the window: the tracker ends the motion it started (docs/differences-motion.md).
    assert.deepEqual(motions(tracker.check(ms(541))), [false]);
    odo(600, 1002.0);
    const charging = tracker.ingest([reading(STAT, 'CHARGINGACTIVE', 610)], ms(610));
    assert.equal(tracker.moving, false);
    assert.ok(charging.some((o) => o.metric === 'motion' && o.payload === false && o.attributes.reason === 'charging'));
  });
});

describe('§11 E MD-06 GPS pairing', () => {
  const p = north(0);
  const lat = (state: PairingState, local: number, ts: number | null, value = p.lat) =>
    pairFix(state, { lat: { value, at: ms(local), measuredAt: ts === null ? null : ms(ts) } }, ms(local));
  const lon = (state: PairingState, local: number, ts: number | null, value = p.lon) =>
    pairFix(state, { lon: { value, at: ms(local), measuredAt: ts === null ? null : ms(ts) } }, ms(local));

  it('(a) timestamps equal, arrivals 2 s apart: paired by timestamp', () => {
    const s = emptyPairing();
    assert.equal(lat(s, 0, 0), null);
    const fix = lon(s, 2, 0);
    assert.equal(fix?.pairedBy, 'timestamp');
    assert.equal(fix?.lat, p.lat);
    assert.equal(fix?.lon, p.lon);
    assert.equal(fix?.measuredAt, ms(0));
  });

  it('(b) timestamps 8 s apart, arrivals 12 s apart: paired by arrival', () => {
    const s = emptyPairing();
    lat(s, 0, 0);
    const fix = lon(s, 12, 8);
    assert.equal(fix?.pairedBy, 'arrival');
    assert.equal(fix?.measuredAt, ms(8), 'the later measurement');
  });

  it('(c) timestamps and arrivals 40 s apart: not paired, waits', () => {
    const s = emptyPairing();
    lat(s, 0, 0);
    assert.equal(lon(s, 40, 40), null);
    assert.equal(lat(s, 42, 41)?.pairedBy, 'timestamp', 'the next latitude pairs with it');
  });

  it('(d) a latitude without timestamp pairs by arrival with a longitude that has one', () => {
    const s = emptyPairing();
    lat(s, 0, null);
    const fix = lon(s, 10, 10);
    assert.equal(fix?.pairedBy, 'arrival');
    assert.equal(fix?.measuredAt, ms(10));
  });

  it('(e) (0, 0) is rejected, 0 on one axis is valid, latitude 91 is ignored', () => {
    const s = emptyPairing();
    lat(s, 0, 0, 0);
    assert.equal(lon(s, 0, 0, 0), null);
    const equator = lon(s, 1, 0, 4.0);
    assert.deepEqual([equator?.lat, equator?.lon], [0, 4.0]);
    assert.equal(lat(s, 2, 1, 91), null);
    assert.equal(s.lat?.value, 0, 'the previous latitude stays');
  });

  it('(f) the shown position moves only for fixes ≥ 3 m away, or while moving', () => {
    const s = emptyPairing();
    const fix = (metres: number): Fix => ({
      ...north(metres),
      heading: null,
      measuredAt: ms(0),
      at: ms(0),
      pairedBy: 'timestamp',
    });
    assert.equal(showFix(s, fix(0), false), true, 'first fix');
    assert.equal(showFix(s, fix(2), false), false);
    assert.equal(showFix(s, fix(3.5), false), true);
    assert.equal(showFix(s, fix(4), true), true, 'moving: every fix');

    const tracker = new MotionTracker();
    const shown = [0, 1, 2, 5].map(
      (m, i) => tracker.ingest(fixReadings(i * 10, m), ms(i * 10)).filter((o) => o.metric === 'location').length,
    );
    assert.deepEqual(shown, [1, 0, 0, 1]);
  });
});
