import assert from 'node:assert/strict';
import {
  addSpeedReading,
  emptySpeedEstimate,
  estimatedKm,
  speedEstimateFromJSON,
} from '../../src/vehicle/driving/speed-estimate';

describe('Traccar speed estimate between BMW’s measurements', () => {
  it('starts again when BMW measures, counting only what came after the measurement', () => {
    const estimate = emptySpeedEstimate();
    addSpeedReading(estimate, 120, 0, 0);
    assert.equal(estimatedKm(estimate, 30_000, 0), 1);
    // BMW measured at 20 s: the reading's window counts from there.
    assert.equal(estimatedKm(estimate, 30_000, 20_000), (120 * 10) / 3600);
    addSpeedReading(estimate, 120, 60_000, 20_000);
    assert.equal(estimatedKm(estimate, 60_000, 20_000), (120 * 40) / 3600);
  });

  it('never counts backwards for a reading older than the last one', () => {
    const estimate = emptySpeedEstimate();
    addSpeedReading(estimate, 120, 60_000, 0);
    addSpeedReading(estimate, 120, 30_000, 0);
    assert.ok(estimatedKm(estimate, 30_000, 0) >= 0);
    assert.ok(estimatedKm(estimate, 90_000, 0) <= (120 * 120) / 3600);
  });

  it('reads a damaged or older saved estimate as an empty one', () => {
    for (const saved of [undefined, null, 'x', { from: 'a', km: 1, ms: 1 }, { from: 0, km: NaN, ms: 0 }]) {
      assert.deepEqual(speedEstimateFromJSON(saved), emptySpeedEstimate());
    }
    const kept = { from: 5, km: 1, ms: 30_000, fast: { kmh: 'fast', at: 0, countedUntil: 0 } };
    assert.deepEqual(speedEstimateFromJSON(kept), { from: 5, km: 1, ms: 30_000, fast: null });
    const whole = { from: 5, km: 1, ms: 30_000, fast: { kmh: 100, at: 0, countedUntil: 10 } };
    assert.deepEqual(speedEstimateFromJSON(JSON.parse(JSON.stringify(whole))), whole);
  });
});
