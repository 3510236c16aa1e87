/**
 * Scenario vectors §11 A of reference/algorithms.md (predicted SOC while charging), run through the ChargingEngine
 * with the vector notation. Where we deliberately differ, the comment names the vector, the reference's value and why.
 */
import assert from 'node:assert/strict';
import { ChargingScript, P50, at, shown } from './helpers/charging-script';

function near(actual: number, expected: number, tolerance = 1e-6): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);
}

describe('charging prediction — reference vectors §11 A', () => {
  it('PS-01: AC three-phase with a reported count integrates 10.74 kW net and extrapolates between ticks', () => {
    const s = new ChargingScript().run(P50);
    const session = s.engine.session;
    assert.ok(session);
    assert.equal(session.anchorSoc, 50);
    assert.equal(session.phases, 3);
    assert.equal(session.phasesSource, 'reported');
    near(session.lastPowerKw, 11.04);
    s.run('TICK 30..1800');
    const p1800 = s.eval(1800);
    near(p1800.soc, 56.04125);
    assert.equal(shown(p1800.soc), 56.0);
    near(p1800.sessionEnergyKwh ?? NaN, 5.37);
    near(s.engine.session?.sessionGrossKwh ?? NaN, 5.52);
    const p1815 = s.eval(1815);
    near(p1815.soc, 56.0915938, 1e-7);
    assert.equal(shown(p1815.soc), 56.1);
    assert.equal(s.ofType('poll_requested').length, 0, 'a valid phase count needs no poll');
    assert.equal(s.ofType('phase_count_missing').length, 0);
  });

  it('PS-01: the prediction carries the attributes a node sends', () => {
    const s = new ChargingScript().run(`${P50}; TICK 30..1800`);
    const p = s.eval(1800);
    assert.equal(p.charging, true);
    assert.equal(p.efficiency, 0.9);
    assert.equal(p.condition, '3_250_16');
    assert.equal(p.samples, 0);
    near(p.powerKw ?? NaN, 11.04);
    assert.equal(p.bmwSoc, 50);
    assert.equal(p.secondsSinceBmwSoc, 2400);
    // 0.5 for BMW's whole percent + 5.37 kWh × 0.07 (default-efficiency uncertainty) / 80 kWh × 100.
    // Our addition: a point for BMW's held 50 % (the truth is 49.5–51 whether BMW rounds or floors), plus 5.37 kWh at
    // the default's ±0.07.
    near(p.errorBound, 1 + ((5.37 * 0.07) / 80) * 100);
  });

  it('PS-04 (reconstructed from PS-05): a leftover 1-PHASES from before the charge leaves one phase and asks for a poll', () => {
    // §11 lists PS-05 "as PS-04 but the leftover is 3-PHASES"; PS-04 itself is not in the sample. A leftover count of
    // one is never carried (BMW writes 1-PHASES at every charge end), so the session charges at 3.68 kW.
    const s = new ChargingScript().run(
      'MSG -3600 {PH="1-PHASES"}; MSG -600 {HDR=50 %, MAXE=80 kWh, TGT=80 %}; MSG 0 {STAT=CHARGINGACTIVE, VOLT=230 V, AMP=16 A}',
    );
    assert.equal(s.engine.session?.phases, 1);
    assert.equal(s.engine.session?.phasesSource, 'assumed');
    near(s.engine.session?.lastPowerKw ?? NaN, 3.68);
    s.run('TICK 30..1800');
    near(s.raw(1800), 50 + 3.38 * 0.5 * 1.125);
    assert.deepEqual(
      s.events.filter((e) => e.event.type !== 'charge_started').map((e) => [e.t, e.event.type]),
      [
        [60, 'phase_count_missing'],
        [60, 'poll_requested'],
      ],
    );
  });

  it('PS-05: a three-phase count left from the last charge is carried, and a poll is still requested', () => {
    const s = new ChargingScript().run(
      'MSG -3600 {PH="3-PHASES"}; MSG -600 {HDR=50 %, MAXE=80 kWh, TGT=80 %}; MSG 0 {STAT=CHARGINGACTIVE, VOLT=230 V, AMP=16 A}',
    );
    assert.equal(s.engine.session?.phases, 3);
    assert.equal(s.engine.session?.phasesSource, 'carried');
    near(s.engine.session?.lastPowerKw ?? NaN, 11.04);
    s.run('TICK 30..1800');
    near(s.raw(1800), 56.04125);
    const poll = s.ofType('poll_requested');
    assert.equal(poll.length, 1);
    assert.equal(poll[0]?.event.reason, 'phase_count');
    assert.equal(poll[0]?.t, 60);
    assert.equal(s.ofType('phase_count_missing').length, 1);
  });

  it('PS-07: the prediction stops at the charge target and the charge "should have ended"', () => {
    const s = new ChargingScript().run(
      'MSG -600 {HDR=78 %, MAXE=80 kWh, TGT=80 %}; MSG 0 {STAT=CHARGINGACTIVE, VOLT=230 V, AMP=16 A, PH="3-PHASES"}; TICK 30..300',
    );
    near(s.raw(300), 79.006875);
    assert.equal(s.engine.chargeShouldHaveEnded(at(300)), null);
    s.run('TICK 330..900');
    assert.equal(s.raw(900), 80);
    assert.equal(s.engine.chargeShouldHaveEnded(at(900)), 'ceiling_reached');
    // Reached at t ≈ 595.9 s, so the tick at 600 notices it, once per charge.
    const ended = s.ofType('charge_should_have_ended');
    assert.deepEqual(
      ended.map((e) => [e.t, e.event.reason]),
      [[600, 'ceiling_reached']],
    );
    assert.deepEqual(
      s.ofType('poll_requested').map((e) => [e.t, e.event.reason]),
      [[600, 'charge_end_check']],
    );
  });

  it('§2.11: BMW’s remaining time running out also says the charge should have ended', () => {
    const s = new ChargingScript().run(`${P50}; TICK 30..60; MSG 60 {TREM=10 min}; TICK 90..630`);
    assert.equal(s.ofType('charge_should_have_ended').length, 0);
    s.run('TICK 660..900');
    assert.deepEqual(
      s.ofType('charge_should_have_ended').map((e) => [e.t, e.event.reason]),
      [[660, 'time_remaining_elapsed']],
    );
  });

  it('PS-08: a BEV re-anchors on a higher BMW SOC and ignores a lower one', () => {
    const s = new ChargingScript().run(`${P50}; TICK 30..600`);
    near(s.raw(600), 52.01375);
    s.run('MSG 600 {HDR=54 %}');
    // We differ (docs/differences-charging.md #25): 54 stepped up live, so the true SOC crossed 53.5 (rounding) or
    // 54 (flooring) at 600 s; the anchor is 53.75, a quarter point from either. Reference: 54.0, then 55.0 and 56.0.
    assert.equal(s.raw(600), 53.75);
    assert.equal(s.engine.session?.anchorSoc, 53.75);
    s.run('TICK 630..900');
    near(s.raw(900), 54.756875);
    s.run('MSG 900 {HDR=51 %}');
    near(s.raw(900), 54.756875);
    s.run('TICK 930..1200');
    near(s.raw(1200), 55.76375);
    assert.equal(shown(s.raw(1200)), 55.8);
  });

  it('PS-10: a header stamped before the session is stale and changes nothing', () => {
    const s = new ChargingScript().run(`${P50}; TICK 30..600; MSG 600 {HDR=70 % @ts=T0-3000}`);
    near(s.raw(600), 52.01375);
    s.run('TICK 630..900');
    near(s.raw(900), 53.020625);
  });

  it('PS-13: DC integrates trapezoids, extrapolates between readings and the ratchet keeps the overshoot', () => {
    const s = new ChargingScript().run(
      'MSG -600 {HDR=20 %, MAXE=80 kWh}; MSG 0 {STAT=CHARGINGACTIVE, METH=DC, PWR=100 kW}; TICK 30..300',
    );
    near(s.raw(300), 20 + 8.308333333 * 1.1625);
    assert.equal(shown(s.raw(300)), 29.7);
    s.run('TICK 330..600');
    near(s.raw(600), 20 + 16.616666667 * 1.1625);
    s.run('MSG 600 {PWR=80 kW}');
    // Integrated 14.95 kWh → 37.379, below what was already shown: the display holds 39.3.
    near(s.engine.session?.energyKwh ?? NaN, 14.95);
    assert.equal(shown(s.raw(600)), 39.3);
    s.run('TICK 630..900');
    near(s.raw(900), 20 + 21.591666667 * 1.1625);
    assert.equal(shown(s.raw(900)), 45.1);
    const p = s.eval(900);
    assert.equal(p.condition, '0_410_0');
    assert.equal(p.efficiency, 0.93);
    assert.equal(p.phases, null);
  });

  it('PS-13 variant: without an evaluation between 0 and 600 the same charge shows 37.4', () => {
    const s = new ChargingScript().run(
      'MSG -600 {HDR=20 %, MAXE=80 kWh}; MSG 0 {STAT=CHARGINGACTIVE, METH=DC, PWR=100 kW}; MSG 600 {PWR=80 kW}',
    );
    near(s.raw(600), 20 + 14.95 * 1.1625);
    assert.equal(shown(s.raw(600)), 37.4);
  });

  it('PS-16: without power telemetry the power is derived from the SOC rise', () => {
    const s = new ChargingScript().run('MSG -600 {HDR=50 %, MAXE=80 kWh}; MSG 0 {STAT=CHARGINGACTIVE}; TICK 30..1800');
    assert.equal(s.raw(1800), 50);
    s.run('MSG 1800 {HDR=55 %}');
    // We differ (#25): 55 is a live step, so the anchor is 54.75 and the rise 50 → 54.75 implies
    // (4.75/100 × 80)/(0.5 h × 0.90) = 8.444444 kW. Reference: 55.0, 8.888889 kW, 55.833333 (55.8) at 2100.
    assert.equal(s.raw(1800), 54.75);
    near(s.engine.session?.lastPowerKw ?? NaN, 8.444444);
    assert.equal(s.engine.session?.lastAuxKw, 0);
    s.run('TICK 1830..2100');
    near(s.raw(2100), 54.75 + ((8.444444 * 300) / 3600) * 1.125);
    assert.equal(shown(s.raw(2100)), 55.5);
  });

  it('PS-16 variant: a rise over less than 300 s derives nothing; the next one spans from that re-anchor', () => {
    const s = new ChargingScript().run(
      'MSG -600 {HDR=50 %, MAXE=80 kWh}; MSG 0 {STAT=CHARGINGACTIVE}; TICK 30..180; MSG 200 {HDR=51 %}',
    );
    // We differ (#25): the live step to 51 anchors at 50.75 (reference: 51). Both ends of the next rise are steps,
    // 50.75 → 54.75, so the derived power is the reference's 8.0 kW.
    assert.equal(s.raw(200), 50.75);
    assert.equal(s.engine.session?.lastPowerKw, 0);
    s.run('TICK 210..1800; MSG 1800 {HDR=55 %}');
    near(s.engine.session?.lastPowerKw ?? NaN, 8.0);
  });

  it('PS-17: a restart mid-charge credits at most 600 s of the downtime and carries on', () => {
    const s = new ChargingScript().run(`${P50}; TICK 30..1800`);
    near(s.raw(1800), 56.04125);
    s.run('RESTART');
    assert.equal(s.engine.session?.restored, true);
    assert.equal(s.engine.charging, true);
    near(s.raw(2400), 58.055);
    assert.equal(shown(s.raw(2400)), 58.1);
    s.run('MSG 2400 {VOLT=230 V}');
    assert.equal(s.engine.session?.energyUncounted, false, 'a gap of exactly 600 s is fully counted');
    near(s.engine.session?.energyKwh ?? NaN, 7.16);
    s.run('TICK 2430..3600');
    near(s.raw(3600), 62.0825);
    s.run('MSG 9000 {HDR=79 %}; MSG 9001 {STAT=NOCHARGING}');
    // Reference: a restored session never learns. Here a restored session may learn when the restart left no energy
    // uncounted (our snapshot is exact); this one went 5400 s without a tick before the header, so its energy is
    // incomplete and it is rejected for that reason — same outcome: nothing learned, nothing pending.
    assert.equal(s.engine.matrix, null);
    assert.equal(s.engine.snapshot().state.pending, null);
    assert.deepEqual(
      s.ofType('learning_rejected').map((e) => e.event.reason),
      ['energy_uncounted'],
    );
  });

  it('PS-21: a pause ends the session; the sub-integer value survives BMW’s whole percent; pending learning finalises', () => {
    const s = new ChargingScript().run(`${P50}; TICK 30..1800; MSG 1800 {STAT=CHARGINGPAUSED}`);
    assert.equal(s.engine.charging, false);
    assert.equal(s.engine.session, null);
    assert.ok(s.engine.snapshot().state.pending, 'HDR 50 is 30 points from the target: learning waits');
    s.run('MSG 1860 {HDR=56 %}');
    near(s.raw(1860), 56.04125);
    assert.equal(shown(s.raw(1860)), 56.0);
    const learned = s.engine.matrix?.entry('3_250_16');
    near(learned?.efficiency ?? NaN, 0.893855);
    assert.equal(learned?.sample_count, 1);
    s.run('MSG 1920 {HDR=57 %}');
    assert.equal(s.raw(1920), 57);
    s.run('MSG 1980 {HDR=56 %}');
    assert.equal(s.raw(1980), 56);
  });
});
