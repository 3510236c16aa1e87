/** The odometer sanity filter (reference/algorithms.md §6.4). */
import assert from 'node:assert/strict';
import { acceptOdometer, emptyOdometer, toKm } from '../../src/vehicle/motion/odometer-filter';

describe('§6.4 odometer sanity filter', () => {
  it('accepts the first reading, then readings from −1.0 to +2000 of the stored one', () => {
    const s = emptyOdometer();
    assert.equal(acceptOdometer(s, 12000, 'km'), 12000);
    assert.equal(acceptOdometer(s, 11999, 'km'), 11999, '−1.0 is a rounding wobble');
    assert.equal(acceptOdometer(s, 13999, 'km'), 13999, '+2000');
    assert.equal(acceptOdometer(s, 13997.9, 'km'), null, '−1.1');
    assert.equal(acceptOdometer(s, 16000, 'km'), null, '+2001');
    assert.equal(s.value, 13999);
  });

  it('holds an implausible reading back until a second one within 1.0 corroborates it', () => {
    const s = emptyOdometer();
    acceptOdometer(s, 12000, 'km');
    assert.equal(acceptOdometer(s, 50000, 'km'), null);
    assert.equal(acceptOdometer(s, 60000, 'km'), null, 'not within 1.0 of the held one');
    assert.equal(acceptOdometer(s, 60000.8, 'km'), 60000.8);
    assert.equal(s.pending, null);
  });

  it('compares across units when both are known and keeps the new unit', () => {
    const s = emptyOdometer();
    acceptOdometer(s, 1000, 'km');
    const km = acceptOdometer(s, 621.6, 'mi');
    assert.ok(km !== null && Math.abs(km - 621.6 * 1.609344) < 1e-9);
    assert.equal(s.unit, 'mi');
  });

  it('reads a bare number in the other unit when only that fits, and inherits the unit otherwise', () => {
    const s = emptyOdometer();
    acceptOdometer(s, 1000, 'km');
    const km = acceptOdometer(s, 621.5, null); // 1000.2 km
    assert.equal(s.unit, 'mi');
    assert.ok(km !== null && Math.abs(km - 621.5 * 1.609344) < 1e-9);
    assert.equal(acceptOdometer(s, 622, null), toKm(622, 'mi'), 'inherits mi');
  });
});
