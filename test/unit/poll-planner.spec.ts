import assert from 'node:assert/strict';
import { PollPlanner } from '../../src/vehicle/polling/poll-planner';
import type { Reading } from '../../src/vehicle/readings';

const VIN = 'WBA00000000000001';
const T0 = Date.parse('2026-03-02T10:00:00Z');
const MIN = 60_000;
const r = (descriptor: string, value: Reading['value']): Reading => ({ descriptor, value, unit: null, measuredAt: T0 });
const STAT = 'vehicle.drivetrain.electricEngine.charging.status';
const MOV = 'vehicle.isMoving';
const PH = 'vehicle.drivetrain.electricEngine.charging.phaseNumber';
const METH = 'vehicle.drivetrain.electricEngine.charging.method';

describe('poll planner (event-driven REST polling within a budget)', () => {
  it('polls right after a trip ends, and not again within the cooldown', () => {
    const planner = new PollPlanner();
    planner.observe(VIN, [r(MOV, true)], T0);
    assert.deepEqual(planner.due(T0), []);
    planner.observe(VIN, [r(MOV, false)], T0 + 10 * MIN);
    assert.deepEqual(planner.due(T0 + 10 * MIN), [{ vin: VIN, reason: 'trip_end' }]);
    planner.observe(VIN, [r(MOV, true)], T0 + 12 * MIN);
    planner.observe(VIN, [r(MOV, false)], T0 + 15 * MIN);
    assert.deepEqual(planner.due(T0 + 15 * MIN), [], 'second trip end within 10 min: skipped');
    planner.observe(VIN, [r(MOV, true)], T0 + 30 * MIN);
    planner.observe(VIN, [r(MOV, false)], T0 + 31 * MIN);
    assert.deepEqual(planner.due(T0 + 31 * MIN), [{ vin: VIN, reason: 'trip_end' }]);
  });

  it('polls when a charge ends', () => {
    const planner = new PollPlanner();
    planner.observe(VIN, [r(STAT, 'CHARGINGACTIVE'), r(METH, 'DC'), r(PH, '1-PHASES')], T0);
    assert.deepEqual(planner.due(T0 + 5 * MIN), []);
    planner.observe(VIN, [r(STAT, 'CHARGINGENDED')], T0 + 40 * MIN);
    assert.deepEqual(planner.due(T0 + 40 * MIN), [{ vin: VIN, reason: 'charge_end' }]);
  });

  it('asks for the phase count a minute after an AC start without one, unless it arrives in time', () => {
    const planner = new PollPlanner();
    planner.observe(VIN, [r(STAT, 'CHARGINGACTIVE'), r(METH, 'AC_TYPE2PLUG')], T0);
    assert.deepEqual(planner.due(T0 + 59_000), []);
    assert.deepEqual(planner.due(T0 + 60_000), [{ vin: VIN, reason: 'phase_count' }]);

    const late = new PollPlanner();
    late.observe(VIN, [r(STAT, 'CHARGINGACTIVE'), r(METH, 'AC_TYPE2PLUG')], T0);
    late.observe(VIN, [r(PH, '3-PHASES')], T0 + 8000); // BMW sends it up to 10 s after the status
    assert.deepEqual(late.due(T0 + 2 * MIN), []);

    const same = new PollPlanner();
    same.observe(VIN, [r(STAT, 'CHARGINGACTIVE'), r(PH, '3-PHASES')], T0);
    assert.deepEqual(same.due(T0 + 2 * MIN), [], 'a phase count in the start message counts');
  });

  it('polls a vehicle that went quiet, spreading half the budget over the day', () => {
    const planner = new PollPlanner({ dailyBudget: 24 });
    planner.track(VIN, T0);
    assert.deepEqual(planner.due(T0 + 119 * MIN), []);
    assert.deepEqual(planner.due(T0 + 120 * MIN), [{ vin: VIN, reason: 'stale' }]);
    assert.deepEqual(planner.due(T0 + 130 * MIN), []);
    assert.deepEqual(planner.due(T0 + 240 * MIN), [{ vin: VIN, reason: 'stale' }]);
    assert.equal(planner.nextWakeAt(T0 + 240 * MIN), T0 + 360 * MIN);
  });

  it('never spends more than the daily budget in any 24 h, charge ends first', () => {
    const planner = new PollPlanner({ dailyBudget: 3, eventCooldownMs: 0 });
    let polls = 0;
    for (let i = 0; i < 48; i++) {
      const t = T0 + i * 30 * MIN;
      planner.observe(VIN, [r(MOV, true)], t);
      planner.observe(VIN, [r(MOV, false)], t + MIN);
      polls += planner.due(t + MIN).length;
    }
    assert.equal(polls, 3, 'three in the first day, then the window is still full for 24 h from the first');
    const both = new PollPlanner({ dailyBudget: 1 });
    both.observe('WBA00000000000002', [r(MOV, true)], T0);
    both.observe('WBA00000000000002', [r(MOV, false)], T0 + MIN);
    both.observe(VIN, [r(STAT, 'CHARGINGACTIVE'), r(METH, 'DC')], T0);
    both.observe(VIN, [r(STAT, 'NOCHARGING')], T0 + MIN);
    assert.deepEqual(both.due(T0 + MIN), [{ vin: VIN, reason: 'charge_end' }]);
    assert.equal(both.budgetLeft(T0 + MIN), 0);
  });

  it('survives a restart through its snapshot, spent calls included', () => {
    const planner = new PollPlanner({ dailyBudget: 2 });
    planner.observe(VIN, [r(MOV, true)], T0);
    planner.observe(VIN, [r(MOV, false)], T0 + MIN);
    planner.due(T0 + MIN);
    planner.observe(VIN, [r(STAT, 'CHARGINGACTIVE'), r(METH, 'AC')], T0 + 20 * MIN);
    const restored = new PollPlanner({ dailyBudget: 2 }, JSON.parse(JSON.stringify(planner.snapshot())));
    assert.equal(restored.budgetLeft(T0 + 21 * MIN), 1);
    assert.deepEqual(restored.due(T0 + 21 * MIN), [{ vin: VIN, reason: 'phase_count' }]);
  });
});
