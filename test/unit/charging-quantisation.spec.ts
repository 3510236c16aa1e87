/**
 * BMW's SOC is a whole percent, and nobody knows whether BMW rounds or floors it (docs/differences-charging.md #25,
 * #26). These tests charge a car whose true SOC is known, with BMW streaming its SOC every 3 points, both ways: the
 * prediction must be as good under either hypothesis, without being told which one holds.
 */
import assert from 'node:assert/strict';
import { ChargingScript } from './helpers/charging-script';

type Quantisation = 'round' | 'floor';

/** P50's 3-phase charge: 11.04 kW less 0.3 kW aux at η 0.90 into 80 kWh, in SOC points per second. */
const RATE = ((10.74 / 3600) * 0.9 * 100) / 80;
const STEP = 3;

function quantised(mode: Quantisation, soc: number): number {
  return mode === 'round' ? Math.round(soc) : Math.floor(soc);
}

interface Run {
  s: ChargingScript;
  /** |prediction − truth| at every heartbeat after BMW's first step during the charge, and after its second. */
  errorsAfterFirstStep: number[];
  errorsAfterSecondStep: number[];
  steps: number;
}

/**
 * Charge from the true SOC `startSoc` for `seconds`; energy flows until `stopAt` (a wallbox stopped from outside,
 * which BMW does not report). BMW streams its SOC each time it has moved STEP points, at the second it does.
 */
function charge(mode: Quantisation, startSoc: number, seconds: number, stopAt = Infinity): Run {
  const truth = (t: number) => startSoc + RATE * Math.min(Math.max(t, 0), stopAt);
  let streamed = quantised(mode, startSoc);
  const s = new ChargingScript().run(
    `MSG -600 {HDR=${streamed} %, MAXE=80 kWh, TGT=90 %}; MSG 0 {STAT=CHARGINGACTIVE, VOLT=230 V, AMP=16 A, PH="3-PHASES"}`,
  );
  const errors: number[] = [];
  const later: number[] = [];
  let steps = 0;
  for (let t = 1; t <= seconds; t++) {
    if (t % 30 === 0) {
      s.tick(t);
      const error = Math.abs(s.raw(t) - truth(t));
      if (steps > 0) errors.push(error);
      if (steps > 1) later.push(error);
    }
    const value = quantised(mode, truth(t));
    if (value - streamed >= STEP) {
      streamed = value;
      steps += 1;
      s.msg(t, `HDR=${value} %`);
    }
  }
  return { s, errorsAfterFirstStep: errors, errorsAfterSecondStep: later, steps };
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

describe('#25: a live step of BMW’s SOC anchors a quarter point below its value', () => {
  // Where the true SOC sits within BMW's first value is unknown: low, middle and high of each hypothesis' range.
  const starts: Record<Quantisation, number[]> = { round: [49.55, 50, 50.45], floor: [50.05, 50.5, 50.95] };
  for (const mode of ['round', 'floor'] as const) {
    for (const start of starts[mode]) {
      it(`BMW ${mode}s, true start ${start}: from BMW's first step on, a quarter point off at most`, () => {
        const run = charge(mode, start, 3600);
        assert.ok(run.steps >= 3, `BMW stepped ${run.steps} times`);
        // A quarter point, plus the second between the crossing and BMW's message. Right after the first step the
        // display may hold above it for a minute (the start SOC's place in its whole percent was unknown).
        const worst = Math.max(...run.errorsAfterSecondStep);
        assert.ok(worst <= 0.26, `worst ${worst.toFixed(3)}`);
        assert.ok(Math.max(...run.errorsAfterFirstStep) <= 0.5);
        // The reference anchors on the value itself: half a point ahead all along if BMW rounds, a point behind
        // just before each step if it floors.
        assert.ok(mean(run.errorsAfterFirstStep) <= 0.26, `mean ${mean(run.errorsAfterFirstStep).toFixed(3)}`);
      });
    }
  }

  it('a step below the model moves the anchor down; the display holds until the model catches up', () => {
    // The model runs 10 % fast (η 0.90 against a car that stores at 0.81): BMW's 53 comes late.
    const s = new ChargingScript().run(
      'MSG -600 {HDR=50 %, MAXE=80 kWh}; MSG 0 {STAT=CHARGINGACTIVE, VOLT=230 V, AMP=16 A, PH="3-PHASES"}; ' +
        'TICK 30..990; MSG 990 {HDR=53 %}',
    );
    const before = 50 + ((10.74 * 990) / 3600) * 1.125;
    assert.ok(Math.abs(s.raw(990) - before) < 1e-9, 'the display does not go down');
    assert.equal(s.engine.session?.anchorSoc, 52.75);
    s.run('TICK 1020..1200');
    // From 52.75 at 990 s the model needs (53.3225 − 52.75) / 1.125 kWh to pass the held value again.
    assert.ok(Math.abs(s.raw(1200) - Math.max(before, 52.75 + ((10.74 * 210) / 3600) * 1.125)) < 1e-9);
  });
});

describe('#26: no further than the next step BMW would stream', () => {
  for (const mode of ['round', 'floor'] as const) {
    it(`BMW ${mode}s: a charge stopped from outside climbs at most to the next step’s crossing`, () => {
      // Energy stops at 2400 s; BMW keeps saying CHARGINGACTIVE and the heartbeat keeps replaying 11.04 kW.
      const run = charge(mode, 50.2, 4000, 2400);
      const last = run.s.engine.session?.lastCrossing?.soc ?? NaN;
      assert.equal(run.s.engine.session?.socStep, STEP);
      assert.equal(run.s.raw(4000), last + STEP - 0.25);
      // Without the cap it would be 1600 s × 0.0034 points/s ≈ 5.4 points above the truth.
      assert.ok(run.s.raw(4000) - (50.2 + RATE * 2400) < 3);
    });
  }

  it('BMW’s next value lifts the prediction past the cap as usual', () => {
    const run = charge('round', 50.2, 4000, 2400);
    const cap = run.s.raw(4000);
    run.s.msg(4010, `HDR=${Math.round(cap) + 2} %`);
    assert.ok(run.s.raw(4010) > cap);
  });
});
