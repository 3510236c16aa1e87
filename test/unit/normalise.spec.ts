/** BMW raw values → readings (src/cardata/normalise.ts): the quirks of reference/cardata-protocol.md §4.3.4, §6.4, §7.4. */
import assert from 'node:assert/strict';
import {
  normaliseUnit,
  normaliseValue,
  parseBmwTimestamp,
  readingsFromData,
  readingsFromStream,
  readingsFromTelematicData,
} from '../../src/cardata/normalise';

const HDR = 'vehicle.drivetrain.batteryManagement.header';
const MOV = 'vehicle.isMoving';

describe('normaliseUnit', () => {
  it('gives one spelling per unit', () => {
    assert.equal(normaliseUnit('percent'), '%');
    assert.equal(normaliseUnit('%'), '%');
    assert.equal(normaliseUnit('kilometers'), 'km');
    assert.equal(normaliseUnit('Kilometres'), 'km');
    assert.equal(normaliseUnit('kilometer'), 'km');
    assert.equal(normaliseUnit('miles'), 'mi');
    assert.equal(normaliseUnit('mile'), 'mi');
    assert.equal(normaliseUnit(' kWh '), 'kWh');
    assert.equal(normaliseUnit('W'), 'W');
  });

  it('no unit is null: missing, empty, the literal "null", non-strings', () => {
    for (const unit of [undefined, null, '', '  ', 'null', 7]) assert.equal(normaliseUnit(unit), null);
  });
});

describe('parseBmwTimestamp', () => {
  it('reads BMW’s stream and REST forms', () => {
    assert.equal(parseBmwTimestamp('2026-08-20T17:02:11Z'), Date.UTC(2026, 7, 20, 17, 2, 11));
    assert.equal(parseBmwTimestamp('2026-08-20T17:02:11.431Z'), Date.UTC(2026, 7, 20, 17, 2, 11, 431));
    assert.equal(parseBmwTimestamp('2026-08-20T19:02:11+02:00'), Date.UTC(2026, 7, 20, 17, 2, 11));
    assert.equal(parseBmwTimestamp('2026-08-20 17:02:11 +0000'), Date.UTC(2026, 7, 20, 17, 2, 11));
  });

  it('reads BMW’s own form (a fast path without the regex) exactly as the general form', () => {
    const cases: [string, number | null][] = [
      ['2024-02-29T23:59:59Z', Date.UTC(2024, 1, 29, 23, 59, 59)],
      ['2025-02-29T10:00:00Z', null],
      ['1900-02-29T10:00:00Z', null],
      ['2000-02-29T10:00:00Z', Date.UTC(2000, 1, 29, 10)],
      ['2026-08-20T17:02:11.4Z', Date.UTC(2026, 7, 20, 17, 2, 11, 400)],
      ['2026-08-20T17:02:11.43Z', Date.UTC(2026, 7, 20, 17, 2, 11, 430)],
      ['2026-08-20T17:02:11.999999999Z', Date.UTC(2026, 7, 20, 17, 2, 11, 999)],
      ['2026-08-20T17:02:11.Z', null],
      ['1969-12-31T23:59:59.999Z', -1],
      ['2026-08-20T17:60:11Z', null],
    ];
    for (const [text, epoch] of cases) {
      assert.equal(parseBmwTimestamp(text), epoch, text);
      // The same instant with a zone takes the general path: both must agree.
      if (epoch !== null) assert.equal(parseBmwTimestamp(text.replace('Z', '+00:00')), epoch, `${text} +00:00`);
    }
  });

  it('reads a timestamp without a zone as UTC, not as the server’s local time', () => {
    assert.equal(parseBmwTimestamp('2026-08-15T17:55:02'), Date.UTC(2026, 7, 15, 17, 55, 2));
  });

  it('drops what the integration drops: too long, bad characters, not starting with a digit, impossible dates', () => {
    for (const bad of [
      `2026-08-20T17:02:11Z${' '.repeat(50)}`,
      '2026-08-20T17:02:11Z<script>',
      'T2026-08-20',
      'yesterday',
      '2026-02-30T10:00:00Z',
      '2026-13-01T10:00:00Z',
      '2026-08-20T25:00:00Z',
      '',
      null,
      1755709331,
    ]) {
      assert.equal(parseBmwTimestamp(bad), null, String(bad));
    }
  });
});

