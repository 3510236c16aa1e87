import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock } from '../../src/cardata/clock';
import { toHomeAssistant } from '../../src/nodes/lib/messages';
import { freshUserDir, helper, nodeModule } from '../helpers/node-red';
import { assertContractMessage, assertHomeAssistantMessage } from '../helpers/message-contract';
import { START, PLUGGED, api, batch, bmwMessage, perDescriptor, settle } from '../helpers/charging-messages';
import { VIN, at } from '../unit/helpers/charging-script';

const predictedSoc = nodeModule('cardata-predicted-soc');

describe('cardata-predicted-soc node', function () {
  let userDir: string;
  let clock: ManualClock;
  let received: Record<string, any[]>;

  const stateDir = () => join(userDir, 'cardata');
  const stateFile = (id = 'p') => join(stateDir(), `${id}.predicted-soc.json`);
  const predictions = (id = 'out') => received[id].filter((m) => m.metric === 'predicted_soc');
  const events = (id = 'out') => received[id].filter((m) => m.metric === 'event').map((m) => m.payload);
  const node = (id = 'p') => helper.getNode(id) as any;
  /** The helper spies on Node.prototype.status: this node's calls, in order. */
  const statuses = (id = 'p'): any[] =>
    node(id)
      .status.getCalls()
      .filter((call: any) => call.thisValue === node(id))
      .map((call: any) => call.args[0]);
  const advanceTo = async (t: number) => {
    clock.advance(at(t) - clock.now());
    await settle();
  };
  /**
   * Send messages from the helper node wired in front of predicted-soc node `id`, one send per message as
   * vehicle-stream does: Node-RED delivers each asynchronously, as it does in a running flow.
   */
  const feed = async (msgs: any[], id = 'p') => {
    const source = helper.getNode(`src${id.slice(1)}`);
    for (const msg of msgs) source.send(msg);
    await settle();
  };

  /**
   * Predicted-soc nodes `p<suffix>`, each between helper nodes `src<suffix>` and `out<suffix>`; with `withCatch`, the
   * core catch node too.
   */
  async function load(nodes: Record<string, unknown>[], withCatch = false) {
    const flow: Record<string, unknown>[] = [];
    for (const n of nodes) {
      const suffix = String(n.id).slice(1);
      flow.push(
        { id: `src${suffix}`, type: 'helper', wires: [[n.id]] },
        { type: 'cardata-predicted-soc', wires: [[`out${suffix}`]], ...n },
        { id: `out${suffix}`, type: 'helper' },
      );
    }
    // The helper loads the core catch node by itself when the flow has one.
    await helper.load(predictedSoc as never, [...flow, ...(withCatch ? catchNodes : [])] as never);
    for (const n of flow.filter((f) => f.type === 'helper' && String(f.id).startsWith('out'))) {
      const id = String(n.id);
      received[id] = [];
      helper.getNode(id).on('input', (msg: unknown) => received[id].push(msg));
    }
  }
  const catchNodes = [
    { id: 'c1', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];

  beforeEach((done) => {
    userDir = freshUserDir();
    // Ten minutes before the vectors' T0: P50 starts with BMW's SOC at t = -600.
    clock = new ManualClock(at(-600));
    received = {};
    // The node's clock (an undocumented setting): heartbeats and time run virtually.
    helper.settings({ userDir, cardataClock: clock } as never);
    helper.startServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((done) => helper.stopServer(done));
    rmSync(userDir, { recursive: true, force: true });
  });

  it('predicts a P50 charge fed as per-descriptor stream messages: contract shape, rising value, events', async () => {
    await load([{ id: 'p' }]);
    await feed(perDescriptor(-600, PLUGGED));
    assert.deepEqual(
      predictions().map((m) => [m.payload, m.attributes.charging]),
      [[50, false]],
      'BMW’s SOC passed through while not charging',
    );
    await advanceTo(0);
    assert.equal(predictions().length, 1, 'nothing new to say while parked');

    // The four descriptors of the start arrive as four messages; the engines must see them as the one BMW message.
    await feed(perDescriptor(0, START));
    assert.deepEqual(events(), ['charge_started']);
    assert.equal(received.out.find((m) => m.payload === 'charge_started').attributes.anchor_soc, 50);
    assert.equal(predictions().length, 2, 'one prediction for the start, not one per descriptor');
    assert.equal(predictions()[1].attributes.phases_source, 'reported');

    await advanceTo(1800);
    const all = predictions();
    assert.equal(all.length, 2 + 60, 'a prediction at every heartbeat while charging');
    const values = all.map((m) => m.attributes.raw as number);
    for (let i = 1; i < values.length; i++) assert.ok(values[i] >= values[i - 1], `never falls (${i})`);
    const last = all.at(-1);
    assert.equal(last.payload, 56, 'PS-01: 50 + 5.37 kWh × 1.125');
    assert.ok(Math.abs(last.attributes.raw - 56.04125) < 1e-6, String(last.attributes.raw));
    assert.equal(last.timestamp, new Date(at(1800)).toISOString());
    for (const msg of received.out) {
      assertContractMessage(msg, { vin: VIN, metric: msg.metric === 'event' ? 'event' : 'predicted_soc' });
    }
    assertContractMessage(last, { metric: 'predicted_soc', unit: '%', vin: VIN });
    assert.equal(last.attributes.charging, true);
    assert.ok(Math.abs(last.attributes.power_kw - 11.04) < 1e-9);
    assert.ok(Math.abs(last.attributes.session_energy_kwh - 5.37) < 1e-9);
    assert.equal(last.attributes.efficiency, 0.9);
    assert.equal(last.attributes.condition, '3_250_16');
    assert.equal(last.attributes.samples, 0);
    assert.equal(last.attributes.seconds_since_bmw_soc, 2400);
    assert.equal(typeof last.attributes.error_bound, 'number');
    assert.equal(Math.round(last.payload * 10), last.payload * 10, 'one decimal');
    const status = statuses().at(-1);
    assert.deepEqual([status.fill, status.shape], ['green', 'dot']);
    assert.match(status.text, /56\.0/);
  });

  it('shows a grey "no data" ring until the first prediction, then a blue dot when not charging', async () => {
    await load([{ id: 'p' }]);
    const first = statuses()[0];
    assert.deepEqual([first.fill, first.shape], ['grey', 'ring']);
    assert.match(first.text, /cardata-predicted-soc\.status\.noData$/);
    await feed(perDescriptor(-600, PLUGGED));
    const status = statuses().at(-1);
    assert.deepEqual([status.fill, status.shape], ['blue', 'dot']);
    assert.match(status.text, /50\.0/);
  });

  it('gives the same predictions for per-descriptor, batch, api and raw BMW input', async () => {
    const shapes = [
      (t: number, body: string) => perDescriptor(t, body),
      (t: number, body: string) => [batch(t, body)],
      (t: number, body: string) => [api(t, body)],
      (t: number, body: string) => [bmwMessage(t, body)],
    ];
    await load(shapes.map((_, i) => ({ id: `p${i}` })));
    for (const [i, shape] of shapes.entries()) await feed(shape(-600, PLUGGED), `p${i}`);
    await advanceTo(0);
    for (const [i, shape] of shapes.entries()) await feed(shape(0, START), `p${i}`);
    await advanceTo(1800);
    const lines = shapes.map((_, i) =>
      received[`out${i}`].map((m) => JSON.stringify([m.topic, m.payload, m.attributes])),
    );
    assert.equal(lines[0].length, 63);
    assert.deepEqual(lines[1], lines[0], 'batch');
    assert.deepEqual(lines[2], lines[0], 'api (string values, units spelled out)');
    assert.deepEqual(lines[3], lines[0], 'raw BMW message');
  });

  it('takes an external meter’s power (number or numeric text, with aux load) over BMW’s', async () => {
    await load([{ id: 'p' }]);
    await feed(perDescriptor(-600, PLUGGED));
    await advanceTo(0);
    await feed(perDescriptor(0, START));
    for (let t = 0; t < 1800; t += 60) {
      await feed([
        t % 120 === 0
          ? { topic: `${VIN}/meter_power`, payload: 7.7, aux_kw: 0.3 }
          : { topic: `${VIN}/meter_power`, payload: '7.7', attributes: { aux_kw: 0.3 } },
      ]);
      await advanceTo(t + 60);
    }
    const last = predictions().at(-1);
    assert.ok(Math.abs(last.attributes.power_kw - 7.7) < 1e-9, `meter power in use: ${last.attributes.power_kw}`);
    // 7.4 kW net for 30 minutes instead of BMW's 10.74: 50 + 3.7 × 1.125 = 54.1625
    assert.ok(Math.abs(last.attributes.raw - 54.1625) < 0.05, String(last.attributes.raw));
  });

  it('reports bad input to catch nodes and keeps working; ignores stream health', async () => {
    await load([{ id: 'p' }], true);
    const caught: any[] = [];
    helper.getNode('caught').on('input', (msg: any) => caught.push(msg));
    await feed([
      { payload: 5 },
      { topic: 'meter_power', payload: 7 },
      { topic: `${VIN}/meter_power`, payload: 'lots' },
      { topic: `${VIN}/meter_power`, payload: 7, aux_kw: 'x' },
      { topic: 'WBA0000000000000I/batch', payload: {} },
      { topic: `${VIN}/batch`, payload: 'text' },
      { topic: `${VIN}/stream_health`, vin: VIN, metric: 'stream_health', payload: 'connected' },
    ]);
    await settle();
    assert.equal(caught.length, 6, caught.map((m) => m.error.message).join('\n'));
    for (const m of caught) assert.equal(m.error.source.id, 'p');
    const texts = caught.map((m) => String(m.error.message));
    for (const [i, pattern] of [
      /unknownInput|not recognised/,
      /noVin|No VIN/,
      /meterNotNumber|number/,
      /auxNotNumber|aux_kw/,
      /badVin|not a VIN/,
      /batchNotMap|data map/,
    ].entries()) {
      assert.match(texts[i], pattern);
    }
    assert.equal(received.out.length, 0);
    await feed(perDescriptor(-600, PLUGGED));
    assert.equal(predictions().length, 1, 'still working');
  });

  it('keeps learned efficiency across a restart and uses it for the next charge', async () => {
    await load([{ id: 'p' }]);
    await feed(perDescriptor(-600, PLUGGED));
    await advanceTo(0);
    await feed(perDescriptor(0, START));
    await advanceTo(1800);
    // PS-21: the charge pauses, BMW's next SOC finalises the session: 4.8 kWh stored of 5.37 → 0.893855.
    await feed(perDescriptor(1800, 'STAT=CHARGINGPAUSED'));
    await advanceTo(1860);
    await feed(perDescriptor(1860, 'HDR=56 %'));
    const learned = received.out.find((m) => m.payload === 'learning_updated');
    assert.ok(learned, events().join());
    assert.equal(learned.attributes.condition, '3_250_16');
    assert.ok(Math.abs(learned.attributes.value - 0.893855) < 1e-6);
    assert.ok(existsSync(stateFile()), 'written at once after learning');
    const saved = JSON.parse(readFileSync(stateFile(), 'utf8'));
    assert.equal(saved.vehicles[VIN].engines.charging.learned.efficiency_matrix['3_250_16'].sample_count, 1);

    await helper.unload();
    await advanceTo(20000);
    await load([{ id: 'p' }]);
    await feed(perDescriptor(20000, 'HDR=40 %'));
    await advanceTo(20001);
    await feed(perDescriptor(20001, START));
    await advanceTo(21801);
    await feed([{ topic: 'evaluate' }]);
    const last = predictions().at(-1);
    assert.ok(Math.abs(last.attributes.efficiency - 0.893855) < 1e-6, String(last.attributes.efficiency));
    assert.equal(last.attributes.samples, 1);
    // 40 + 5.37 kWh × 0.893855 / 80 × 100
    assert.ok(Math.abs(last.attributes.raw - (40 + (5.37 * 0.893855) / 0.8)) < 1e-4, String(last.attributes.raw));
  });

  it('keeps an open session across a restart (unload, one minute down, load again)', async () => {
    await load([{ id: 'p' }]);
    await feed(perDescriptor(-600, PLUGGED));
    await advanceTo(0);
    await feed(perDescriptor(0, START));
    await advanceTo(1800);
    const before = predictions().at(-1);

    await helper.unload();
    await advanceTo(1860);
    await load([{ id: 'p' }]);
    const status = statuses()[0];
    assert.deepEqual([status.fill, status.shape], ['green', 'dot'], 'the last value, not "no data"');
    assert.match(status.text, /56\.0/);
    await advanceTo(1890);
    const after = predictions();
    assert.equal(after.length, 1);
    assert.equal(after[0].attributes.charging, true);
    assert.ok(after[0].attributes.session_energy_kwh > before.attributes.session_energy_kwh);
    assert.ok(after[0].attributes.raw > before.attributes.raw);
    // The downtime is credited at the last power, as cardata-replay does: 90 s more of 10.74 kW net.
    assert.ok(Math.abs(after[0].attributes.session_energy_kwh - (5.37 + (10.74 * 90) / 3600)) < 1e-6);
  });

  it('writes its state atomically on close, deletes it when the node is deleted and keeps it when disabled', async () => {
    await load([{ id: 'p' }]);
    await feed(perDescriptor(-600, PLUGGED));
    await helper.unload(); // a stop: the state is written
    assert.equal(JSON.parse(readFileSync(stateFile(), 'utf8')).version, 1);
    assert.deepEqual(
      readdirSync(stateDir()).filter((f) => f.endsWith('.tmp')),
      [],
      'no temp file left behind',
    );

    // Node-RED closes a node it disables as "removed", like one that is deleted.
    await load([{ id: 'p' }]);
    const disabled = { id: 'p', type: 'cardata-predicted-soc', d: true, wires: [['out']] };
    await helper.setFlows([disabled, { id: 'out', type: 'helper' }], 'full');
    assert.ok(existsSync(stateFile()), 'disabling keeps the learning');
    await helper.unload();

    await load([{ id: 'p' }]);
    await helper.setFlows([{ id: 'out', type: 'helper' }], 'full');
    assert.ok(!existsSync(stateFile()), 'deleting the node deletes its file');
  });

  it('sets an unreadable state file aside and starts afresh', async () => {
    mkdirSync(stateDir(), { recursive: true });
    writeFileSync(stateFile(), '{"version": 1, "vehicles": ');
    await load([{ id: 'p' }]);
    assert.ok(existsSync(`${stateFile()}.unreadable`));
    await feed(perDescriptor(-600, PLUGGED));
    assert.equal(predictions().length, 1);
  });

  it('handles only the configured VIN and uses the manual capacity and powertrain', async () => {
    await load([{ id: 'p', vin: VIN.toLowerCase(), capacity: '40', powertrain: 'PHEV' }]);
    await feed([batch(-600, PLUGGED), { ...batch(-600, PLUGGED), topic: 'WBA00000000000002/batch', vin: undefined }]);
    await advanceTo(0);
    await feed([batch(0, START)]);
    await advanceTo(600);
    assert.ok(received.out.every((m) => m.vin === VIN));
    const last = predictions().at(-1);
    assert.equal(last.attributes.powertrain, 'PHEV');
    // 40 kWh: each kWh adds twice the points of the 80 kWh battery: 50 + 1.79 × 0.9 / 40 × 100
    assert.ok(Math.abs(last.attributes.raw - (50 + (1.79 * 0.9) / 0.4)) < 1e-6, String(last.attributes.raw));
  });

  it('answers evaluate with the current prediction, of every VIN or the one asked for', async () => {
    await load([{ id: 'p' }]);
    await feed(perDescriptor(-600, PLUGGED));
    await advanceTo(0);
    await feed([{ topic: 'evaluate' }, { topic: `${VIN}/evaluate` }, { topic: 'WBA00000000000002/evaluate' }]);
    assert.deepEqual(
      predictions().map((m) => m.payload),
      [50, 50, 50],
    );
  });

  it('sends Home Assistant sensor payloads', async () => {
    await load([{ id: 'p', output: 'homeassistant' }]);
    await feed(perDescriptor(-600, PLUGGED).map((m) => toHomeAssistant(m)));
    await advanceTo(0);
    await feed(perDescriptor(0, START).map((m) => toHomeAssistant(m)));
    await advanceTo(60);
    const soc = predictions();
    assert.equal(soc.length, 4);
    for (const m of soc) assertHomeAssistantMessage(m, { metric: 'predicted_soc', unit: '%' });
    assert.equal(typeof soc.at(-1).payload.state, 'number');
    assert.equal(soc.at(-1).payload.attributes.charging, true);
    const started = received.out.find((m) => m.metric === 'event');
    assertHomeAssistantMessage(started, { metric: 'event' });
    assert.equal(started.payload.state, 'charge_started');
  });
});

describe('examples/predicted-soc.json', () => {
  it('wires a vehicle stream of an account into predicted SOC into a debug node, with a comment', () => {
    const flow: any[] = JSON.parse(readFileSync(join(__dirname, '..', '..', 'examples', 'predicted-soc.json'), 'utf8'));
    const byId = new Map(flow.map((n) => [n.id, n]));
    const ofType = (type: string) => flow.filter((n) => n.type === type);
    assert.equal(ofType('comment').length, 1);
    const [account] = ofType('cardata-account');
    assert.equal(account.clientId, '', 'a placeholder: no one’s client ID ships in the example');
    const [stream] = ofType('cardata-vehicle-stream');
    assert.equal(stream.account, account.id);
    const predictor = byId.get(stream.wires[0][0]);
    assert.equal(predictor.type, 'cardata-predicted-soc');
    assert.equal(byId.get(predictor.wires[0][0]).type, 'debug');
    for (const node of flow) for (const wire of (node.wires ?? []).flat()) assert.ok(byId.has(wire), wire);
  });
});
