/**
 * cardata-magic-soc in Node-RED (node-red-node-test-helper), in virtual time: the MS-01 trip fed as vehicle-stream
 * sends it, Traccar speeds, Home Assistant format, persistence across a redeploy, and reset-learning of consumption.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock } from '../../src/cardata/clock';
import { batch, perDescriptor, settle } from '../helpers/charging-messages';
import { assertContractMessage } from '../helpers/message-contract';
import { freshUserDir, helper, nodeModule } from '../helpers/node-red';
import { VIN, at } from '../unit/helpers/charging-script';

const magicSoc = nodeModule('cardata-magic-soc');
const resetLearning = nodeModule('cardata-reset-learning');

/** MS-01 of reference/algorithms.md §11 C, as [t, BMW message] pairs. */
const TRIP: [number, string][] = [
  [-600, 'HDR=80 %, MAXE=80 kWh, ODO=10000 km'],
  [0, 'MOV=ASN_isTrue'],
  [600, 'ODO=10010 km'],
  [1200, 'ODO=10030 km'],
  [1800, 'HDR=72 %'],
  [1900, 'MOV=ASN_isFalse'],
];

describe('cardata-magic-soc node', function () {
  let userDir: string;
  let clock: ManualClock;
  let out: any[];
  let caught: any[];

  const file = (id: string) => join(userDir, 'cardata', `${id}.magic-soc.json`);
  const advanceTo = async (t: number) => {
    clock.advance(at(t) - clock.now());
    await settle();
  };
  const send = async (msgs: any[], id = 'm') => {
    for (const msg of msgs) helper.getNode(id).receive(msg);
    await settle();
  };
  const values = () => out.filter((m) => m.metric === 'magic_soc');
  const events = (name: string) => out.filter((m) => m.metric === 'event' && m.payload === name);

  async function load(config: Record<string, unknown> = {}) {
    await helper.load(
      [magicSoc, resetLearning] as never,
      [
        { id: 'm', type: 'cardata-magic-soc', wires: [['out']], ...config },
        { id: 'out', type: 'helper' },
        { id: 'r', type: 'cardata-reset-learning', wires: [['answers']] },
        { id: 'answers', type: 'helper' },
        { id: 'c1', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ] as never,
    );
    helper.getNode('out').on('input', (msg: unknown) => out.push(msg));
    helper.getNode('answers').on('input', (msg: unknown) => out.push(msg));
    helper.getNode('caught').on('input', (msg: unknown) => caught.push(msg));
  }

  async function drive(steps: [number, string][], shape: 'perDescriptor' | 'batch' = 'perDescriptor') {
    for (const [t, body] of steps) {
      await advanceTo(t);
      await send(shape === 'batch' ? [batch(t, body)] : perDescriptor(t, body));
    }
  }

  beforeEach((done) => {
    userDir = freshUserDir();
    clock = new ManualClock(at(-600));
    out = [];
    caught = [];
    helper.settings({ userDir, cardataClock: clock } as never);
    helper.startServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((done) => helper.stopServer(done));
    rmSync(userDir, { recursive: true, force: true });
  });

  it('predicts the MS-01 trip from per-descriptor messages: 77.4, 72.1, 72.0, with trip events', async () => {
    await load();
    await drive(TRIP.slice(0, 4));
    const shown = values().map((m) => m.payload);
    assert.deepEqual(shown.slice(-2), [77.4, 72.1]);
    const last = values().at(-1);
    assertContractMessage(last, { metric: 'magic_soc', vin: VIN, unit: '%' });
    assert.equal(last.attributes.prediction_mode, 'driving');
    assert.equal(last.attributes.consumption_kwh_per_km, 0.21);
    assert.equal(events('trip_started').length, 1);
    await drive(TRIP.slice(4));
    assert.equal(values().at(-1).payload, 72.0);
    assert.equal(events('trip_ended').length, 1);
    assert.equal(events('trip_ended')[0].attributes.distance_km, 30);
    assert.equal(caught.length, 0);
  });

  it('learns at the trip’s end, saves it, and a redeploy starts the next trip with it', async () => {
    await load();
    await drive(TRIP, 'batch');
    await advanceTo(2400); // the continuity window passes at the heartbeats
    const learned = events('learning_updated');
    assert.equal(learned.length, 1);
    assert.ok(Math.abs(learned[0].attributes.consumption_kwh_per_km - 0.213333) < 1e-6);
    const saved = JSON.parse(readFileSync(file('m'), 'utf8'));
    assert.equal(saved.vehicles[VIN].engines.driving.engine.learned.trip_count, 1);

    await helper.unload();
    out = [];
    await load();
    await drive(
      [
        [3000, 'MOV=ASN_isTrue'],
        [3600, 'ODO=10040 km'],
      ],
      'batch',
    );
    const p = values().at(-1);
    assert.ok(Math.abs(p.attributes.consumption_kwh_per_km - 0.2133) < 1e-4, JSON.stringify(p.attributes));
    assert.equal(p.attributes.trip_count, 1);
  });

  it('bills the kilometres at the Traccar speed bracket and shows it', async () => {
    await load();
    await drive(TRIP.slice(0, 2), 'batch');
    await send([{ topic: `${VIN}/traccar_speed`, vin: VIN, metric: 'traccar_speed', payload: 112.4 }]);
    await drive([[30, 'ODO=10001 km']], 'batch');
    const p = values().at(-1);
    assert.equal(p.attributes.speed_bracket, 'highway');
    assert.equal(p.attributes.traccar_speed_kmh, 112.4);
    // Home Assistant's {state} from an ha node in between works as well; null = Traccar has nothing.
    await send([{ topic: `${VIN}/traccar_speed`, payload: { state: null, attributes: {} } }]);
    await drive([[40, 'ODO=10002 km']], 'batch');
    assert.equal(values().at(-1).attributes.speed_bracket, null);
    await send([{ topic: `${VIN}/traccar_speed`, payload: 'fast' }]);
    assert.equal(caught.length, 1);
    assert.match(String(caught[0].error.message), /speedNotNumber|km\/h/);
  });

  it('sends Home Assistant’s {state, attributes} when asked', async () => {
    await load({ output: 'homeassistant' });
    await drive(TRIP.slice(0, 3), 'batch');
    const p = out.filter((m) => m.topic === `${VIN}/magic_soc`).at(-1);
    assert.equal(p.payload.state, 77.4);
    assert.equal(p.payload.attributes.unit_of_measurement, '%');
    assert.equal(p.payload.attributes.prediction_mode, 'driving');
  });

  it('gives no value for a PHEV', async () => {
    await load();
    await drive([[-600, 'HDR=80 %, MAXE=12 kWh, ODO=10000 km, FUEL=30 l']], 'batch');
    await drive(TRIP.slice(1, 3), 'batch');
    assert.deepEqual(values(), []);
  });

  it('forgets driving consumption on reset-learning “consumption”, in memory and on disk', async () => {
    await load();
    await drive(TRIP, 'batch');
    await advanceTo(2400);
    await send([{ payload: 'consumption', vin: VIN }], 'r');
    const answer = out.find((m) => m.metric === 'reset_learning');
    assert.deepEqual(answer.payload, { vin: VIN, what: 'consumption', reset: true, nodes: 1 });
    assert.equal(JSON.parse(readFileSync(file('m'), 'utf8')).vehicles[VIN].engines.driving.engine.learned, null);
    await drive([[3000, 'MOV=ASN_isTrue']], 'batch');
    await drive([[3600, 'ODO=10040 km']], 'batch');
    assert.equal(values().at(-1).attributes.consumption_kwh_per_km, 0.21);
  });
});
