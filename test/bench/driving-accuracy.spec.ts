/**
 * The magic-SOC accuracy benchmark's harness (the quick variant): that it measures what it says, on every scenario,
 * the same way every run; and one bar the prediction must clear on the highway. Not a timed test.
 */
import assert from 'node:assert/strict';
import { DRIVING_START_MS, runDrivingBenchmark, type DrivingBenchResult } from '../../src/bench/driving-accuracy';
import { AFTER_TRIP_MS, runDrivingCar, type DrivingRun, type DrivingSample } from '../../src/bench/driving-harness';
import { drivingMarkdown } from '../../src/bench/driving-report';
import { drivingScenarios, QUICK_DRIVING_SIZE, scenarioSteps } from '../../src/bench/driving-scenarios';
import { ErrorStats } from '../../src/bench/stats';
import { getProfile } from '../../src/sim/vehicle/profiles';

function highwayCar(days: number, onSample?: (s: DrivingSample) => void): DrivingRun {
  const size = { quick: false, days };
  const scenario = drivingScenarios(size).find((s) => s.id === 'highway')!;
  return runDrivingCar({
    vin: 'WBABENCH0DR000999',
    profile: scenario.profile,
    seed: scenario.seed,
    startMs: DRIVING_START_MS,
    startSoc: 90,
    options: { model: scenario.model, capacityKwh: getProfile(scenario.profile).capacityKwh },
    steps: scenarioSteps(scenario, size),
    onSample,
  });
}

describe('bench — magic SOC accuracy (quick)', () => {
  let result: DrivingBenchResult;
  let markdown: string;

  before(() => {
    result = runDrivingBenchmark({ quick: true });
    markdown = drivingMarkdown(result);
  });

  it('drives every scenario two trips a day, every trip long enough to learn from', () => {
    const scenarios = drivingScenarios(QUICK_DRIVING_SIZE);
    assert.deepEqual(
      result.rows.map((r) => r.scenario),
      scenarios.map((s) => s.id),
    );
    for (const row of result.rows) assert.equal(row.trips, 2 * QUICK_DRIVING_SIZE.days, row.scenario);
    assert.deepEqual(result.warnings, [], 'every scenario step applied');
  });

  it('gives finite errors for both engine sets and a baseline that is off', () => {
    for (const row of result.rows) {
      const values = [row.magic.plain, row.magic.traccar, row.baseline].flatMap((e) => [e.mean, e.max]);
      for (const value of [...values, row.ratio.plain, row.ratio.traccar]) {
        assert.ok(Number.isFinite(value) && value >= 0, `${row.scenario}: ${value}`);
      }
      assert.ok(row.baseline.mean > 0, `${row.scenario}: BMW's whole-percent SOC cannot be exact`);
      assert.ok(row.magic.plain.max >= row.magic.plain.mean && row.baseline.max >= row.baseline.mean, row.scenario);
      assert.ok(row.samples >= 20 * row.trips, `${row.scenario}: ${row.samples} samples`);
    }
  });

  it('compares learned consumption with a plausible truth, per bracket too', () => {
    for (const l of result.learning) {
      assert.ok(l.trueKwhPerKm > 0.1 && l.trueKwhPerKm < 0.4, `${l.scenario}: ${l.trueKwhPerKm}`);
      for (const v of [l.learned.plain, l.learned.traccar]) assert.ok(v >= 0.1 && v <= 0.4, `${l.scenario}: ${v}`);
    }
    for (const id of result.rows.map((r) => r.scenario)) {
      const share = result.brackets.filter((b) => b.scenario === id).reduce((sum, b) => sum + b.kmShare, 0);
      assert.ok(share > 0.98 && share < 1 + 1e-9, `${id}: the brackets shown cover nearly every km (${share})`);
    }
    const city = result.brackets.find((b) => b.scenario === 'city' && b.bracket === 'city')!;
    const highway = result.brackets.find((b) => b.scenario === 'highway' && b.bracket === 'highway')!;
    assert.ok(highway.trueKwhPerKm! > city.trueKwhPerKm!, 'the model pays for speed');
  });

  it('writes the three tables', () => {
    for (const row of result.rows) assert.ok(markdown.includes(`| ${row.title} (`), row.scenario);
    assert.match(markdown, /\| magic \+ Traccar mean \/ max +\|/);
    assert.match(markdown, /### Learned consumption/);
    assert.match(markdown, /### Speed buckets \(with Traccar\)/);
    assert.match(markdown, /Quick run/);
  });
});

describe('bench — magic SOC harness', () => {
  it('samples on the 30 s grid during trips and shortly after, and feeds Traccar to one engine set only', () => {
    const samples: DrivingSample[] = [];
    const run = highwayCar(1, (s) => samples.push(s));
    assert.equal(run.trips.length, 2);
    for (const s of samples) assert.equal((s.at - DRIVING_START_MS) % 30_000, 0, 'on the heartbeat grid');
    for (const trip of run.trips) {
      const mine = samples.filter((s) => s.trip === trip.index);
      assert.equal(trip.baseline.samples, mine.length);
      assert.ok(mine[0].at - trip.startMs <= 30_000, 'from the start of the trip');
      const parked = mine.filter((s) => !s.driving);
      assert.ok(parked.length > 0 && parked.length <= AFTER_TRIP_MS / 30_000 + 1, `${parked.length} after the end`);
      assert.ok(trip.distanceKm >= 40 && trip.startSoc - trip.endSoc >= 2, 'long enough to learn from');
    }
    const driving = samples.filter((s) => s.driving && s.speedKmh > 0);
    assert.ok(
      driving.every((s) => s.attributes.plain.speed_bracket === null),
      'no Traccar, no bracket',
    );
    assert.ok(
      driving.some((s) => s.attributes.traccar.speed_bracket === 'highway'),
      'the Traccar engine set drives in speed brackets',
    );
  });

  it('gives the same numbers on every run', () => {
    const once = highwayCar(1);
    assert.deepEqual(highwayCar(1), once);
  });
});

describe('bench — magic SOC on the highway', () => {
  it("is closer to the true SOC than BMW's last SOC, with and without Traccar, also when Traccar polls fail", () => {
    const run = highwayCar(3);
    const stats = (pick: (t: DrivingRun['trips'][number]) => ErrorStats) => {
      const all = new ErrorStats();
      for (const trip of run.trips) all.merge(pick(trip));
      return all.mean;
    };
    const baseline = stats((t) => t.baseline);
    const plain = stats((t) => t.magic.plain);
    const traccar = stats((t) => t.magic.traccar);
    assert.ok(plain < baseline, `magic ${plain.toFixed(3)} vs baseline ${baseline.toFixed(3)}`);
    assert.ok(traccar < baseline, `magic + Traccar ${traccar.toFixed(3)} vs baseline ${baseline.toFixed(3)}`);
    // A failed poll pauses the estimate rather than undoing it: most of Traccar's gain stays.
    const flaky = stats((t) => t.magic.flaky);
    assert.ok(flaky < (plain + traccar) / 2, `every 3rd poll failing ${flaky.toFixed(3)}, ${plain.toFixed(3)} without`);
  });
});
