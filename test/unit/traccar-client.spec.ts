import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ManualClock } from '../../src/cardata/clock';
import { traccarApiRoutes } from '../../src/sim/traccar/api-routes';
import { SimTraccar, type SimTraccarDevice } from '../../src/sim/traccar/sim-traccar';
import type { TrueState } from '../../src/sim/vehicle/model';
import { TraccarClient, normaliseTraccarUrl } from '../../src/traccar/client';
import { speedBracket } from '../../src/vehicle/driving/speed-brackets';

const VIN_A = 'WBA00000000000001';
const VIN_B = 'WBA00000000000002';
const TOKEN = 'test-token-Zx9-secret';

/**
 * The client against the simulator's Traccar API over real HTTP (no mock of Traccar): a bare express app holding only
 * the Traccar routes, with devices and speeds the test sets.
 */
describe('Traccar client', () => {
  let clock: ManualClock;
  let server: Server;
  let baseUrl: string;
  let traccar: SimTraccar;
  const speeds = new Map<string, number>();

  async function start(devices: SimTraccarDevice[]): Promise<void> {
    traccar = new SimTraccar({
      clock,
      vins: [VIN_A, VIN_B],
      devices,
      token: TOKEN,
      trueState: (vin) =>
        ({ latitude: 48.1, longitude: 11.5, headingDeg: 90, speedKmh: speeds.get(vin) ?? 0 }) as TrueState,
    });
    const app = express();
    app.use('/traccar', traccarApiRoutes(traccar));
    server = createServer(app);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/traccar`;
  }
  const client = (options: Partial<ConstructorParameters<typeof TraccarClient>[0]> = {}) =>
    new TraccarClient({ url: baseUrl, token: TOKEN, clock, ...options });

  beforeEach(() => {
    clock = new ManualClock('2026-03-02T10:00:00Z');
    speeds.clear();
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  });

  it('TR-03: resolves a name to the first exact, case-sensitive match; a missing name is unknown_device', async () => {
    await start([
      { id: 7, name: 'MyTracker', vin: VIN_A },
      { id: 9, name: 'mytracker', vin: VIN_B },
    ]);
    const c = client();
    assert.equal(await c.deviceId('MyTracker'), 7);
    assert.equal(await c.deviceId('mytracker'), 9);
    const missing = await c.read('Tracker2');
    assert.equal(missing.reason, 'unknown_device');
    assert.equal(missing.speedKmh, null);
    assert.equal(missing.deviceId, null);
  });

  it('TR-03: 54 kn → 100.008 km/h (highway), with time and place of the fix', async () => {
    await start([{ id: 7, name: 'MyTracker', vin: VIN_A }]);
    speeds.set(VIN_A, 54 * 1.852);
    const reading = await client().read('MyTracker');
    assert.equal(reading.reason, null);
    assert.ok(Math.abs(reading.speedKmh! - 100.008) < 1e-9, String(reading.speedKmh));
    assert.equal(speedBracket(reading.speedKmh), 'highway');
    assert.equal(reading.valid, true);
    assert.equal(reading.deviceTime, clock.now());
    assert.equal(reading.deviceId, 7);
    assert.deepEqual([reading.latitude, reading.longitude], [48.1, 11.5]);
  });

  it('TR-03: an invalid fix gives no speed', async () => {
    await start([{ id: 7, name: 'MyTracker', vin: VIN_A }]);
    speeds.set(VIN_A, 80);
    traccar.setFaults({ invalidFix: true });
    const reading = await client().read('MyTracker');
    assert.equal(reading.speedKmh, null);
    assert.equal(reading.valid, false);
    assert.equal(reading.reason, 'invalid');
  });

  it('TR-03: an HTTP error gives no speed (http_error), a server that is off is unreachable', async () => {
    await start([{ id: 7, name: 'MyTracker', vin: VIN_A }]);
    const c = client();
    traccar.setFaults({ status: 503 });
    const down = await c.read('MyTracker');
    assert.deepEqual([down.speedKmh, down.reason], [null, 'http_error']);
    traccar.setFaults({ status: 0, offline: true });
    const off = await c.read('MyTracker');
    assert.deepEqual([off.speedKmh, off.reason], [null, 'unreachable']);
    traccar.resetFaults();
    assert.equal((await c.read('MyTracker')).reason, null, 'back to normal');
  });

  it('a refused token is unauthorized, and the token appears in no reading, error or detail', async () => {
    await start([{ id: 7, name: 'MyTracker', vin: VIN_A }]);
    const wrong = 'wrong-token-Qq7-secret';
    const refused = await client({ token: wrong }).read('MyTracker');
    assert.equal(refused.reason, 'unauthorized');
    assert.equal(refused.speedKmh, null);
    traccar.setFaults({ refuseToken: true });
    const revoked = await client().read('MyTracker');
    assert.equal(revoked.reason, 'unauthorized');
    traccar.resetFaults();
    // Thrown errors too: the device list throws rather than returning a reading.
    const thrown = await client({ token: wrong })
      .devices()
      .then(
        () => undefined,
        (err: Error) => err,
      );
    assert.ok(thrown);
    assert.equal((thrown as { reason?: string }).reason, 'unauthorized');
    // A network error (axios attaches the request headers to its errors): nothing of it is passed on.
    const unreachable = await new TraccarClient({ url: 'http://127.0.0.1:1', token: TOKEN }).read('MyTracker');
    assert.equal(unreachable.reason, 'unreachable');
    for (const seen of [refused, revoked, thrown, unreachable]) {
      const text = JSON.stringify(seen) + String((seen as Error).message) + String((seen as Error).stack);
      assert.ok(!text.includes(TOKEN) && !text.includes(wrong), text);
    }
    assert.ok(!JSON.stringify(thrown, Object.getOwnPropertyNames(thrown)).includes(wrong));
  });

  it('a position older than the maximum age is stale (default 300 s, configurable)', async () => {
    await start([{ id: 7, name: 'MyTracker', vin: VIN_A }]);
    speeds.set(VIN_A, 50);
    traccar.setFaults({ frozen: true });
    const frozenAt = clock.now();
    clock.advance(300_000);
    const atLimit = await client().read('MyTracker');
    assert.equal(atLimit.reason, null, 'exactly 300 s old is still current');
    clock.advance(1_000);
    const stale = await client().read('MyTracker');
    assert.equal(stale.reason, 'stale');
    assert.equal(stale.speedKmh, null);
    assert.equal(stale.deviceTime, frozenAt);
    assert.equal(stale.valid, true, 'the fix itself was valid');
    assert.equal((await client({ maxAgeMs: 600_000 }).read('MyTracker')).reason, null);
    assert.equal((await client({ maxAgeMs: 0 }).read('MyTracker')).reason, null, '0 turns the check off');
  });

  it('looks an unresolved device up again at the next poll, and keeps a resolved one', async () => {
    const devices: SimTraccarDevice[] = [{ id: 7, name: 'MyTracker', vin: VIN_A }];
    await start(devices);
    const c = client();
    traccar.setFaults({ status: 503 });
    assert.equal((await c.read('MyTracker')).reason, 'http_error');
    traccar.resetFaults();
    const ok = await c.read('MyTracker');
    assert.equal(ok.reason, null, 'resolved at the second poll');
    assert.equal(ok.deviceId, 7);
    // Once resolved, the name is not looked up again: a rename in Traccar does not lose the device.
    devices[0].name = 'Renamed';
    const cached = await c.read('MyTracker');
    assert.deepEqual([cached.reason, cached.deviceId], [null, 7]);
  });

  it('a device added to Traccar after start-up is found at a later poll', async () => {
    const devices: SimTraccarDevice[] = [{ id: 7, name: 'MyTracker', vin: VIN_A }];
    await start(devices);
    const c = client();
    assert.equal((await c.read('Tracker2')).reason, 'unknown_device');
    devices.push({ id: 9, name: 'Tracker2', vin: VIN_B });
    speeds.set(VIN_B, 30);
    const later = await c.read('Tracker2');
    assert.equal(later.reason, null);
    assert.ok(Math.abs(later.speedKmh! - 30) < 1e-9);
  });

  it('older Traccar answering every device’s position: the last one OF THAT DEVICE is used', async () => {
    await start([
      { id: 7, name: 'MyTracker', vin: VIN_A },
      { id: 9, name: 'Tracker2', vin: VIN_B },
    ]);
    speeds.set(VIN_A, 42);
    speeds.set(VIN_B, 120);
    traccar.setFaults({ allDevicesQuirk: true });
    const reading = await client().read('MyTracker');
    assert.ok(Math.abs(reading.speedKmh! - 42) < 1e-9, `not the other car's 120: ${reading.speedKmh}`);
  });

  it('takes http and https URLs only, without a trailing slash, credentials or query', () => {
    assert.equal(normaliseTraccarUrl(' http://192.168.1.50:8082/ '), 'http://192.168.1.50:8082');
    assert.equal(normaliseTraccarUrl('https://gps.example.org/traccar//'), 'https://gps.example.org/traccar');
    for (const bad of ['ftp://x', 'gps.example.org', '', 'http://u:p@x', 'http://x/?a=1']) {
      assert.throws(() => normaliseTraccarUrl(bad), Error, bad);
    }
    assert.throws(() => new TraccarClient({ url: 'http://x', token: ' ' }), /token/);
  });
});
