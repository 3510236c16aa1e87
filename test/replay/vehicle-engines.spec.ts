/** The per-VIN engine set (src/vehicle/vehicle-engines.ts) the nodes and `cardata-replay` share. */
import assert from 'node:assert/strict';
import { readingsFromStream } from '../../src/cardata/normalise';
import type { VehicleOutput } from '../../src/vehicle/engine-slot';
import { VehicleEngines } from '../../src/vehicle/vehicle-engines';
import { ChargingScript } from '../unit/helpers/charging-script';
import { VIN, at, near } from './helpers/trace';

const OTHER = 'WBA00000000000002';
const notation = new ChargingScript();

function readings(t: number, body: string) {
  return readingsFromStream(notation.message(t, body));
}

function plugIn(engines: VehicleEngines, vin: string): void {
  engines.ingest(vin, readings(-600, 'HDR=50 %, MAXE=80 kWh, TGT=80 %'), at(-600));
  engines.ingest(vin, readings(0, 'STAT=CHARGINGACTIVE, VOLT=230 V, AMP=16 A, PH="3-PHASES"'), at(0));
}

function ticks(engines: VehicleEngines, from: number, to: number): VehicleOutput[] {
  const outputs: VehicleOutput[] = [];
  for (let t = from; t <= to; t += 30) outputs.push(...engines.tick(at(t)));
  return outputs;
}