describe('normaliseValue', () => {
  it('turns REST’s numeric strings into numbers and keeps identifiers and enums as strings', () => {
    assert.equal(normaliseValue(HDR, '78'), 78);
    assert.equal(normaliseValue(HDR, ' 9.498705 '), 9.498705);
    assert.equal(normaliseValue(HDR, '-3.5'), -3.5);
    assert.equal(normaliseValue(HDR, 78), 78);
    assert.equal(normaliseValue('x', '0123'), '0123');
    assert.equal(normaliseValue('x', 'CHARGINGACTIVE'), 'CHARGINGACTIVE');
    assert.equal(normaliseValue('x', '3-PHASES'), '3-PHASES');
  });

  it('sentinels and empty strings are no value', () => {
    for (const raw of ['-NA-', '-na-', 'INVALID', '', '   ', null, undefined, Number.NaN]) {
      assert.equal(normaliseValue('x', raw), null, String(raw));
    }
  });

  it('ASN_is* and true/false are booleans on every descriptor; ASN_isUnknown is no value', () => {
    assert.equal(normaliseValue('vehicle.body.trunk.isOpen', 'ASN_isTrue'), true);
    assert.equal(normaliseValue('vehicle.body.trunk.isOpen', 'asn_isfalse'), false);
    assert.equal(normaliseValue('x', 'true'), true);
    assert.equal(normaliseValue('x', 'False'), false);
    assert.equal(normaliseValue('x', 'ASN_isUnknown'), null);
    assert.equal(normaliseValue('x', true), true);
  });

  it('yes/no/on/off/1/0 are booleans only for the motion and plug flags; elsewhere 1 stays a number', () => {
    for (const raw of ['yes', 'on', '1', 1]) assert.equal(normaliseValue(MOV, raw), true, String(raw));
    for (const raw of ['no', 'off', '0', 0]) assert.equal(normaliseValue(MOV, raw), false, String(raw));
    assert.equal(normaliseValue(HDR, '1'), 1);
    assert.equal(normaliseValue(HDR, 0), 0);
    assert.equal(normaliseValue('x', 'yes'), 'yes');
  });

  it('structured values become their JSON text', () => {
    assert.equal(normaliseValue('x', { a: 1 }), '{"a":1}');
    assert.equal(normaliseValue('x', [1, 2]), '[1,2]');
  });
});

describe('readings from messages', () => {
  it('a stream message gives its readings in payload order, with units and times normalised', () => {
    const readings = readingsFromStream({
      vin: 'WBY8P2C05R7A12345',
      timestamp: '2026-08-20T17:02:12.431Z',
      data: {
        [HDR]: { timestamp: '2026-08-20T17:02:11Z', value: 78, unit: 'percent' },
        'vehicle.drivetrain.electricEngine.charging.status': {
          timestamp: '2026-08-20T17:02:11Z',
          value: 'CHARGINGACTIVE',
        },
        'vehicle.powertrain.electric.battery.charging.power': { timestamp: 'garbage', value: 10870, unit: 'W' },
        [MOV]: { value: 'ASN_isUnknown' },
      },
    });
    assert.deepEqual(readings, [
      { descriptor: HDR, value: 78, unit: '%', measuredAt: Date.UTC(2026, 7, 20, 17, 2, 11) },
      {
        descriptor: 'vehicle.drivetrain.electricEngine.charging.status',
        value: 'CHARGINGACTIVE',
        unit: null,
        measuredAt: Date.UTC(2026, 7, 20, 17, 2, 11),
      },
      { descriptor: 'vehicle.powertrain.electric.battery.charging.power', value: 10870, unit: 'W', measuredAt: null },
      { descriptor: MOV, value: null, unit: null, measuredAt: null },
    ]);
  });

  it('REST telematicData (all strings) reads the same as the stream', () => {
    const map = {
      [HDR]: { value: '78', unit: 'percent', timestamp: '2026-08-20T17:02:11.000Z' },
      'vehicle.vehicle.travelledDistance': { value: '23817', unit: null, timestamp: '2026-08-20T16:58:40.000Z' },
      'vehicle.drivetrain.fuelSystem.level': { value: null, unit: null, timestamp: null },
    };
    const expected = [
      { descriptor: HDR, value: 78, unit: '%', measuredAt: Date.UTC(2026, 7, 20, 17, 2, 11) },
      {
        descriptor: 'vehicle.vehicle.travelledDistance',
        value: 23817,
        unit: null,
        measuredAt: Date.UTC(2026, 7, 20, 16, 58, 40),
      },
      { descriptor: 'vehicle.drivetrain.fuelSystem.level', value: null, unit: null, measuredAt: null },
    ];
    assert.deepEqual(readingsFromTelematicData(map), expected);
    assert.deepEqual(readingsFromTelematicData({ telematicData: map }), expected);
    assert.deepEqual(readingsFromTelematicData({ telematicData: { telematicData: map } }), expected);
    assert.deepEqual(readingsFromTelematicData({ data: map }), expected);
  });

  it('strips the catalogue’s zero-width spaces from descriptor names', () => {
    const [reading] = readingsFromData({
      'vehicle.\u200bdrivetrain.\u200bbatteryManagement.\u200bheader': { value: 5 },
    });
    assert.equal(reading?.descriptor, HDR);
  });

  it('skips entries that are not objects and reads garbage as no readings, without throwing', () => {
    assert.deepEqual(readingsFromData({ [HDR]: 78, ok: { value: 1 } }), [
      { descriptor: 'ok', value: 1, unit: null, measuredAt: null },
    ]);
    for (const garbage of [null, undefined, 'text', 42, [1, 2]]) {
      assert.deepEqual(readingsFromData(garbage), []);
      assert.deepEqual(readingsFromTelematicData(garbage), []);
    }
  });
});
