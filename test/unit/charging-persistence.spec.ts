/** Persistence (snapshot / restore, reference §2.12) and reset (§3.7) of the per-VIN charging engine. */
import assert from 'node:assert/strict';
import { ChargingEngine } from '../../src/vehicle/charging/engine';
import { EfficiencyMatrix } from '../../src/vehicle/charging/efficiency-matrix';
import { ChargingScript, P50, at } from './helpers/charging-script';

describe('charging persistence', () => {
  it('a snapshot is plain JSON: it survives serialisation unchanged', () => {
    const s = new ChargingScript().run(`${P50}; TICK 30..900; MSG 900 {HDR=53 %}`);
    const snapshot = s.engine.snapshot();
    assert.deepEqual(JSON.parse(JSON.stringify(snapshot)), snapshot);
    assert.equal(snapshot.version, 1);
    assert.ok(snapshot.state.session?.socMark);
  });

  it('a snapshot is a copy: later changes to the engine do not change it', () => {
    const s = new ChargingScript().run(`${P50}; TICK 30..900`);
    const snapshot = s.engine.snapshot();
    const display = snapshot.state.session?.displaySoc;
    s.run('TICK 930..1800');
    assert.equal(snapshot.state.session?.displaySoc, display);
  });

  it('a restart mid-session without downtime continues exactly as if nothing happened, learning included', () => {
    const steps = `TICK 1830..2400; EVAL 2400; TICK 2430..3600; MSG 3600 {STAT=NOCHARGING, HDR=62 %}`;
    const straight = new ChargingScript().run(`${P50}; TICK 30..1800; ${steps}`);
    const restarted = new ChargingScript().run(`${P50}; TICK 30..1800; RESTART; ${steps}`);
    assert.equal(restarted.evals.get(2400)?.soc, straight.evals.get(2400)?.soc);
    assert.equal(restarted.raw(3600), straight.raw(3600));
    assert.deepEqual(restarted.engine.matrix?.toJSON(), straight.engine.matrix?.toJSON());
    assert.ok(restarted.engine.matrix?.entry('3_250_16'));
  });

  it('a pending session survives a restart and finalises afterwards', () => {
    const s = new ChargingScript().run(
      `${P50}; TICK 30..3600; MSG 3600 {STAT=NOCHARGING}; RESTART; MSG 3700 {HDR=62 %}`,
    );
    assert.ok(Math.abs((s.engine.matrix?.entry('3_250_16')?.efficiency ?? 0) - 9.6 / 10.74) < 1e-9);
  });

  it('a phase-count poll due before the restart still fires after it', () => {
    const s = new ChargingScript().run(
      'MSG -600 {HDR=50 %, MAXE=80 kWh}; MSG 0 {STAT=CHARGINGACTIVE, VOLT=230 V, AMP=16 A}; TICK 30; RESTART; TICK 60',
    );
    assert.deepEqual(
      s.ofType('poll_requested').map((e) => [e.t, e.event.reason]),
      [[60, 'phase_count']],
    );
  });

  it('the learned matrix is shared with the engine and persists on its own', () => {
    const matrix = new EfficiencyMatrix();
    const s = new ChargingScript({}, matrix).run(`${P50}; TICK 30..3600; MSG 3600 {STAT=NOCHARGING, HDR=62 %}`);
    assert.equal(s.engine.matrix, matrix);
    assert.equal(matrix.entry('3_250_16')?.sample_count, 1);
    const reloaded = EfficiencyMatrix.fromJSON(JSON.parse(JSON.stringify(matrix.toJSON())));
    assert.deepEqual(reloaded.toJSON(), matrix.toJSON());
  });

  it('an unreadable snapshot starts afresh instead of failing', () => {
    for (const garbage of [null, 'text', {}, { version: 2, state: {} }, { version: 1, state: 'x' }]) {
      const engine = new ChargingEngine({}, null, garbage);
      assert.equal(engine.charging, false);
      assert.equal(engine.evaluate(at(0)), null);
    }
  });

  it('a broken session or descriptor inside a snapshot is dropped, the rest restored', () => {
    const s = new ChargingScript().run(`${P50}; TICK 30..600`);
    const snapshot = JSON.parse(JSON.stringify(s.engine.snapshot())) as {
      state: { session: Record<string, unknown>; descriptors: Record<string, unknown> };
    };
    snapshot.state.session.anchorSoc = 'fifty';
    snapshot.state.descriptors['vehicle.drivetrain.electricEngine.charging.acVoltage'] = { value: {} };
    snapshot.state.descriptors['vehicle.unknown'] = { value: 1, unit: null, measuredAt: null, receivedAt: 0 };
    const engine = new ChargingEngine({}, null, snapshot);
    assert.equal(engine.charging, true);
    assert.equal(engine.snapshot().state.session, null);
    const restored = engine.snapshot().state.descriptors;
    assert.equal(restored['vehicle.drivetrain.electricEngine.charging.acVoltage'], undefined);
    assert.equal(restored['vehicle.unknown'], undefined);
    assert.equal(restored['vehicle.drivetrain.batteryManagement.header']?.value, 50);
    // Charging without a session: the next tick anchors again, on the last prediction (above BMW's old 50 %).
    engine.heartbeat(at(630));
    assert.ok(Math.abs((engine.session?.anchorSoc ?? 0) - 52.01375) < 1e-9);
  });
});

describe('charging reset', () => {
  it('leaves the active session and a pending one alone', () => {
    const matrix = EfficiencyMatrix.fromJSON({
      efficiency_matrix: { '3_250_16': { efficiency: 0.85, sample_count: 3, history: [0.85, 0.85, 0.85] } },
      phase_multiplier_revision: 1,
    });
    const s = new ChargingScript({}, matrix).run(`${P50}; TICK 30..3600; MSG 3600 {STAT=NOCHARGING}`);
    const pending = s.engine.snapshot().state.pending;
    assert.ok(pending);
    assert.equal(s.engine.reset('both'), true);
    assert.deepEqual(s.engine.snapshot().state.pending, pending);
    assert.equal(matrix.size, 0);
    s.run('MSG 3700 {HDR=60 %}');
    assert.equal(matrix.entry('3_250_16')?.sample_count, 1, 'learns afresh into the reset matrix');
  });

  it('DC reset keeps AC conditions, AC reset keeps DC', () => {
    const data = {
      efficiency_matrix: {
        '3_250_16': { efficiency: 0.85, sample_count: 1, history: [0.85] },
        '1_250_11': { efficiency: 0.88, sample_count: 1, history: [0.88] },
        '0_410_0': { efficiency: 0.91, sample_count: 1, history: [0.91] },
      },
      phase_multiplier_revision: 1,
    };
    const dc = EfficiencyMatrix.fromJSON(data);
    dc.reset('dc');
    assert.deepEqual(dc.conditions(), ['3_250_16', '1_250_11']);
    const ac = EfficiencyMatrix.fromJSON(data);
    ac.reset('ac');
    assert.deepEqual(ac.conditions(), ['0_410_0']);
  });
});
