import assert from 'node:assert/strict';
import { D } from '../../src/sim/vehicle/descriptors';
import { HOUR, START, runVehicle, values } from './vehicle-helpers';

const charge = [
  { plugIn: { type: 'AC3', currentA: 16, targetSoc: 80 } },
  { charge: {} },
  { park: { minutes: 20 } },
  { unplug: {} },
];

/** The streamed SOCs of a charge from 40 %, each with the car's true SOC at the instant BMW stamped it. */
function streamed(socQuantisation: 'round' | 'floor'): { value: number; truth: number }[] {
  const run = runVehicle('i4-edrive40', charge, { startSoc: 40.6, quirks: { socQuantisation } });
  const truth = new Map<number, number>();
  run.until(START + 6 * HOUR, (t) => truth.set(t, run.vehicle.model.soc));
  return values(run.messages, D.soc)
    .filter((v) => truth.has(v.measured))
    .map((v) => ({ value: v.value as number, truth: truth.get(v.measured)! }));
}

// A few seconds between the model's step and BMW's timestamp move an 11 kW charge by less than this.
const SLACK = 0.05;

describe('simulated vehicle: whole-percent SOC, rounded or floored (quirk socQuantisation)', () => {
  it('rounds by default: the value is within half a point of the truth, often above it', () => {
    const socs = streamed('round');
    assert.ok(socs.length >= 10, String(socs.length));
    for (const s of socs) assert.ok(Math.abs(s.value - s.truth) <= 0.5 + SLACK, JSON.stringify(s));
    assert.ok(socs.some((s) => s.value > s.truth + SLACK));
  });

  it('floors when asked: the value is never above the truth and less than a point below it', () => {
    const socs = streamed('floor');
    assert.ok(socs.length >= 10, String(socs.length));
    for (const s of socs) assert.ok(s.value <= s.truth + SLACK && s.truth < s.value + 1 + SLACK, JSON.stringify(s));
    assert.ok(
      socs.some((s) => Math.round(s.truth) !== s.value),
      'some values differ from the rounded ones',
    );
  });
});
