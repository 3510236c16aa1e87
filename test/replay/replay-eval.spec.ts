/** `eval` lines, and when the replay (like a node) sends a prediction without being asked. */
import assert from 'node:assert/strict';
import { P50, ReplayRun, near, secondsOf } from './helpers/trace';

const OTHER = 'WBA00000000000002';

describe('replay — eval lines', () => {
  it('evaluate every VIN with a basis at that instant; a VIN without one (no BMW SOC yet) gets nothing', () => {
    const r = new ReplayRun(`MSG 0 {HDR=50 %}; VIN=${OTHER} MSG 0 {MAXE=80 kWh}; EVAL 10`);
    const at10 = r.outputs.filter((o) => secondsOf(o) === 10);
    assert.equal(at10.length, 1);
    assert.equal(at10[0]?.topic, 'WBA00000000000001/predicted_soc');
    assert.equal(at10[0]?.payload, 50);
  });

  it('send the value even when it did not change, every time they are asked', () => {
    const r = new ReplayRun('MSG 0 {HDR=50 %}; EVAL 10; EVAL 10; EVAL 20');
    assert.deepEqual(r.predictions().map(secondsOf), [0, 10, 10, 20]);
  });

  it('at a heartbeat’s instant give the heartbeat’s value', () => {
    const r = new ReplayRun(`${P50}; EVAL 600`);
    const at600 = r.predictions().filter((p) => secondsOf(p) === 600);
    assert.equal(at600.length, 2);
    assert.deepEqual(at600[1], at600[0]);
    near(at600[1]?.attributes.raw, 52.01375);
  });

  it('change no other output line: a trace with evals sends the same lines plus the answers', () => {
    const script = (ask: boolean) =>
      [
        P50,
        ask ? 'EVAL 601' : '',
        'MSG 615 {HDR=51 %}',
        ask ? 'EVAL 616' : '',
        ask ? 'EVAL 999' : '',
        'MSG 1000 {VOLT=231 V}',
        ask ? 'EVAL 1799' : '',
        'MSG 1800 {STAT=NOCHARGING, HDR=56 %}',
        ask ? 'EVAL 1850' : '',
        'MSG 1900 {HDR=56 %}',
        ask ? 'EVAL 1901' : '',
      ].join('; ');
    const evals = [601, 616, 999, 1799, 1850, 1901];
    const plain = new ReplayRun(script(false));
    const asked = new ReplayRun(script(true));
    assert.deepEqual(asked.errors, []);
    const answers = asked.outputs.filter((o) => evals.includes(secondsOf(o)));
    assert.deepEqual(answers.map(secondsOf), evals);
    assert.deepEqual(
      asked.outputs.filter((o) => !evals.includes(secondsOf(o))),
      plain.outputs,
    );
  });
});

describe('replay — predictions sent without being asked', () => {
  it('after a message only when the value or what it rests on changed', () => {
    const r = new ReplayRun(
      'MSG 0 {HDR=50 %}; MSG 10 {HDR=50 %}; MSG 20 {MAXE=80 kWh}; MSG 30 {HDR=51 %}; MSG 40 {TGT=90 %}',
    );
    // 10: the same SOC again; 20: nothing the prediction shows; 30: a new value; 40: a new target (an attribute).
    assert.deepEqual(r.predictions().map(secondsOf), [0, 30, 40]);
  });

  it('at heartbeats only while the value moves: none while parked, one per heartbeat while charging', () => {
    const r = new ReplayRun(`${P50}; MSG 95 {vehicle.vehicle.travelledDistance=1234 km}; EVAL 120`);
    assert.deepEqual(r.predictions().map(secondsOf), [-600, 0, 30, 60, 90, 120, 120]);
  });

  it('a message while charging sends the value only when the display changed', () => {
    const r = new ReplayRun(`${P50}; MSG 95 {TREM=120 min}; MSG 100 {TREM=119 min}; MSG 110 {TREM=118 min}`);
    // 50.302 at the heartbeat at 90; 50.319 at 95 and 50.336 at 100 still show 50.3; 50.369 at 110 shows 50.4.
    assert.deepEqual(
      r
        .predictions()
        .filter((p) => secondsOf(p) > 90)
        .map((p) => [secondsOf(p), p.payload]),
      [[110, 50.4]],
    );
  });
});
