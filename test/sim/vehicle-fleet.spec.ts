import assert from 'node:assert/strict';
import { ManualClock } from '../../src/cardata/clock';
import { VIN_PATTERN, type StreamMessage } from '../../src/cardata/wire';
import { D } from '../../src/sim/vehicle/descriptors';
import { Fleet, type TruthLine } from '../../src/sim/vehicle/fleet';
import { getProfile } from '../../src/sim/vehicle/profiles';
import { defaultVehicleSpecs } from '../../src/sim/vehicle/specs';
import { HOUR, MINUTE } from './vehicle-helpers';

const GCID = 'aa111192-d570-4d3d-8835-656ee00edcd7';

function fleetOf(count: number, seed = 1, extra: Partial<ConstructorParameters<typeof Fleet>[0]> = {}) {
  const clock = new ManualClock('2026-03-02T06:00:00Z');
  const published: { vin: string; message: StreamMessage; at: number }[] = [];
  const truth: TruthLine[] = [];
  const fleet = new Fleet({
    clock,
    gcid: GCID,
    vehicles: defaultVehicleSpecs(count, seed),
    publish: (vin, message) => published.push({ vin, message, at: clock.now() }),
    onTruth: (line) => truth.push(line),
    ...extra,
  });
  return { clock, fleet, published, truth };
}