describe('VehicleEngines', () => {
  it('routes readings to their VIN: one car charging leaves the other alone', () => {
    const engines = new VehicleEngines();
    engines.ingest(OTHER, readings(-600, 'HDR=70 %, MAXE=80 kWh'), at(-600));
    plugIn(engines, VIN);
    const outputs = ticks(engines, 30, 600);
    assert.ok(outputs.every((o) => o.vin === VIN));
    const [other, mine] = engines.evaluate(at(600));
    assert.equal(mine?.vin, VIN);
    near(mine?.attributes.raw, 52.01375);
    assert.equal(other?.vin, OTHER);
    assert.equal(other?.attributes.raw, 70);
    assert.equal(other?.attributes.charging, false);
    assert.deepEqual(engines.vins, [OTHER, VIN]);
  });

  it('shapes predictions and events as DESIGN.md §6 lines without at and node', () => {
    const engines = new VehicleEngines();
    const first = engines.ingest(VIN, readings(-600, 'HDR=50 %, MAXE=80 kWh, TGT=80 %'), at(-600));
    assert.equal(first.length, 1);
    assert.deepEqual(Object.keys(first[0] ?? {}), ['engine', 'kind', 'vin', 'topic', 'payload', 'attributes']);
    const start = engines.ingest(VIN, readings(0, 'STAT=CHARGINGACTIVE, VOLT=230 V, AMP=16 A, PH="3-PHASES"'), at(0));
    assert.deepEqual(
      start.map((o) => [o.kind, o.topic, o.payload, o.attributes.anchor_soc ?? null]),
      [
        ['event', `${VIN}/event`, 'charge_started', 50],
        ['prediction', `${VIN}/predicted_soc`, 50, null],
      ],
    );
    const names = Object.keys(start[1]?.attributes ?? {});
    for (const name of ['raw', 'charging', 'efficiency', 'condition', 'power_kw', 'session_energy_kwh', 'samples']) {
      assert.ok(names.includes(name), name);
    }
    for (const name of ['seconds_since_bmw_soc', 'error_bound', 'bmw_soc', 'method', 'phases']) {
      assert.ok(names.includes(name), name);
    }
    assert.ok(
      names.every((name) => /^[a-z_]+$/.test(name)),
      'snake_case',
    );
  });

  it('payload is the value rounded to one decimal, raw the value itself', () => {
    const engines = new VehicleEngines();
    plugIn(engines, VIN);
    ticks(engines, 30, 1800);
    const [p] = engines.evaluate(at(1815));
    near(p?.attributes.raw, 56.0915938, 1e-7);
    assert.equal(p?.payload, 56.1);
  });

  it('a REST poll the engine asks for is a request, not an event', () => {
    const engines = new VehicleEngines();
    engines.ingest(VIN, readings(-600, 'HDR=50 %, MAXE=80 kWh'), at(-600));
    engines.ingest(VIN, readings(0, 'STAT=CHARGINGACTIVE, VOLT=230 V, AMP=16 A'), at(0));
    const at60 = ticks(engines, 30, 60).filter((o) => o.kind !== 'prediction');
    assert.deepEqual(
      at60.map((o) => [o.kind, o.payload, o.attributes]),
      [
        ['event', 'phase_count_missing', {}],
        ['request', 'poll_requested', { reason: 'phase_count' }],
      ],
    );
  });

  it('sends no prediction for a VIN it has no basis for (no BMW SOC yet), only its events', () => {
    const engines = new VehicleEngines();
    const outputs = engines.ingest(VIN, readings(0, 'MAXE=80 kWh, STAT=CHARGINGACTIVE'), at(0));
    assert.deepEqual(
      outputs.map((o) => [o.kind, o.payload]),
      [['event', 'charge_started']],
    );
    assert.deepEqual(engines.tick(at(30)), []);
    assert.deepEqual(engines.evaluate(at(40)), []);
    assert.equal(engines.ingest(VIN, readings(50, 'HDR=50 %'), at(50))[0]?.kind, 'prediction');
  });

  it('manual options: defaults for every VIN, configure() per VIN', () => {
    const engines = new VehicleEngines({ capacityKwh: 40 });
    engines.configure(OTHER, { capacityKwh: 80 });
    plugIn(engines, VIN);
    plugIn(engines, OTHER);
    ticks(engines, 30, 1800);
    const [mine, other] = engines.evaluate(at(1800));
    near(mine?.attributes.raw, 50 + 5.37 * 0.9 * (100 / 40));
    near(other?.attributes.raw, 56.04125);
  });

  it('reset: false for an unknown VIN, a VIN that never learned and consumption; true once learned', () => {
    const engines = new VehicleEngines();
    assert.equal(engines.reset(VIN, 'ac'), false);
    plugIn(engines, VIN);
    assert.equal(engines.reset(VIN, 'ac'), false);
    ticks(engines, 30, 3600);
    engines.ingest(VIN, readings(3600, 'STAT=NOCHARGING, HDR=62 %'), at(3600));
    assert.equal(engines.reset(VIN, 'consumption'), false);
    assert.equal(engines.reset(VIN, 'dc'), true);
    assert.equal(engines.chargingEngine(VIN)?.matrix?.size, 1, 'DC reset keeps the AC condition');
    assert.equal(engines.reset(VIN, 'both'), true);
    assert.equal(engines.chargingEngine(VIN)?.matrix?.size, 0);
  });

  it('snapshot: one JSON-safe object; restored, the engines continue exactly where they were', () => {
    const engines = new VehicleEngines();
    plugIn(engines, VIN);
    engines.ingest(OTHER, readings(0, 'HDR=70 %'), at(0));
    ticks(engines, 30, 900);
    const snapshot = engines.snapshot();
    const json = JSON.parse(JSON.stringify(snapshot)) as unknown;
    assert.deepEqual(json, snapshot);
    const restored = new VehicleEngines({}, json);
    assert.deepEqual(restored.vins, engines.vins);
    const later = (e: VehicleEngines) => [
      ...ticks(e, 930, 1800),
      ...e.ingest(VIN, readings(1800, 'STAT=NOCHARGING, HDR=56 %'), at(1800)),
      ...e.evaluate(at(1900)),
    ];
    assert.deepEqual(later(restored), later(engines));
    assert.deepEqual(restored.snapshot(), engines.snapshot());
  });

  it('an unreadable snapshot starts afresh; an unreadable VIN part starts that VIN afresh', () => {
    for (const garbage of [null, 'x', { version: 2, vehicles: {} }, { version: 1, vehicles: [] }]) {
      assert.deepEqual(new VehicleEngines({}, garbage).vins, []);
    }
    const engines = new VehicleEngines();
    plugIn(engines, VIN);
    engines.ingest(OTHER, readings(0, 'HDR=70 %'), at(0));
    const snapshot = JSON.parse(JSON.stringify(engines.snapshot())) as { vehicles: Record<string, unknown> };
    snapshot.vehicles[VIN] = { engines: { charging: { learned: 'x', state: { version: 1, state: 'x' } } }, sent: 7 };
    const restored = new VehicleEngines({}, snapshot);
    assert.equal(restored.chargingEngine(VIN)?.charging, false);
    assert.equal(restored.evaluate(at(10))[0]?.vin, OTHER);
  });
});
