import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { ManualClock } from '../../src/cardata/clock';
import { CarDataSimulator } from '../../src/sim/simulator';
import { assertContractMessage, assertHomeAssistantMessage } from '../helpers/message-contract';
import { freshUserDir, helper, nodeModule } from '../helpers/node-red';
import { waitFor } from '../helpers/processes';

const traccarNode = nodeModule('cardata-traccar');
const speedNode = nodeModule('cardata-traccar-speed');
const STATUS = 'node-red-contrib-bmw-cardata/cardata-traccar-speed:cardata-traccar-speed.status.';

/**
 * The traccar-speed node against the simulator's Traccar server over HTTP. One ManualClock is both the simulated cars'
 * clock (the positions' device time) and the node's (its 60 s polling), so minutes pass in virtual time.
 */
describe('cardata-traccar-speed node', function () {
  this.timeout(30_000);
  let sim: CarDataSimulator;
  let clock: ManualClock;
  let userDir: string;
  let received: any[];
  let caught: any[];
  const vins = () => sim.ready.vins;
  const deviceOf = (vin: string) => sim.traccar.devices.find((d) => d.vin === vin)!.name;
  const node = () => helper.getNode('speed') as any;
  const statuses = (): any[] =>
    node()
      .status.getCalls()
      .filter((call: any) => call.thisValue === node())
      .map((call: any) => call.args[0]);
  const lastStatus = () => statuses().at(-1);
  const logs = () =>
    helper
      .log()
      .args.map((a: any[]) => a[0])
      .filter((e: any) => e.id === 'speed' || e.id === 'srv');
  const waitForCount = (n: number) => waitFor(() => (received.length >= n ? true : undefined));
  /** Let real time pass for requests that must NOT happen. */
  const quiet = () => new Promise((r) => setTimeout(r, 300));

  before(async () => {
    clock = new ManualClock('2026-03-02T10:00:00Z');
    sim = await CarDataSimulator.start({ vehicles: 2, vehicleClock: clock });
    // Both cars on the motorway, a few minutes in.
    for (const vin of vins()) sim.fleet.command(vin, { drive: { km: 200, profile: 'highway' } });
    clock.advance(6 * 60_000);
  });
  after(() => sim.stop());
  beforeEach(async () => {
    userDir = freshUserDir();
    received = [];
    caught = [];
    helper.settings({ userDir, cardataClock: clock } as never);
    await new Promise<void>((done) => helper.startServer(done));
  });
  afterEach(async () => {
    sim.traccar.resetFaults();
    await helper.unload();
    await new Promise<void>((done) => helper.stopServer(done));
    rmSync(userDir, { recursive: true, force: true });
  });

  async function load(speed: Record<string, unknown> = {}, token = sim.traccar.token) {
    await helper.load(
      [traccarNode, speedNode] as never,
      [
        { id: 'srv', type: 'cardata-traccar', url: `${sim.traccar.url}/`, maxAge: 300 },
        {
          id: 'speed',
          type: 'cardata-traccar-speed',
          traccar: 'srv',
          vinMap: `${vins()[0]}:${deviceOf(vins()[0])}`,
          mode: 'trip',
          wires: [['out']],
          ...speed,
        },
        { id: 'out', type: 'helper' },
        { id: 'c1', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ] as never,
      { srv: { token } },
    );
    helper.getNode('out').on('input', (msg: unknown) => received.push(msg));
    helper.getNode('caught').on('input', (msg: unknown) => caught.push(msg));
  }

  it('polls at the trip start and every 60 s, sends the contract message, stops at the trip end', async () => {
    await load();
    const vin = vins()[0];
    assert.deepEqual(lastStatus(), { fill: 'grey', shape: 'ring', text: `${STATUS}idle` });
    const before = sim.traccar.requests;

    node().receive({ topic: `${vin}/trip`, payload: 'started', vin, metric: 'trip' });
    await waitForCount(1);
    const truth = sim.fleet.trueState(vin);
    const first = received[0];
    assertContractMessage(first, { vin, metric: 'traccar_speed', unit: 'km/h' });
    assert.equal(first.topic, `${vin}/traccar_speed`);
    assert.ok(Math.abs(first.payload - truth.speedKmh) < 0.001, `${first.payload} vs true ${truth.speedKmh}`);
    assert.ok(first.payload > 60, 'on the motorway');
    const now = new Date(clock.now()).toISOString();
    assert.equal(first.timestamp, now, 'the position’s device time');
    assert.deepEqual(Object.keys(first.attributes).sort(), [
      'device_id',
      'device_name',
      'device_time',
      'reason',
      'speed_bracket',
      'stale',
      'valid',
    ]);
    assert.equal(first.attributes.valid, true);
    assert.equal(first.attributes.stale, false);
    assert.equal(first.attributes.reason, null);
    assert.equal(first.attributes.device_id, 1);
    assert.equal(first.attributes.device_name, deviceOf(vin));
    assert.equal(first.attributes.device_time, now);
    assert.ok(['suburban', 'highway', 'fast_highway'].includes(first.attributes.speed_bracket));
    await waitFor(() => (lastStatus()?.fill === 'green' ? true : undefined));
    assert.equal(lastStatus().shape, 'dot');
    assert.match(lastStatus().text, /^\d+\.\d km\/h \S/);

    // A second trip start (e.g. from magic-soc too) does not start a second loop.
    node().receive({ topic: `${vin}/event`, payload: 'trip_started' });
    await quiet();
    assert.equal(received.length, 1);

    await clock.advanceAsync(60_000, 1000);
    await waitForCount(2);
    await clock.advanceAsync(60_000, 1000);
    await waitForCount(3);
    await quiet();
    assert.equal(received.length, 3, 'one message per poll');

    node().receive({ topic: `${vin}/trip`, payload: 'ended' });
    await quiet();
    const requestsAtEnd = sim.traccar.requests;
    await clock.advanceAsync(5 * 60_000, 10_000);
    await quiet();
    assert.equal(received.length, 3, 'no polls after the trip end');
    assert.equal(sim.traccar.requests, requestsAtEnd, 'no request either');
    assert.equal(requestsAtEnd - before, 4, 'the device list once, then one position request per poll');
    assert.deepEqual(lastStatus(), { fill: 'grey', shape: 'ring', text: `${STATUS}idle` });
    assert.equal(caught.length, 0);
  });

  it('follows magic-soc’s trip events, ignores other metrics quietly and rejects input it cannot use', async () => {
    await load();
    const vin = vins()[0];
    for (const msg of [
      { topic: `${vin}/vehicle.powertrain.electric.battery.stateOfCharge.displayed`, payload: 50 },
      { topic: `${vin}/location`, payload: { lat: 1, lon: 2 } },
      { topic: `${vin}/event`, payload: 'charge_started' },
      { topic: `${vin}/magic_soc`, payload: 70 },
      { topic: `${vin}/stream_health`, payload: 'connected' },
    ]) {
      node().receive(msg);
    }
    await quiet();
    assert.equal(received.length, 0);
    assert.equal(caught.length, 0, 'no error for what our nodes send');

    node().receive({ topic: `${vin}/trip`, payload: 'paused' });
    node().receive({ topic: 'hello', payload: 1 });
    node().receive({ topic: 'NOTAVIN/trip', payload: 'started' });
    await waitFor(() => (caught.length >= 3 ? true : undefined));
    // The test helper's RED._ returns the i18n key; the texts are in locales/en-US/cardata-traccar-speed.json.
    assert.deepEqual(
      caught.map((m) => m.error.message),
      ['badTrip', 'unknownInput', 'badVin'].map((key) => `Error: cardata-traccar-speed.errors.${key}`),
    );

    node().receive({ topic: `${vin}/event`, payload: 'trip_started', vin });
    await waitForCount(1);
    assert.equal(received[0].metric, 'traccar_speed');
    node().receive({ topic: `${vin}/event`, payload: 'trip_ended', vin });
    await quiet();
    await clock.advanceAsync(120_000, 10_000);
    await quiet();
    assert.equal(received.length, 1);
  });

  it('polls every mapped vehicle from the deploy with "always", and prefixes the status with the VIN', async () => {
    const [a, b] = vins();
    await load({ mode: 'always', vinMap: `${a}:${deviceOf(a)}, ${b.toLowerCase()} : ${deviceOf(b)}` });
    await waitForCount(2);
    assert.deepEqual(received.map((m) => m.vin).sort(), [a, b].sort());
    assert.ok(received.every((m) => typeof m.payload === 'number'));
    // Trip messages do not matter in this mode.
    node().receive({ topic: `${a}/trip`, payload: 'ended' });
    await clock.advanceAsync(60_000, 1000);
    await waitForCount(4);
    await quiet();
    assert.equal(received.length, 4);
    await waitFor(() => (lastStatus()?.fill === 'green' ? true : undefined));
    assert.match(lastStatus().text, /^…\w{4} \d+\.\d km\/h/);
  });

  it('server down: a null reading with the reason, a red ring, one warning for a run of failures', async () => {
    await load({ mode: 'always' });
    await waitForCount(1);
    sim.traccar.setFaults({ offline: true });
    await clock.advanceAsync(60_000, 1000);
    await waitForCount(2);
    await clock.advanceAsync(60_000, 1000);
    await waitForCount(3);
    for (const msg of received.slice(1)) {
      assert.equal(msg.payload, null);
      assert.equal(msg.attributes.reason, 'unreachable');
      assert.equal(msg.attributes.speed_bracket, null);
      assertContractMessage(msg, { metric: 'traccar_speed', unit: 'km/h' });
      assert.equal(msg.timestamp, msg.receivedAt, 'no position: the poll time');
    }
    await waitFor(() => (lastStatus()?.fill === 'red' ? true : undefined));
    assert.deepEqual(lastStatus(), { fill: 'red', shape: 'ring', text: `${STATUS}unreachable` });
    const warnings = logs().filter((e: any) => e.level === 30);
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    assert.equal(String(warnings[0].msg), 'cardata-traccar-speed.errors.reading');

    sim.traccar.setFaults({ offline: false, status: 503 });
    await clock.advanceAsync(60_000, 1000);
    await waitForCount(4);
    assert.equal(received[3].attributes.reason, 'http_error');
    sim.traccar.resetFaults();
    await clock.advanceAsync(60_000, 1000);
    await waitForCount(5);
    assert.equal(typeof received[4].payload, 'number', 'back when the server is');
  });

  it('a refused token: red ring "token refused", and the token is in no status, log or message', async () => {
    const wrong = 'wrong-token-Zq8-do-not-print';
    await load({ mode: 'always' }, wrong);
    await waitForCount(1);
    assert.equal(received[0].payload, null);
    assert.equal(received[0].attributes.reason, 'unauthorized');
    await waitFor(() => (lastStatus()?.fill === 'red' ? true : undefined));
    assert.deepEqual(lastStatus(), { fill: 'red', shape: 'ring', text: `${STATUS}unauthorized` });
    const everything = JSON.stringify([statuses(), logs(), received]);
    assert.ok(!everything.includes(wrong));
    assert.ok(!everything.includes(sim.traccar.token));
    assert.ok(logs().some((e: any) => e.level === 30 && e.msg === 'cardata-traccar-speed.errors.reading'));
  });

  it('a device Traccar does not know: yellow ring, null reading with unknown_device; a stale position is null', async () => {
    const vin = vins()[0];
    await load({ vinMap: `${vin}:No Such Tracker` });
    node().receive({ topic: `${vin}/trip`, payload: 'started' });
    await waitForCount(1);
    assert.equal(received[0].payload, null);
    assert.equal(received[0].attributes.reason, 'unknown_device');
    assert.equal(received[0].attributes.device_id, null);
    await waitFor(() => (lastStatus()?.fill === 'yellow' ? true : undefined));
    assert.deepEqual(lastStatus(), { fill: 'yellow', shape: 'ring', text: `${STATUS}unknownDevice` });
    await helper.unload();

    await load();
    sim.traccar.setFaults({ frozen: true });
    node().receive({ topic: `${vin}/trip`, payload: 'started' });
    await waitForCount(2);
    assert.equal(typeof received[1].payload, 'number', 'still fresh');
    await clock.advanceAsync(6 * 60_000, 1000);
    await waitFor(() => (received.some((m) => m.attributes.stale) ? true : undefined));
    const stale = received.find((m) => m.attributes.stale);
    assert.equal(stale.payload, null);
    assert.equal(stale.attributes.reason, 'stale');
    assert.equal(stale.attributes.valid, true);
    assert.equal(stale.timestamp, received[1].timestamp, 'the old position’s time');
  });

  it('Home Assistant format: {state, attributes}, nothing for a null reading', async () => {
    await load({ mode: 'always', output: 'homeassistant' });
    await waitForCount(1);
    assertHomeAssistantMessage(received[0], { metric: 'traccar_speed', unit: 'km/h' });
    assert.equal(typeof received[0].payload.state, 'number');
    assert.ok('speed_bracket' in received[0].payload.attributes);
    sim.traccar.setFaults({ status: 503 });
    const requests = sim.traccar.requests;
    await clock.advanceAsync(60_000, 1000);
    await waitFor(() => (sim.traccar.requests > requests ? true : undefined));
    await quiet();
    assert.equal(received.length, 1, 'a value we do not have is not sent');
  });

  it('stops asking when closed, and lists device names (never the token) for the dialog', async () => {
    await load({ mode: 'always' });
    await waitForCount(1);
    const answer = await helper.request().get('/cardata-traccar/srv/devices').expect(200);
    assert.deepEqual(
      answer.body.devices,
      sim.traccar.devices.map((d) => ({ id: d.id, name: d.name })),
    );
    assert.ok(!JSON.stringify(answer.body).includes(sim.traccar.token));
    await helper.request().get('/cardata-traccar/nope/devices').expect(404);

    await helper.unload();
    const requests = sim.traccar.requests;
    await clock.advanceAsync(5 * 60_000, 10_000);
    await quiet();
    assert.equal(sim.traccar.requests, requests, 'no request after close');
  });

  it('reports a server without URL or token and a node without vehicles as errors, with a red ring', async () => {
    await helper.load(
      [traccarNode, speedNode] as never,
      [
        { id: 'srv', type: 'cardata-traccar', url: 'ftp://x' },
        { id: 'speed', type: 'cardata-traccar-speed', traccar: 'srv', vinMap: 'bad, :x', wires: [[]] },
      ] as never,
      { srv: { token: 'abc' } },
    );
    assert.deepEqual(lastStatus(), { fill: 'red', shape: 'ring', text: `${STATUS}notConfigured` });
    const texts = logs().map((e: any) => [e.level, String(e.msg)]);
    assert.deepEqual(texts, [
      [30, 'cardata-traccar-speed.errors.skipped'],
      [20, 'cardata-traccar-speed.errors.serverConfig'],
    ]);
  });
});
