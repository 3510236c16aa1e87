import assert from 'node:assert/strict';
import { ManualClock } from '../../src/cardata/clock';
import { parseSimArgs } from '../../src/cli/sim-args';
import { CarDataSimulator } from '../../src/sim/simulator';

/** The simulator's Traccar server: Traccar's REST API over HTTP, fed by the vehicle model, with its control routes. */
describe('simulator: Traccar server', function () {
  this.timeout(20_000);
  let sim: CarDataSimulator;
  let clock: ManualClock;

  before(async () => {
    clock = new ManualClock('2026-03-02T10:00:00Z');
    sim = await CarDataSimulator.start({ vehicles: 2, vehicleClock: clock });
  });
  after(() => sim.stop());
  afterEach(() => sim.traccar.resetFaults());

  const api = (path: string, token: string | null = sim.traccar.token) =>
    fetch(`${sim.traccar.url}${path}`, token === null ? {} : { headers: { Authorization: `Bearer ${token}` } });
  const control = (path: string, body?: unknown) =>
    fetch(`${sim.ready.authBaseUrl}/sim/traccar${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('lives under <authBaseUrl>/traccar with a token per start, and leaves the ready line as it was', async () => {
    assert.equal(sim.traccar.url, `${sim.ready.authBaseUrl}/traccar`);
    assert.ok(sim.traccar.token.length >= 16);
    assert.deepEqual(Object.keys(sim.ready), [
      'event',
      'authBaseUrl',
      'apiBaseUrl',
      'mqtt',
      'clientId',
      'gcid',
      'vins',
    ]);
    const other = await CarDataSimulator.start({ vehicles: 1, runVehicles: false, traccarToken: 'fixed-token-1234' });
    try {
      assert.equal(other.traccar.token, 'fixed-token-1234');
      assert.notEqual(other.traccar.token, sim.traccar.token);
    } finally {
      await other.stop();
    }
  });

  it('takes a fixed token from the command line (--traccar-token)', () => {
    assert.deepEqual(parseSimArgs(['--traccar-token', 'demo-token-42']), {
      help: false,
      options: { traccarToken: 'demo-token-42' },
    });
    assert.throws(() => parseSimArgs(['--traccar-token', 'short']), /at least 8 printable characters/);
  });

  it('lists one device per car, named after the VIN’s last four characters', async () => {
    const response = await api('/api/devices');
    assert.equal(response.status, 200);
    const devices = (await response.json()) as { id: number; name: string; uniqueId: string }[];
    assert.deepEqual(
      devices.map((d) => [d.id, d.name, d.uniqueId]),
      sim.ready.vins.map((vin, i) => [i + 1, `Tracker ${vin.slice(-4)}`, vin]),
    );
    const info = (await (await control('')).json()) as { url: string; token: string; devices: unknown[] };
    assert.deepEqual(info.devices, sim.traccar.devices);
    assert.equal(info.url, sim.traccar.url);
    assert.equal(info.token, sim.traccar.token, 'the control API is how a CLI user learns the token');
  });

  it('answers 401 without a token or with a wrong one', async () => {
    assert.equal((await api('/api/devices', null)).status, 401);
    assert.equal((await api('/api/positions?deviceId=1', 'nope')).status, 401);
    const body = await (await api('/api/devices', 'nope')).text();
    assert.ok(!body.includes(sim.traccar.token));
  });

  it('reports the car’s true position and speed in knots at the vehicle clock’s time', async () => {
    const vin = sim.ready.vins[0];
    sim.fleet.command(vin, { drive: { km: 30, profile: 'highway' } });
    clock.advance(5 * 60_000);
    const truth = sim.fleet.trueState(vin);
    assert.ok(truth.speedKmh > 30, `driving: ${truth.speedKmh}`);
    const positions = (await (await api('/api/positions?deviceId=1')).json()) as Record<string, any>[];
    assert.equal(positions.length, 1);
    const p = positions[0];
    assert.equal(p.deviceId, 1);
    assert.ok(Math.abs(p.speed - truth.speedKmh / 1.852) < 1e-9);
    assert.equal(p.latitude, truth.latitude);
    assert.equal(p.longitude, truth.longitude);
    assert.equal(p.course, truth.headingDeg);
    assert.equal(p.valid, true);
    assert.equal(p.deviceTime, new Date(clock.now()).toISOString());
    assert.equal(p.fixTime, p.deviceTime);
    assert.deepEqual(p.attributes, {});
    for (const field of ['id', 'altitude', 'serverTime']) assert.ok(field in p, field);
    const all = (await (await api('/api/positions')).json()) as { deviceId: number }[];
    assert.deepEqual(
      all.map((x) => x.deviceId),
      [1, 2],
      'without deviceId: the latest position of every device',
    );
    assert.equal((await api('/api/positions?deviceId=99')).status, 400);
  });

  it('control routes: the server down (503 or no answer), the token refused, positions frozen', async () => {
    assert.equal((await control('/faults', { status: 503 })).status, 200);
    assert.equal((await api('/api/devices')).status, 503);
    await control('/faults', { status: 0, offline: true });
    await assert.rejects(api('/api/devices'), 'the connection is closed without an answer');
    await control('/faults/reset', {});
    await control('/faults', { refuseToken: true });
    assert.equal((await api('/api/devices')).status, 401);
    await control('/faults/reset', {});

    await control('/faults', { frozen: true });
    const before = ((await (await api('/api/positions?deviceId=2')).json()) as { deviceTime: string }[])[0];
    clock.advance(10 * 60_000);
    const after = ((await (await api('/api/positions?deviceId=2')).json()) as { deviceTime: string }[])[0];
    assert.equal(after.deviceTime, before.deviceTime, 'a tracker that stopped reporting: its position ages');
    await control('/faults/reset', {});
    const fresh = ((await (await api('/api/positions?deviceId=2')).json()) as { deviceTime: string }[])[0];
    assert.equal(fresh.deviceTime, new Date(clock.now()).toISOString());

    const bad = await control('/faults', { stauts: 503 });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /unknown Traccar fault "stauts"/);
    assert.equal((await control('/faults', { status: 200 })).status, 400);
  });
});
