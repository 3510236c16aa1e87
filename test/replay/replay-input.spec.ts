/** The input line kinds of `cardata-replay` (DESIGN.md §6) and what happens to bad lines. */
import assert from 'node:assert/strict';
import { parseReplayLine, ReplayInputError } from '../../src/cli/replay-input';
import { P50, ReplayRun, VIN, iso, near, trace } from './helpers/trace';

const good = trace(`${P50}; METER 600 7.3 0.3; EVAL 630`);

describe('replay — bad input lines', () => {
  const bad: [string, RegExp][] = [
    ['{"at": "2026-03-02T10:05:00Z", "kind": "eval"', /not JSON/],
    ['[1, 2, 3]', /not a JSON object/],
    ['{"kind": "eval"}', /"at" is missing/],
    ['{"at": "yesterday", "kind": "eval"}', /"at" is not an ISO time: "yesterday"/],
    [
      '{"at": "2026-03-02T10:05:00Z", "kind": "teleport"}',
      /"kind" must be stream, api, speed, meter, reset, restart or eval: "teleport"/,
    ],
    [
      '{"at": "2026-03-02T10:05:00Z", "kind": "stream", "message": {"vin": "wba1", "data": {}}}',
      /"message.vin" is not a VIN/,
    ],
    [
      '{"at": "2026-03-02T10:05:00Z", "kind": "stream", "message": {"vin": "WBA00000000000001", "data": 7}}',
      /"message.data" is not an object/,
    ],
    ['{"at": "2026-03-02T10:05:00Z", "kind": "stream"}', /"message" is not an object/],
    ['{"at": "2026-03-02T10:05:00Z", "kind": "api", "vin": "WBA00000000000001"}', /"telematicData" is not an object/],
    [
      '{"at": "2026-03-02T10:05:00Z", "kind": "meter", "vin": "WBA00000000000001", "powerKw": "7"}',
      /"powerKw" is not a number/,
    ],
    [
      '{"at": "2026-03-02T10:05:00Z", "kind": "meter", "vin": "WBA00000000000001", "powerKw": 7, "auxKw": "x"}',
      /"auxKw" is not a number/,
    ],
    ['{"at": "2026-03-02T10:05:00Z", "kind": "speed", "vin": "WBA00000000000001"}', /"speedKmh" is missing/],
    [
      '{"at": "2026-03-02T10:05:00Z", "kind": "speed", "vin": "WBA00000000000001", "speedKmh": -3}',
      /"speedKmh" is negative/,
    ],
    [
      '{"at": "2026-03-02T10:05:00Z", "kind": "reset", "vin": "WBA00000000000001", "what": "all"}',
      /"what" must be "ac", "dc" or "consumption"/,
    ],
    [
      '{"at": "2026-03-02T10:05:00Z", "kind": "restart", "downUntil": "2026-03-02T10:04:00Z"}',
      /"downUntil" is before "at"/,
    ],
    ['{"at": "2026-03-02T10:05:00Z", "kind": "restart", "downUntil": "soon"}', /"downUntil" is not an ISO time/],
  ];

  for (const [line, reason] of bad) {
    it(`reports ${reason.source.slice(0, 50)}`, () => {
      assert.throws(
        () => parseReplayLine(line),
        (err: unknown) => err instanceof ReplayInputError && reason.test(err.message),
      );
    });
  }

  it('are reported with their line number and skipped; every other line is processed as without them', () => {
    const mixed = [good[0] ?? '', ...bad.map(([line]) => line), '', '   ', ...good.slice(1)];
    const r = new ReplayRun(mixed);
    assert.equal(r.errors.length, bad.length, 'blank lines are not errors');
    r.errors.forEach((error, i) => assert.match(error, new RegExp(`^line ${i + 2}: .*; skipped$`)));
    assert.deepEqual(r.outputs, new ReplayRun(good).outputs);
  });

  it('an over-long line is refused without parsing it', () => {
    assert.throws(() => parseReplayLine(`{"x":"${'a'.repeat(1024 * 1024)}"}`), /longer than/);
  });
});

describe('replay — input kinds', () => {
  it('api: BMW’s REST map (strings) and BMW’s whole answer give what the stream gives', () => {
    const stream = new ReplayRun(`${P50}; EVAL 1800`);
    const api = new ReplayRun(
      `API -600 {HDR=50 %, MAXE=80 kWh, TGT=80 %}; MSG 0 {STAT=CHARGINGACTIVE, VOLT=230 V, AMP=16 A, PH="3-PHASES"}; EVAL 1800`,
    );
    assert.deepEqual(api.outputs, stream.outputs);
    const [first, ...others] = trace(
      `API -600 {HDR=50 %, MAXE=80 kWh, TGT=80 %}; MSG 0 {STAT=CHARGINGACTIVE, VOLT=230 V, AMP=16 A, PH="3-PHASES"}; EVAL 1800`,
    );
    const line = JSON.parse(first ?? '') as { telematicData: Record<string, { value: unknown }> };
    assert.equal(line.telematicData['vehicle.drivetrain.batteryManagement.header']?.value, '50');
    const whole = JSON.stringify({ ...line, telematicData: { telematicData: line.telematicData } });
    assert.deepEqual(new ReplayRun([whole, ...others]).outputs, stream.outputs);
  });

  it('meter: replaces BMW’s power for that VIN (7.3 kW less 0.3 kW aux)', () => {
    const r = new ReplayRun(good);
    const p = r.predictionAt(630);
    near(p.attributes.power_kw, 7.3);
    // 600 s at 10.74 kW net, then 30 s at 7.0 kW net.
    near(p.attributes.raw, 50 + ((10.74 * 600 + 7.0 * 30) / 3600) * 1.125);
  });

  it('speed: accepted and checked, changes nothing yet', () => {
    const with_ = new ReplayRun(`${P50}; SPEED 100 42; SPEED 130 null; EVAL 200`);
    assert.deepEqual(with_.errors, []);
    assert.deepEqual(with_.outputs, new ReplayRun(`${P50}; EVAL 200`).outputs);
  });

  it('reset consumption: accepted, nothing to reset yet', () => {
    const r = new ReplayRun(`${P50}; RESET 100 consumption; EVAL 200`);
    assert.deepEqual(r.errors, []);
    assert.equal(r.predictionAt(200).attributes.efficiency, 0.9);
  });

  it('a stream line without the message timestamp, or with extra fields, is fine', () => {
    const line = {
      at: iso(0),
      kind: 'stream',
      note: 'recorded by hand',
      message: { vin: VIN, data: { 'vehicle.drivetrain.batteryManagement.header': { value: 61, unit: '%' } } },
    };
    const r = new ReplayRun([JSON.stringify(line), JSON.stringify({ at: iso(5), kind: 'eval' })]);
    assert.deepEqual(r.errors, []);
    assert.equal(r.predictionAt(5).payload, 61);
  });
});
