import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { CarDataSimulator } from '../../src/sim/simulator';
import { freshUserDir, helper, nodeModule } from '../helpers/node-red';
import { waitFor } from '../helpers/processes';
import { loginDemoAccount } from '../../src/cli/demo-login';

const accountNode = nodeModule('cardata-account');
const streamNode = nodeModule('cardata-vehicle-stream');
const apiNode = nodeModule('cardata-api-call');

/** Messages through the real account and stream nodes, from the simulator over TLS MQTT. */
describe('cardata-vehicle-stream node', function () {
  this.timeout(30_000);
  let sim: CarDataSimulator;
  let userDir: string;
  const vin = () => sim.ready.vins[0];

  const flow = (stream: Record<string, unknown>) => [
    {
      id: 'acc',
      type: 'cardata-account',
      clientId: sim.ready.clientId,
      server: 'custom',
      authBaseUrl: sim.ready.authBaseUrl,
      apiBaseUrl: sim.ready.apiBaseUrl,
      mqttHost: sim.ready.mqtt.host,
      mqttPort: sim.ready.mqtt.port,
      caFile: sim.ready.mqtt.caFile,
    },
    { id: 'vs', type: 'cardata-vehicle-stream', account: 'acc', wires: [['out']], ...stream },
    { id: 'out', type: 'helper' },
  ];

  before(async () => {
    // The cars stand still: every stream message in these tests is one the test published.
    sim = await CarDataSimulator.start({
      vehicles: 2,
      runVehicles: false,
      http: { pollIntervalSec: 1 },
      autoApprove: 0,
    });
  });
  after(() => sim.stop());
  beforeEach(async () => {
    userDir = freshUserDir();
    helper.settings({ userDir });
    await new Promise<void>((done) => helper.startServer(done));
    await loginDemoAccount(sim.ready, userDir, 'acc');
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((done) => helper.stopServer(done));
    rmSync(userDir, { recursive: true, force: true });
  });

  async function run(stream: Record<string, unknown>, publish: () => Promise<void>, count: number) {
    await helper.load([accountNode, streamNode] as never, flow(stream));
    const received: any[] = [];
    helper.getNode('out').on('input', (msg: unknown) => received.push(msg));
    const account = (helper.getNode('acc') as any).account;
    await waitFor(() => (account.stream.health === 'connected' ? true : undefined));
    await publish();
    await waitFor(() => (received.filter((m) => m.metric !== 'stream_health').length >= count ? true : undefined));
    return received;
  }

  const publish = (vinOf: string, data: Record<string, unknown>) =>
    sim.broker.publishRaw(sim.ready.gcid, vinOf, {
      vin: vinOf,
      timestamp: '2026-03-02T10:00:01.000Z',
      data: data as never,
    });

  it('sends one message per descriptor in the contract shape, values cleaned up', async () => {
    const msgs = await run(
      { vin: vin() },
      async () => {
        await publish(sim.ready.vins[1], { 'vehicle.isMoving': { value: true } }); // another car: filtered out
        await publish(vin(), {
          'vehicle.drivetrain.batteryManagement.header': {
            value: 78,
            unit: 'percent',
            timestamp: '2026-03-02T10:00:00Z',
          },
          'vehicle.isMoving': { value: 'ASN_isTrue', timestamp: '2026-03-02T10:00:00Z' },
        });
      },
      2,
    );
    const data = msgs.filter((m) => m.metric !== 'stream_health');
    assert.equal(data.length, 2);
    const soc = data.find((m) => m.metric === 'vehicle.drivetrain.batteryManagement.header');
    assert.equal(soc.topic, `${vin()}/vehicle.drivetrain.batteryManagement.header`);
    assert.equal(soc.payload, 78);
    assert.equal(soc.unit, '%');
    assert.equal(soc.vin, vin());
    assert.equal(soc.timestamp, '2026-03-02T10:00:00.000Z');
    assert.match(soc.receivedAt, /^\d{4}-\d{2}-\d{2}T/);
    assert.equal(soc.attributes.source, 'stream');
    assert.equal(data.find((m) => m.metric === 'vehicle.isMoving').payload, true);
    const health = msgs.find((m) => m.metric === 'stream_health' && m.payload === 'connected');
    assert.equal(health.topic, `${vin()}/stream_health`);
    assert.equal(health.vin, vin());
  });

  it('filters by exact names and prefix wildcards, and can send only changes', async () => {
    const msgs = await run(
      {
        descriptors: 'vehicle.cabin.door.*\nvehicle.vehicle.travelledDistance',
        onlyOnChange: true,
        streamHealth: true,
      },
      async () => {
        await publish(vin(), {
          'vehicle.cabin.door.row1.driver.isOpen': { value: false },
          'vehicle.cabin.door.status': { value: 'LOCKED' },
          'vehicle.vehicle.travelledDistance': { value: 12000, unit: 'km' },
          'vehicle.drivetrain.batteryManagement.header': { value: 70, unit: 'percent' },
        });
        await publish(vin(), { 'vehicle.cabin.door.status': { value: 'LOCKED' } }); // repeat: not sent
        await publish(vin(), { 'vehicle.cabin.door.status': { value: 'UNLOCKED' } });
      },
      4,
    );
    const data = msgs.filter((m) => m.metric !== 'stream_health').map((m) => `${m.metric}=${m.payload}`);
    assert.deepEqual(data, [
      'vehicle.cabin.door.row1.driver.isOpen=false',
      'vehicle.cabin.door.status=LOCKED',
      'vehicle.vehicle.travelledDistance=12000',
      'vehicle.cabin.door.status=UNLOCKED',
    ]);
  });

  it('sends Home Assistant sensor payloads and leaves out values BMW does not have', async () => {
    const msgs = await run(
      { output: 'homeassistant', streamHealth: false },
      async () =>
        publish(vin(), {
          'vehicle.drivetrain.electricEngine.charging.acVoltage': { value: '-NA-', unit: 'V' },
          'vehicle.drivetrain.batteryManagement.header': {
            value: 55,
            unit: 'percent',
            timestamp: '2026-03-02T10:00:00Z',
          },
        }),
      1,
    );
    const soc = msgs.find((m) => m.metric === 'vehicle.drivetrain.batteryManagement.header');
    assert.deepEqual(soc.payload.state, 55);
    assert.equal(soc.payload.attributes.unit_of_measurement, '%');
    assert.equal(soc.payload.attributes.measured_at, '2026-03-02T10:00:00.000Z');
    assert.equal(msgs.filter((m) => m.metric === 'vehicle.drivetrain.electricEngine.charging.acVoltage').length, 0);
  });

  it('sends whole BMW messages in batch mode', async () => {
    const msgs = await run(
      { output: 'batch', vin: vin() },
      () => publish(vin(), { 'vehicle.cabin.door.status': { value: 'LOCKED' }, 'vehicle.isMoving': { value: false } }),
      1,
    );
    const batch = msgs.find((m) => m.metric === 'batch');
    assert.equal(batch.topic, `${vin()}/batch`);
    assert.deepEqual(Object.keys(batch.payload).sort(), ['vehicle.cabin.door.status', 'vehicle.isMoving']);
  });

  it('survives malformed and oversized stream messages, warning once per kind', async () => {
    const msgs = await run(
      { vin: vin() },
      async () => {
        await sim.broker.publishRaw(sim.ready.gcid, vin(), '{"vin": broken');
        await sim.broker.publishRaw(sim.ready.gcid, vin(), '{"vin": broken again');
        await publish(vin(), { 'vehicle.cabin.door.status': { value: 'SECURED' } });
      },
      1,
    );
    assert.equal(msgs.filter((m) => m.metric === 'vehicle.cabin.door.status')[0].payload, 'SECURED');
    const warnings = helper
      .log()
      .args.map((a: any[]) => a[0])
      .filter((e: any) => e.level === 30 && /not_json|rejected/.test(String(e.msg)));
    assert.equal(warnings.length, 1, 'one warning for two malformed messages');
  });

  it('pairs latitude and longitude sent in separate messages into one location message', async () => {
    const LAT = 'vehicle.cabin.infotainment.navigation.currentLocation.latitude';
    const LON = 'vehicle.cabin.infotainment.navigation.currentLocation.longitude';
    const HEADING = 'vehicle.cabin.infotainment.navigation.currentLocation.heading';
    const msgs = await run(
      { vin: vin(), location: true, motion: true, trips: true, descriptors: 'vehicle.isMoving' },
      async () => {
        await publish(vin(), {
          [LAT]: { value: 48.177312, unit: 'degrees', timestamp: '2026-03-02T10:00:01Z' },
          [HEADING]: { value: 212, unit: 'degrees', timestamp: '2026-03-02T10:00:01Z' },
        });
        await publish(vin(), { [LON]: { value: 11.558761, unit: 'degrees', timestamp: '2026-03-02T10:00:22Z' } });
      },
      2,
    );
    const locations = msgs.filter((m) => m.metric === 'location');
    assert.equal(locations.length, 1);
    const [location] = locations;
    assert.equal(location.topic, `${vin()}/location`);
    assert.deepEqual(location.payload, { lat: 48.177312, lon: 11.558761, heading: 212 });
    assert.equal(location.timestamp, '2026-03-02T10:00:22.000Z', 'when the car measured it');
    assert.equal(location.attributes.latitude, 48.177312);
    assert.equal(location.attributes.longitude, 11.558761);
    const motion = msgs.find((m) => m.metric === 'motion');
    assert.equal(motion.payload, false, 'a first fix: parked');
    assert.equal(msgs.filter((m) => m.metric.startsWith('vehicle.')).length, 0, 'the filter passes no readings');
  });

  it('sends a location in Home Assistant format as moving/parked with latitude and longitude attributes', async () => {
    const LAT = 'vehicle.cabin.infotainment.navigation.currentLocation.latitude';
    const LON = 'vehicle.cabin.infotainment.navigation.currentLocation.longitude';
    const msgs = await run(
      { vin: vin(), output: 'homeassistant', streamHealth: false, location: true, descriptors: 'none' },
      () =>
        publish(vin(), {
          [LAT]: { value: 52.52, timestamp: '2026-03-02T10:00:00Z' },
          [LON]: { value: 13.405, timestamp: '2026-03-02T10:00:00Z' },
        }),
      1,
    );
    assert.deepEqual(
      msgs.map((m) => m.metric),
      ['location'],
      'motion and trips switched off',
    );
    const { state, attributes } = msgs[0].payload;
    assert.equal(state, 'parked');
    assert.equal(attributes.latitude, 52.52);
    assert.equal(attributes.longitude, 13.405);
    assert.equal(attributes.heading, null);
  });

  it('sends a trip’s start and end, with the distance from the odometer', async () => {
    const msgs = await run(
      { vin: vin(), location: true, motion: true, trips: true, descriptors: 'none', streamHealth: false },
      async () => {
        await publish(vin(), {
          'vehicle.vehicle.travelledDistance': { value: 1000, unit: 'km', timestamp: '2026-03-02T10:00:00Z' },
          'vehicle.isMoving': { value: 'ASN_isTrue', timestamp: '2026-03-02T10:00:00Z' },
        });
        await publish(vin(), {
          'vehicle.vehicle.travelledDistance': { value: 1012.5, unit: 'km', timestamp: '2026-03-02T10:20:00Z' },
          'vehicle.isMoving': { value: 'ASN_isFalse', timestamp: '2026-03-02T10:20:00Z' },
        });
      },
      4,
    );
    assert.deepEqual(
      msgs.map((m) => `${m.metric}=${m.payload}`),
      ['motion=true', 'trip=started', 'motion=false', 'trip=ended'],
    );
    const ended = msgs[3];
    assert.equal(ended.topic, `${vin()}/trip`);
    assert.equal(ended.attributes.distance_km, 12.5);
    assert.equal(ended.attributes.distance_source, 'odometer');
    assert.equal(ended.attributes.started_at, '2026-03-02T10:00:00.000Z');
    assert.equal(ended.attributes.ended_at, '2026-03-02T10:20:00.000Z');
  });

  it('keeps an open trip across a redeploy', async () => {
    const odometer = (value: number) => ({ value, unit: 'km', timestamp: '2026-03-02T10:00:00Z' });
    const first = await run(
      { vin: vin(), trips: true, descriptors: 'none', streamHealth: false },
      () => publish(vin(), { 'vehicle.vehicle.travelledDistance': odometer(500), 'vehicle.isMoving': { value: true } }),
      1,
    );
    assert.equal(first[0].payload, 'started');
    await helper.unload();
    const second = await run(
      { vin: vin(), trips: true, descriptors: 'none', streamHealth: false },
      () =>
        publish(vin(), { 'vehicle.vehicle.travelledDistance': odometer(507), 'vehicle.isMoving': { value: false } }),
      1,
    );
    assert.equal(second[0].payload, 'ended');
    assert.equal(second[0].attributes.distance_km, 7);
  });

  it('hands a trip end it derived without isMoving to the api-call node’s poll planner', async () => {
    const LAT = 'vehicle.cabin.infotainment.navigation.currentLocation.latitude';
    const LON = 'vehicle.cabin.infotainment.navigation.currentLocation.longitude';
    const STATUS = 'vehicle.drivetrain.electricEngine.charging.status';
    const now = () => new Date().toISOString();
    const fix = (lat: number, lon: number) => ({
      [LAT]: { value: lat, unit: 'degrees', timestamp: now() },
      [LON]: { value: lon, unit: 'degrees', timestamp: now() },
    });
    await helper.load(
      [accountNode, streamNode, apiNode] as never,
      [
        ...flow({ vin: vin(), location: true, trips: true, descriptors: 'none', streamHealth: false }),
        { id: 'api', type: 'cardata-api-call', account: 'acc', vin: vin(), poll: true, wires: [['answer'], []] },
        { id: 'answer', type: 'helper' },
      ] as never,
    );
    const trips: string[] = [];
    const answers: any[] = [];
    helper.getNode('out').on('input', (m: any) => m.metric === 'trip' && trips.push(m.payload));
    helper.getNode('answer').on('input', (m: unknown) => answers.push(m));
    const account = (helper.getNode('acc') as any).account;
    await waitFor(() => (account.stream.health === 'connected' ? true : undefined));
    // No isMoving anywhere: the car leaves its park zone by GPS and the trip ends when it starts charging.
    await publish(vin(), fix(48.1, 11.5));
    await publish(vin(), fix(48.11, 11.5));
    await waitFor(() => (trips.includes('started') ? true : undefined));
    await publish(vin(), { [STATUS]: { value: 'CHARGINGACTIVE', timestamp: now() } });
    await waitFor(() => (trips.includes('ended') ? true : undefined));
    const poll = await waitFor(() => answers.find((m) => m.pollReason === 'trip_end'), 10_000);
    assert.equal(poll.vin, vin());
    assert.equal(poll.operation, 'getTelematicData');
  });

  it('serves the descriptor catalogue to the editor, searchable, with titles and units', async () => {
    const LAT = 'vehicle.cabin.infotainment.navigation.currentLocation.latitude';
    await helper.load([accountNode, streamNode] as never, flow({}));
    const all = await helper.request().get('/cardata/catalogue').expect(200);
    assert.equal(all.body.descriptors.length, 297);
    const lat = all.body.descriptors.find((d: any) => d.name === LAT);
    assert.equal(lat.unit, 'degrees');
    assert.equal(typeof lat.title, 'string');
    assert.equal(lat.description, undefined, 'the pick list needs no descriptions');
    const found = await helper.request().get('/cardata/catalogue').query({ q: 'mileage' }).expect(200);
    assert.ok(found.body.descriptors.some((d: any) => d.name === 'vehicle.vehicle.travelledDistance'));
  });

  it('sends the last known values on deploy when asked, marked as restored', async () => {
    await helper.load([accountNode, streamNode] as never, flow({ vin: vin(), streamHealth: false }));
    const account = (helper.getNode('acc') as any).account;
    await waitFor(() => (account.stream.health === 'connected' ? true : undefined));
    await publish(vin(), {
      'vehicle.drivetrain.batteryManagement.header': { value: 61, unit: 'percent', timestamp: '2026-03-02T09:00:00Z' },
    });
    await waitFor(() => (account.lastKnown.messages(vin()).length ? true : undefined));
    await helper.unload(); // a restart: the account writes what it knows on close
    await helper.load(
      [accountNode, streamNode] as never,
      flow({ vin: vin(), streamHealth: false, emitRestored: true }),
    );
    const received: any[] = [];
    helper.getNode('out').on('input', (m: unknown) => received.push(m));
    const soc = await waitFor(() => received.find((m) => m.metric === 'vehicle.drivetrain.batteryManagement.header'));
    assert.equal(soc.payload, 61);
    assert.equal(soc.attributes.restored, true);
    assert.equal(soc.timestamp, '2026-03-02T09:00:00.000Z', 'the time BMW measured it, not now');
  });
});
