/** Virtual time in `cardata-replay`: the 30 s heartbeat grid and the order of timers and lines at one instant. */
import assert from 'node:assert/strict';
import { ReplayRun, secondsOf, trace } from './helpers/trace';

const start = 'MSG 0 {STAT=CHARGINGACTIVE, VOLT=230 V, AMP=16 A, PH="3-PHASES"}';

describe('replay — heartbeat timing', () => {
  it('runs every 30 s counted from the first line’s at, not from round clock times', () => {
    const r = new ReplayRun(`MSG -595 {HDR=50 %, MAXE=80 kWh, TGT=80 %}; ${start}; EVAL 100`);
    // -595 + 30 k: 5, 35, 65, 95. The one at 5 anchors nothing new (the charge started at 0) but the value moved.
    assert.deepEqual(r.predictions().map(secondsOf), [-595, 0, 5, 35, 65, 95, 100]);
  });

  it('fires neither at the first line’s instant nor after the last line', () => {
    const r = new ReplayRun(`MSG -600 {HDR=50 %, MAXE=80 kWh, TGT=80 %}; ${start}; EVAL 100`);
    const times = r.outputs.map(secondsOf);
    assert.equal(times[0], -600);
    assert.equal(times.filter((t) => t === -600).length, 1, 'only the line’s own prediction at -600');
    assert.equal(Math.max(...times), 100);
    assert.deepEqual(r.predictions().map(secondsOf), [-600, 0, 30, 60, 90, 100]);
  });

  it('a heartbeat due at the same instant as a line fires before the line', () => {
    const r = new ReplayRun(`MSG -600 {HDR=50 %, MAXE=80 kWh, TGT=80 %}; ${start}; MSG 60 {STAT=NOCHARGING}`);
    const at60 = r.outputs.filter((o) => secondsOf(o) === 60);
    assert.deepEqual(
      at60.map((o) => [o.payload === 'charge_ended' ? 'event' : 'prediction', o.attributes.charging ?? null]),
      [
        ['prediction', true],
        ['event', null],
        ['prediction', false],
      ],
    );
  });

  it('counts from the first line that is accepted', () => {
    const r = new ReplayRun([
      '{"at": "not a time", "kind": "eval"}',
      ...trace(`EVAL -590; MSG -590 {HDR=50 %, MAXE=80 kWh}; ${start}; EVAL 60`),
    ]);
    assert.equal(r.errors.length, 1);
    // The grid runs from -590 (line 2): 10, 40, …; line 1 has no usable time.
    assert.deepEqual(r.predictions().map(secondsOf), [-590, 0, 10, 40, 60]);
  });

  it('a line earlier than the one before is reported and skipped; time does not go back', () => {
    const r = new ReplayRun(
      `MSG -600 {HDR=50 %, MAXE=80 kWh}; ${start}; MSG 90 {HDR=55 %}; MSG 60 {HDR=70 %}; EVAL 100`,
    );
    assert.equal(r.errors.length, 1);
    assert.match(
      r.errors[0] ?? '',
      /^line 4: "at" 2026-03-02T10:01:00\.000Z is before the previous line's 2026-03-02T10:01:30\.000Z; skipped$/,
    );
    assert.equal(r.predictionAt(100).attributes.bmw_soc, 55);
  });
});
