/**
 * The charging-accuracy benchmark's harness (the quick variant): that it measures what it says, every scenario, the
 * same way every run. Not a timed test, and no threshold on accuracy: the benchmark reports, it does not judge.
 */
import assert from 'node:assert/strict';
import { runCar } from '../../src/bench/charging-harness';
import { chargingMarkdown, runChargingBenchmark, type ChargingBenchResult } from '../../src/bench/charging-accuracy';
import { chargingScenarios, fullCharge, QUICK_SIZE } from '../../src/bench/charging-scenarios';
import { mergeDocument, type BenchSection, type RunFacts } from '../../src/bench/report';
import { parseBenchArgs } from '../../src/cli/bench-args';

describe('bench — charging accuracy (quick)', () => {
  let result: ChargingBenchResult;
  let markdown: string;

  before(() => {
    result = runChargingBenchmark({ quick: true });
    markdown = chargingMarkdown(result);
  });

  it('measures every scenario with a fresh and a learned engine', () => {
    const scenarios = chargingScenarios(QUICK_SIZE);
    for (const scenario of scenarios) {
      const rows = result.rows.filter((r) => r.scenario === scenario.id && !r.reference);
      assert.deepEqual(rows.map((r) => r.role).sort(), ['cold', 'learned'], scenario.id);
    }
    const references = result.rows.filter((r) => r.reference);
    assert.deepEqual(
      references.map((r) => r.scenario),
      scenarios.filter((s) => s.reference).map((s) => s.id),
    );
    for (const r of references) assert.equal(r.goalMet, null, 'a reference row is not judged');
    assert.deepEqual(result.warnings, [], 'every scenario step applied');
  });

  it('gives finite errors, a baseline that is off, and samples every 30 s of the charge', () => {
    for (const row of result.rows) {
      const label = `${row.scenario}/${row.role}`;
      for (const value of [row.predictedMean, row.predictedMax, row.baselineMean, row.baselineMax, row.ratio]) {
        assert.ok(Number.isFinite(value) && value >= 0, `${label}: ${value}`);
      }
      assert.ok(row.baselineMean > 0, `${label}: BMW's rounded, sparse SOC cannot be exact`);
      assert.ok(row.predictedMax >= row.predictedMean && row.baselineMax >= row.baselineMean, label);
      assert.ok(row.samples >= 10, `${label}: ${row.samples} samples`);
      assert.ok(row.trueEfficiency !== null && row.trueEfficiency > 0.5 && row.trueEfficiency < 1, label);
      if (!row.reference) assert.equal(row.goalMet, row.misses.length === 0, label);
    }
  });

  it('reports learning convergence at the asked points', () => {
    assert.deepEqual(
      result.convergence.map((c) => c.learnedSessions),
      QUICK_SIZE.convergencePoints,
    );
    const [none, ...learned] = result.convergence;
    assert.equal(none.samples, 0);
    assert.equal(none.efficiencyInUse, 0.9, 'the AC default before anything is learned');
    for (const c of learned) {
      assert.ok(c.samples >= 1 && c.samples <= c.learnedSessions, `after ${c.learnedSessions}: ${c.samples}`);
      assert.ok(c.errorPoints !== null && Number.isFinite(c.errorPoints), `after ${c.learnedSessions}`);
    }
  });

  it('writes a table with every scenario, both learning states and the goal column', () => {
    for (const scenario of chargingScenarios(QUICK_SIZE))
      assert.ok(markdown.includes(`| ${scenario.title}`), scenario.id);
    assert.ok(markdown.includes('nothing learned'));
    assert.ok(markdown.includes(`${QUICK_SIZE.warmups} sessions learned`));
    assert.match(markdown, /\| goal met +\|/);
    assert.match(markdown, /Quick run/);
    assert.match(markdown, /### Learning convergence/);
    for (const row of result.rows.filter((r) => r.goalMet === false)) {
      assert.ok(markdown.includes(`- **${row.title}**:`), `a note says why ${row.scenario} misses`);
    }
  });

  it('gives the same numbers on every run', () => {
    assert.deepEqual(runChargingBenchmark({ quick: true }), result);
  });
});

describe('bench — charging harness', () => {
  it('samples on the 30 s grid only while the car or the engine is charging, against the true SOC', () => {
    const samples: { at: number; trueSoc: number; predicted: number }[] = [];
    const start = Date.UTC(2026, 2, 2, 18);
    const run = runCar({
      vin: 'WBABENCH0SA000999',
      profile: 'i4-edrive40',
      seed: 999,
      startMs: start,
      startSoc: 50,
      options: {},
      sessions: [{ steps: fullCharge(70, { type: 'AC3', currentA: 16, targetSoc: 75 }) }],
      onSample: (s) => samples.push(s),
      rest: true,
    });
    assert.equal(run.charges.length, 1);
    const [charge] = run.charges;
    assert.ok(samples.length > 0);
    for (const s of samples) assert.equal((s.at - start) % 30_000, 0, 'on the heartbeat grid');
    assert.equal(charge.views.learned!.prediction.samples, samples.length);
    assert.ok(samples[0].trueSoc >= 70 && samples.at(-1)!.trueSoc <= 75.000001);
    // 5 points of an 80.7 kWh battery at ~10 kW into the cells: about 25 min, so about 50 samples.
    assert.ok(samples.length > 35 && samples.length < 70, `${samples.length} samples`);
    assert.ok(charge.engineEfficiency! > charge.trueEfficiency!, 'the engine deducts more aux than the car has');
    const tally = run.engines.learned!;
    assert.ok(tally.restCalls >= 1, 'with rest: one REST answer at the start, more for the polls asked');
    assert.ok(tally.restCalls <= tally.requests + 1);
  });
});

describe('bench — docs/benchmarks.md', () => {
  const facts: RunFacts = {
    command: 'npm run bench -- --only charging',
    date: new Date(Date.UTC(2026, 2, 5, 12, 0)),
    node: 'v20.0.0',
    machine: 'test machine',
  };
  const section = (id: string, body: string): BenchSection => ({ id, title: id, body, cpuSeconds: 1 });

  it('replaces its own section and keeps the others', () => {
    const first = mergeDocument(undefined, [section('charging', 'old'), section('memory', 'kept')], facts);
    const second = mergeDocument(first, [section('charging', 'new')], facts);
    assert.match(second, /^# Benchmarks/);
    assert.ok(second.includes('new') && !second.includes('old'));
    assert.ok(second.includes('kept'));
    assert.ok(second.indexOf('## charging') < second.indexOf('## memory'), 'a replaced section stays in place');
    assert.ok(second.includes('`npm run bench -- --only charging` on 2026-03-05 12:00 UTC, Node v20.0.0'));
    assert.equal(mergeDocument(second, [section('charging', 'new')], facts), second);
  });
});

describe('bench — command line', () => {
  const parts = ['charging', 'memory'];

  it('runs every part by default and only the named ones with --only', () => {
    assert.deepEqual(parseBenchArgs([], parts, 'out.md'), { help: false, only: parts, quick: false, out: 'out.md' });
    const args = parseBenchArgs(['--only', 'charging', '--quick', '--no-write'], parts, 'out.md');
    assert.deepEqual(args, { help: false, only: ['charging'], quick: true, out: null });
  });

  it('refuses unknown parts and options', () => {
    assert.throws(() => parseBenchArgs(['--only', 'speed'], parts, 'out.md'), /unknown part "speed"/);
    assert.throws(() => parseBenchArgs(['--fast'], parts, 'out.md'), /--fast/);
  });
});
