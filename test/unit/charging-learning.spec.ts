/**
 * Scenario vectors §11 B of reference/algorithms.md (charging-efficiency learning) and the matrix rules of §3.
 * Where we deliberately differ, the comment names the vector, the reference's value and why.
 */
import assert from 'node:assert/strict';
import { ChargingEngine } from '../../src/vehicle/charging/engine';
import { EfficiencyMatrix, conditionLabel, nearestBracket } from '../../src/vehicle/charging/efficiency-matrix';
import { ChargingScript, P50, shown } from './helpers/charging-script';

function near(actual: number | undefined, expected: number, tolerance = 1e-6): void {
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);
}

describe('efficiency learning — reference vectors §11 B', () => {
  it('EL-01: the target reached, BMW’s header near it is learned from at once and used by the next charge', () => {
    const s = new ChargingScript().run(`${P50}; TICK 30..8970; MSG 8990 {HDR=78 %}`);
    assert.equal(s.raw(8990), 80, 'the display is capped at the target');
    s.run('TICK 9000; MSG 9000 {STAT=NOCHARGING}');
    // Reference: 22.4 / 26.85 = 0.834264, pairing BMW's 78 % (measured at 8990) with the energy at the end (9000).
    // We pair the SOC with the energy integrated when BMW measured it, so the sample does not depend on how long
    // the charge ran after BMW's last SOC: 22.4 / (10.74 kW × 8990 s) = 0.835192.
    const learned = 22.4 / ((10.74 * 8990) / 3600);
    near(learned, 0.835192);
    const entry = s.engine.matrix?.entry('3_250_16');
    near(entry?.efficiency, learned);
    assert.equal(entry?.sample_count, 1);
    assert.deepEqual(entry?.history.length, 1);
    assert.equal(s.engine.snapshot().state.pending, null, 'nothing pending');
    assert.deepEqual(
      s.events.filter((e) => e.t === 9000).map((e) => e.event.type),
      ['charge_ended', 'learning_updated', 'poll_requested'],
    );
    const update = s.ofType('learning_updated')[0]?.event;
    assert.equal(update?.condition, '3_250_16');
    assert.equal(update?.samples, 1);
    // Reference: 80.0 stays shown until the next header. We settle the charge's last value on BMW's 78 % plus the
    // energy after it (10 s), which is what the next header would show anyway.
    near(s.raw(9000), 78 + ((10.74 * 10) / 3600) * 0.9 * 1.25);
    assert.equal(shown(s.raw(9000)), 78.0);

    s.run('MSG 20000 {HDR=40 %}; MSG 20001 {STAT=CHARGINGACTIVE, VOLT=230 V, AMP=16 A, PH="3-PHASES"}');
    s.run('TICK 20031..21801');
    const next = s.eval(21801);
    assert.equal(next.efficiency, entry?.efficiency);
    assert.equal(next.samples, 1);
    // Reference 45.59999 (with 0.834264); the same display either way.
    near(next.soc, 40 + 5.37 * learned * 1.25);
    assert.equal(shown(next.soc), 45.6);
  });

  it('EL-03: STAT and HDR in one message learn the same whatever their order', () => {
    const run = (message: string): ChargingScript => new ChargingScript().run(`${P50}; TICK 30..3600; ${message}`);
    const a = run('MSG 3600 {STAT=NOCHARGING, HDR=60 %}');
    const b = run('MSG 3600 {HDR=60 %, STAT=NOCHARGING}');
    // Reference: (a) learns 8.0 / 10.74 = 0.744879; (b) handles HDR while still charging and leaves it pending.
    // We store the whole message first and treat a SOC that comes with the end as the SOC after it: both learn.
    for (const s of [a, b]) {
      near(s.engine.matrix?.entry('3_250_16')?.efficiency, 0.744879);
      assert.equal(s.engine.snapshot().state.pending, null);
      assert.equal(s.raw(3600), 60);
    }
    assert.deepEqual(a.engine.snapshot(), b.engine.snapshot());
  });

  it('EL-05: EMA schedule 1, 1/2, 1/3, 1/4, then 0.2; 2σ outliers rejected but kept in the history', () => {
    const matrix = new EfficiencyMatrix();
    const key = matrix.keyFor('AC', 3, 230, 16);
    assert.equal(key, '3_250_16');
    const expected: [number, boolean, number, number][] = [
      [0.85, true, 0.85, 1],
      [0.89, true, 0.87, 2],
      [0.87, true, 0.87, 3],
      [0.88, true, 0.8725, 4],
      [0.86, true, 0.87, 5],
      [0.9, false, 0.87, 5],
      [0.95, false, 0.87, 5],
      [0.7, false, 0.87, 5],
    ];
    for (const [measured, accepted, efficiency, samples] of expected) {
      const outcome = matrix.learn(key, measured);
      assert.equal(outcome.accepted, accepted, `${measured}`);
      near(outcome.entry.efficiency, efficiency, 1e-9);
      assert.equal(outcome.entry.sample_count, samples);
    }
    assert.deepEqual(matrix.entry(key)?.history, [0.85, 0.89, 0.87, 0.88, 0.86, 0.9, 0.95, 0.7]);
    assert.deepEqual(matrix.diagnostics(), {
      state: '5 AC sessions (1 conditions)',
      profiles: { '3_250_16': { efficiency: 87, sessions: 5, std_dev: 6.78, trend: 'stable' } },
    });
  });

  it('EL-07: reset AC / DC on the matrix the engine uses', () => {
    // EL-06 (the matrix EL-07 starts from) is not in the sample; any matrix with a learned AC condition and DC 0.91
    // exercises the same rules.
    const matrix = EfficiencyMatrix.fromJSON({
      efficiency_matrix: {
        '3_250_16': { efficiency: 0.85, sample_count: 2, history: [0.84, 0.86] },
        '0_410_0': { efficiency: 0.91, sample_count: 1, history: [0.91] },
      },
      phase_multiplier_revision: 1,
    });
    const engine = new ChargingEngine({}, matrix);
    assert.equal(matrix.lookup('AC', 3, 230, 16).efficiency, 0.85);
    assert.equal(engine.reset('ac'), true);
    assert.equal(matrix.lookup('AC', 3, 230, 16).efficiency, 0.9);
    assert.equal(matrix.lookup('DC', 0, null, null).efficiency, 0.91);
    assert.equal(engine.reset('ac'), true, 'the VIN still has a learned object');
    assert.equal(engine.reset('dc'), true);
    assert.equal(matrix.lookup('DC', 0, null, null).efficiency, 0.93);
    assert.equal(new ChargingEngine().reset('ac'), false, 'a VIN that never learned');
  });

  it('EL-07: a reset applies to the running prediction at once (the matrix is shared, not copied)', () => {
    const matrix = EfficiencyMatrix.fromJSON({
      efficiency_matrix: { '3_250_16': { efficiency: 0.85, sample_count: 2, history: [0.84, 0.86] } },
      phase_multiplier_revision: 1,
    });
    const s = new ChargingScript({}, matrix).run(`${P50}; TICK 30..600`);
    assert.equal(s.eval(600).efficiency, 0.85);
    assert.equal(s.engine.reset('both'), true);
    assert.equal(s.eval(630).efficiency, 0.9);
    assert.equal(s.eval(630).condition, '3_250_16');
    assert.equal(s.eval(630).samples, 0);
  });

  describe('EL-09: rejections', () => {
    const ended = `${P50}; TICK 30..3600; MSG 3600 {STAT=NOCHARGING}`;

    it('leaves the session pending with its 10.74 kWh', () => {
      const pending = new ChargingScript().run(ended).engine.snapshot().state.pending;
      near(pending?.energyKwh, 10.74);
      assert.equal(pending?.condition, '3_250_16');
    });

    it('(a) a gain of 4 points is too coarse to learn from; the pending session is gone', () => {
      const s = new ChargingScript().run(`${ended}; MSG 3700 {HDR=54 %}`);
      assert.equal(s.engine.matrix, null);
      assert.equal(s.engine.snapshot().state.pending, null);
      assert.deepEqual(
        s.ofType('learning_rejected').map((e) => e.event.reason),
        ['soc_gain_too_small'],
      );
    });

    it('(b) 11.2 / 10.74 = 1.0428 is above 0.98', () => {
      const s = new ChargingScript().run(`${ended}; MSG 3700 {HDR=64 %}`);
      assert.equal(s.engine.matrix, null);
      const rejected = s.ofType('learning_rejected')[0]?.event;
      assert.equal(rejected?.reason, 'efficiency_out_of_range');
      near(rejected?.measured ?? undefined, 1.042831);
    });
  });

  it('a pending session waits 15 min for AC; a later SOC discards it', () => {
    const s = new ChargingScript().run(`${P50}; TICK 30..3600; MSG 3600 {STAT=NOCHARGING}; MSG 4560 {HDR=62 %}`);
    assert.equal(s.engine.matrix, null);
    assert.equal(s.ofType('learning_rejected')[0]?.event.reason, 'end_soc_too_late');
  });

  it('a pending DC session waits only 5 min', () => {
    const readings = [300, 600, 900, 1200, 1500, 1800].map((t) => `MSG ${t} {PWR=50 kW}`).join('; ');
    const dc = `MSG -600 {HDR=20 %, MAXE=80 kWh}; MSG 0 {STAT=CHARGINGACTIVE, METH=DC, PWR=50 kW}; ${readings}; MSG 1800 {STAT=NOCHARGING}`;
    const late = new ChargingScript().run(`${dc}; MSG 2160 {HDR=45 %}`);
    assert.equal(late.engine.matrix, null);
    assert.equal(late.ofType('learning_rejected')[0]?.event.reason, 'end_soc_too_late');
    const onTime = new ChargingScript().run(`${dc}; MSG 2040 {HDR=45 %}`);
    // 25 % of 80 kWh from 49.7 kW net over half an hour.
    near(onTime.engine.matrix?.entry('0_410_0')?.efficiency, 20 / 24.85);
  });

  it('a DC charge with readings further apart than 10 min does not learn: its energy is incomplete', () => {
    const s = new ChargingScript().run(
      'MSG -600 {HDR=20 %, MAXE=80 kWh}; MSG 0 {STAT=CHARGINGACTIVE, METH=DC, PWR=50 kW}; MSG 1800 {PWR=50 kW}; MSG 1800 {STAT=NOCHARGING}; MSG 1860 {HDR=45 %}',
    );
    assert.equal(s.engine.matrix, null);
    assert.equal(s.ofType('learning_rejected')[0]?.event.reason, 'energy_uncounted');
  });
});

