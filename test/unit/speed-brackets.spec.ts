/** Speed brackets and units (reference/algorithms.md §11 D, TR-01). */
import assert from 'node:assert/strict';
import { knotsToKmh } from '../../src/traccar/units';
import { speedBracket } from '../../src/vehicle/driving/speed-brackets';

describe('speed brackets (TR-01)', () => {
  it('maps km/h to brackets with inclusive lower bounds', () => {
    const cases: [number, string][] = [
      [0, 'traffic_jam'],
      [19.99, 'traffic_jam'],
      [20, 'city'],
      [59.9, 'city'],
      [60, 'suburban'],
      [99.99, 'suburban'],
      [100, 'highway'],
      [129.9, 'highway'],
      [130, 'fast_highway'],
      [250, 'fast_highway'],
    ];
    for (const [kmh, bracket] of cases) assert.equal(speedBracket(kmh), bracket, `${kmh} km/h`);
  });

  it('gives no bracket for a negative or NaN speed (the reference’s quirk put it in fast_highway, §12.4 #27)', () => {
    assert.equal(speedBracket(-5), null);
    assert.equal(speedBracket(Number.NaN), null);
    assert.equal(speedBracket(null), null);
  });

  it('converts Traccar’s knots', () => {
    assert.equal(speedBracket(knotsToKmh(54)), 'highway');
    assert.ok(Math.abs(knotsToKmh(54) - 100.008) < 1e-9);
    assert.equal(speedBracket(knotsToKmh(10.8)), 'city');
    assert.equal(speedBracket(knotsToKmh(10.79)), 'traffic_jam');
    assert.equal(speedBracket(knotsToKmh(70.2)), 'fast_highway');
  });
});