describe('simulated vehicle: fleet', () => {
  it('makes valid default specs: a BEV first, a PHEV second, every profile in turn, reproducible', () => {
    const specs = defaultVehicleSpecs(8, 3);
    assert.equal(new Set(specs.map((s) => s.vin)).size, 8);
    for (const s of specs) assert.match(s.vin, VIN_PATTERN);
    assert.equal(getProfile(specs[0].profile).powertrain, 'BEV');
    assert.equal(getProfile(specs[1].profile).powertrain, 'PHEV');
    assert.equal(new Set(specs.map((s) => s.profile)).size, 6);
    assert.deepEqual(defaultVehicleSpecs(8, 3), specs);
    assert.notDeepEqual(defaultVehicleSpecs(8, 4)[0].vin, specs[0].vin);
  });

  it('steps every car from one timer chain on the injected clock, and stop() cancels it', () => {
    const { clock, fleet } = fleetOf(4);
    fleet.start();
    assert.equal(clock.pending(), 1, 'one timer for the whole fleet');
    clock.advance(10 * MINUTE);
    assert.equal(clock.pending(), 1);
    fleet.stop();
    assert.equal(clock.pending(), 0);
    const soc = fleet.trueState(fleet.vins()[0]).soc;
    clock.advance(HOUR);
    assert.equal(fleet.trueState(fleet.vins()[0]).soc, soc, 'nothing moves after stop');
  });

  it('runs the demo loop: every car drives and charges within a few simulated hours', () => {
    const { clock, fleet, published } = fleetOf(2);
    fleet.start();
    const seen = new Map(fleet.vins().map((vin) => [vin, { drove: false, charged: false }]));
    for (let i = 0; i < 6 * 60; i++) {
      clock.advance(MINUTE);
      for (const vin of fleet.vins()) {
        const s = fleet.trueState(vin);
        seen.get(vin)!.drove ||= s.driving;
        seen.get(vin)!.charged ||= s.charging;
      }
    }
    for (const [vin, s] of seen) assert.deepEqual(s, { drove: true, charged: true }, vin);
    for (const vin of fleet.vins()) {
      assert.ok(fleet.chargingSessions(vin).length >= 1, `${vin} finished a charge`);
      assert.ok(published.some((p) => p.vin === vin && D.latitude in p.message.data));
    }
    // At --speed 60 a simulated hour is a real minute: the first trip must start within the first half hour.
    const firstTrip = published.find((p) => D.isMoving in p.message.data || D.doorStatus in p.message.data)!;
    assert.ok(firstTrip.at - Date.parse('2026-03-02T06:00:00Z') < 30 * MINUTE);
  });

  it('publishes as it goes, with message timestamps never ahead of the clock', () => {
    const { clock, fleet, published } = fleetOf(3);
    fleet.start();
    clock.advance(4 * HOUR);
    assert.ok(published.length > 100);
    for (const p of published) {
      assert.ok(Date.parse(p.message.timestamp) <= p.at);
      assert.ok(p.at - Date.parse(p.message.timestamp) < 1000, 'published within a step');
      assert.equal(p.message.vin, p.vin);
      assert.equal(p.message.entityId, GCID);
    }
  });

  it('is deterministic for a seed', () => {
    const a = fleetOf(3, 9);
    const b = fleetOf(3, 9);
    a.fleet.start();
    b.fleet.start();
    a.clock.advance(3 * HOUR);
    b.clock.advance(3 * HOUR);
    assert.deepEqual(a.published, b.published);
    assert.deepEqual(a.truth, b.truth);
    const c = fleetOf(3, 10);
    c.fleet.start();
    c.clock.advance(3 * HOUR);
    assert.notDeepEqual(c.published, a.published);
  });

  it('emits truth lines every 10 s and when charging or driving changes', () => {
    const { clock, fleet, truth } = fleetOf(1);
    const [vin] = fleet.vins();
    fleet.runScenario(vin, [{ park: { minutes: 1.25 } }, { drive: { km: 2, profile: 'city' } }]);
    fleet.start();
    clock.advance(20 * MINUTE);
    const times = truth.map((t) => Date.parse(t.at));
    const regular = times.slice(1).map((t, i) => t - times[i]);
    assert.ok(regular.filter((d) => d === 10_000).length > 100);
    const starts = truth.filter((t, i) => i > 0 && t.driving && !truth[i - 1].driving);
    assert.equal(starts.length, 1);
    assert.equal(
      (Date.parse(starts[0].at) - Date.parse(truth[0].at)) % 10_000 === 0,
      false,
      'a change is its own line',
    );
    const line = truth[truth.length - 1];
    assert.equal(line.vin, vin);
    for (const key of [
      'soc',
      'energyKwh',
      'capacityKwh',
      'latitude',
      'longitude',
      'headingDeg',
      'speedKmh',
      'odometerKm',
    ]) {
      assert.equal(typeof (line as unknown as Record<string, unknown>)[key], 'number', key);
    }
  });

  it('serves FleetView for REST, replaces the demo loop with a scenario, and reports a finished scenario', () => {
    const done: string[] = [];
    const { clock, fleet } = fleetOf(2, 1, { onScenarioDone: (vin) => done.push(vin) });
    const [bev, phev] = fleet.vins();
    assert.equal(fleet.has(bev), true);
    assert.equal(fleet.has('WBA00000000000000'), false);
    assert.equal(fleet.basicData(bev).vin, bev);
    assert.equal(fleet.basicData(bev).driveTrain, 'BEV');
    assert.equal(fleet.basicData(phev).propulsionType, 'PHEV');
    assert.equal(fleet.basicData(bev).hvsMaxEnergyAbsolute, '80.7');
    assert.equal(fleet.reported(bev).get(D.soc)!.value, Math.round(fleet.trueState(bev).soc));
    assert.equal(fleet.reported(phev).get(D.fuelRemaining)!.unit, 'l');
    assert.throws(() => fleet.runScenario(phev, [{ plugIn: { type: 'DC' } }]), /steps\[0\]\.plugIn\.type/);
    assert.throws(() => fleet.command(bev, { drive: { km: 0 } }), /command\.drive\.km/);
    fleet.runScenario(bev, [
      { setSoc: { soc: 50 } },
      { plugIn: { type: 'AC3', targetSoc: 60 } },
      { charge: {} },
      { unplug: {} },
    ]);
    fleet.start();
    clock.advance(2 * HOUR);
    assert.deepEqual(done, [bev]);
    const [session] = fleet.chargingSessions(bev);
    assert.ok(Math.abs(session.endSoc - 60) < 1e-9);
    assert.deepEqual(fleet.position(bev), { latitude: session.latitude, longitude: session.longitude });
    fleet.command(bev, { drive: { km: 3, profile: 'city' } });
    assert.equal(fleet.trueState(bev).driving, true, 'a command applies at once');
  });

  it('keeps every profile going through a simulated day of the demo loop', () => {
    const { clock, fleet, published } = fleetOf(12, 2, { onTruth: undefined });
    fleet.start();
    clock.advance(24 * HOUR);
    assert.ok(published.length > 12_000, `${published.length} messages`);
    for (const vin of fleet.vins()) {
      const s = fleet.trueState(vin);
      assert.ok(s.soc > 0 && s.soc <= 100, `${vin} ${s.soc}`);
      assert.ok(fleet.chargingSessions(vin).length >= 3, `${vin} keeps charging`);
    }
  });
});