describe('efficiency matrix — §3.1, §3.2, §3.8', () => {
  it('files conditions under the nearest bracket, ties to the lower one', () => {
    assert.equal(nearestBracket(330, [250, 410, 810]), 250);
    assert.equal(nearestBracket(13.5, [6, 11, 16, 32, 64]), 11);
    assert.equal(nearestBracket(24, [6, 11, 16, 32, 64]), 16);
    assert.equal(nearestBracket(48, [6, 11, 16, 32, 64]), 32);
    assert.equal(nearestBracket(8.5, [6, 11, 16, 32, 64]), 6);
    const matrix = new EfficiencyMatrix();
    assert.equal(matrix.keyFor('AC', 1, 230, 10), '1_250_11');
    assert.equal(matrix.keyFor('AC', 3, null, null), '3_250_16');
    assert.equal(matrix.keyFor('DC', 0, 800, 300), '0_410_0');
    assert.equal(conditionLabel('3_250_16'), '3P/250V/16A');
    assert.equal(conditionLabel('0_410_0'), 'DC/410V');
  });

  it('falls back to the sample-weighted mean of the AC conditions, then to 0.90 / 0.93', () => {
    const matrix = EfficiencyMatrix.fromJSON({
      efficiency_matrix: {
        '1_250_16': { efficiency: 0.8, sample_count: 1, history: [0.8] },
        '3_250_16': { efficiency: 0.9, sample_count: 3, history: [0.9] },
        '0_410_0': { efficiency: 0.5, sample_count: 9, history: [] },
      },
      phase_multiplier_revision: 1,
    });
    const mean = matrix.lookup('AC', 3, 230, 32);
    assert.equal(mean.source, 'mean');
    near(mean.efficiency, (0.8 + 0.9 * 3) / 4, 1e-12);
    assert.equal(mean.samples, 4);
    assert.equal(new EfficiencyMatrix().lookup('AC', 1, 230, 16).efficiency, 0.9);
    assert.equal(new EfficiencyMatrix().lookup('DC', 0, null, null).efficiency, 0.93);
  });

  it('migrates two-phase entries of revision 0 (×1.5, capped at 0.98) once, and reads the legacy flat format', () => {
    const old = EfficiencyMatrix.fromJSON({
      efficiency_matrix: {
        '2_250_16': { efficiency: 0.6, sample_count: 2, history: [0.6, 0.7] },
        '2_410_16': { efficiency: 0.6, sample_count: 1, history: [0.6] },
      },
    });
    near(old.entry('2_250_16')?.efficiency, 0.9, 1e-12);
    assert.deepEqual(old.entry('2_250_16')?.history, [0.6 * 1.5, 0.98]);
    assert.equal(old.entry('2_410_16')?.efficiency, 0.6);
    const again = EfficiencyMatrix.fromJSON(old.toJSON());
    near(again.entry('2_250_16')?.efficiency, 0.9, 1e-12);

    const legacy = EfficiencyMatrix.fromJSON({
      ac_efficiency: 0.88,
      ac_session_count: 4,
      dc_efficiency: 0.92,
      dc_session_count: 2,
    });
    assert.deepEqual(legacy.entry('1_250_16'), { efficiency: 0.88, sample_count: 4, history: [0.88] });
    assert.deepEqual(legacy.entry('0_410_0'), { efficiency: 0.92, sample_count: 2, history: [] });
  });

  it('skips malformed keys and entries, and reads garbage as an empty matrix', () => {
    const matrix = EfficiencyMatrix.fromJSON({
      efficiency_matrix: {
        '3_250_16': { efficiency: 0.87, sample_count: 5, history: [0.87, 'x'] },
        'three-phase': { efficiency: 0.9, sample_count: 1, history: [] },
        '1_250_16': { efficiency: 'high' },
      },
      phase_multiplier_revision: 1,
    });
    assert.deepEqual(matrix.conditions(), ['3_250_16']);
    assert.deepEqual(matrix.entry('3_250_16')?.history, [0.87]);
    for (const garbage of [null, 42, 'text', [], { efficiency_matrix: 7 }]) {
      assert.equal(EfficiencyMatrix.fromJSON(garbage).size, 0);
    }
    assert.equal(new EfficiencyMatrix().diagnostics().state, '0 sessions');
  });

  it('round-trips through JSON with the integration’s field names', () => {
    const matrix = new EfficiencyMatrix();
    matrix.learn('3_250_16', 0.87);
    matrix.learn('0_410_0', 0.92);
    const json = JSON.parse(JSON.stringify(matrix.toJSON())) as unknown;
    assert.deepEqual(json, {
      efficiency_matrix: {
        '3_250_16': { efficiency: 0.87, sample_count: 1, history: [0.87] },
        '0_410_0': { efficiency: 0.92, sample_count: 1, history: [0.92] },
      },
      voltage_brackets: [250, 410, 810],
      current_brackets: [6, 11, 16, 32, 64],
      phase_multiplier_revision: 1,
    });
    assert.deepEqual(EfficiencyMatrix.fromJSON(json).toJSON(), matrix.toJSON());
    assert.equal(matrix.diagnostics().state, '1 AC sessions (1 conditions), 1 DC sessions');
  });
});
