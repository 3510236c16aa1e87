import assert from 'node:assert/strict';
import { ManualClock, ScaledClock } from '../../src/cardata/clock';

describe('ManualClock', () => {
  it('fires timers in due order, equal due times in the order they were set, and reads the due time inside', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 200);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 100);
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 200);
    clock.advance(150);
    assert.deepEqual(fired, ['a@100']);
    assert.equal(clock.now(), 150);
    clock.advance(50);
    assert.deepEqual(fired, ['a@100', 'b@200', 'c@200']);
  });

  it('runs timers set by timers within the same advance, and never runs cancelled ones', () => {
    const clock = new ManualClock(0);
    let ticks = 0;
    const tick = (): void => {
      ticks++;
      clock.setTimeout(tick, 30_000);
    };
    clock.setTimeout(tick, 30_000);
    const cancelled = clock.setTimeout(() => assert.fail('cancelled timer ran'), 45_000);
    clock.clearTimeout(cancelled);
    clock.advance(3_600_000);
    assert.equal(ticks, 120);
    assert.equal(clock.pending(), 1);
  });

  it('lets promise chains settle between timers with advanceAsync', async () => {
    const clock = new ManualClock(0);
    const seen: number[] = [];
    clock.setTimeout(() => {
      void Promise.resolve().then(() => clock.setTimeout(() => seen.push(clock.now()), 10));
    }, 10);
    await clock.advanceAsync(100, 5);
    assert.deepEqual(seen, [20]);
  });
});

describe('ScaledClock', () => {
  it('runs faster than its base and schedules in scaled time', () => {
    const base = new ManualClock(1_000);
    const sim = new ScaledClock(base, 60, 5_000_000);
    let firedAt = 0;
    sim.setTimeout(() => (firedAt = sim.now()), 60_000);
    base.advance(999);
    assert.equal(firedAt, 0);
    base.advance(1);
    assert.equal(firedAt, 5_060_000);
    assert.equal(sim.now(), 5_060_000);
  });

  it('refuses a speed that is not positive', () => {
    assert.throws(() => new ScaledClock(new ManualClock(0), 0), /speed must be a positive number/);
  });
});
