/**
 * Magic SOC end to end: a simulated car drives a highway trip; its data comes over TLS MQTT through the account and
 * vehicle-stream nodes, its speed from the simulator's Traccar server through the traccar-speed node, and magic SOC
 * follows the car's true SOC, in the right speed bracket, and learns at the end. The prediction and Traccar nodes run
 * on the cars’ clock (30× real time), so minutes of driving take seconds.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { loginDemoAccount } from '../../src/cli/demo-login';
import { CarDataSimulator } from '../../src/sim/simulator';
import { accountConfig } from '../helpers/flows';
import { freshUserDir, helper, nodeModule } from '../helpers/node-red';
import { waitFor } from '../helpers/processes';

const modules = [
  'cardata-account',
  'cardata-vehicle-stream',
  'cardata-magic-soc',
  'cardata-traccar',
  'cardata-traccar-speed',
].map(nodeModule);

describe('magic SOC with Traccar speed against the simulator (TLS MQTT + HTTP)', function () {
  this.timeout(120_000);
  let sim: CarDataSimulator;
  let userDir: string;

  before(async () => {
    sim = await CarDataSimulator.start({
      vehicles: 1,
      speed: 30,
      autoApprove: 0,
      http: { pollIntervalSec: 1 },
      scenario: {
        steps: [
          { setSoc: { soc: 80 } },
          { park: { minutes: 2 } },
          { drive: { km: 24, profile: 'highway', roundTrip: false } },
          { park: { minutes: 600 } },
        ],
        vehicles: {},
      } as never,
    });
    userDir = freshUserDir();
    helper.settings({ userDir, cardataClock: sim.vehicleClock } as never);
    await new Promise<void>((done) => helper.startServer(done));
    await loginDemoAccount(sim.ready, userDir, 'acc');
  });
  after(async () => {
    await helper.unload();
    await new Promise<void>((done) => helper.stopServer(done));
    await sim?.stop();
    rmSync(userDir, { recursive: true, force: true });
  });

  it('follows the true SOC while driving, in the highway bracket, and learns the highway consumption', async () => {
    const vin = sim.ready.vins[0];
    const device = sim.traccar.devices.find((d) => d.vin === vin)!;
    await helper.load(
      modules as never,
      [
        accountConfig(sim.ready, 'acc'),
        { id: 'vs', type: 'cardata-vehicle-stream', account: 'acc', output: 'batch', wires: [['magic']] },
        // BMW sends the battery's capacity now and then; the model name (from basicData) gives it before that.
        {
          id: 'magic',
          type: 'cardata-magic-soc',
          model: String(sim.fleet.basicData(vin).modelName),
          wires: [['out', 'speed']],
        },
        { id: 'srv', type: 'cardata-traccar', url: sim.traccar.url },
        {
          id: 'speed',
          type: 'cardata-traccar-speed',
          traccar: 'srv',
          vinMap: `${vin}:${device.name}`,
          wires: [['magic', 'speeds']],
        },
        { id: 'out', type: 'helper' },
        { id: 'speeds', type: 'helper' },
      ] as never,
      { srv: { token: sim.traccar.token } },
    );
    const magic: any[] = [];
    const speeds: any[] = [];
    const errors: number[] = [];
    helper.getNode('out').on('input', (msg: any) => {
      if (msg.metric !== 'magic_soc') return magic.push(msg);
      const truth = sim.fleet.trueState(vin).soc;
      if (msg.attributes.prediction_mode === 'driving') errors.push(Math.abs(msg.attributes.raw - truth));
      magic.push(msg);
    });
    helper.getNode('speeds').on('input', (msg: any) => speeds.push(msg));

    await waitFor(
      () => (magic.some((m) => m.metric === 'event' && m.payload === 'learning_updated') ? true : undefined),
      100_000,
    ).catch((err: Error) => {
      const seen = magic.map(
        (m) => `${m.metric === 'event' ? m.payload : `${m.payload}/${m.attributes.prediction_mode}`}`,
      );
      throw new Error(
        `${err.message}; magic SOC sent: ${seen.join(', ')}; speeds: ${speeds.map((m) => m.payload).join(', ')}`,
      );
    });
    const driving = magic.filter((m) => m.metric === 'magic_soc' && m.attributes.prediction_mode === 'driving');
    assert.ok(driving.length >= 3, `driving predictions: ${driving.length}`);
    assert.ok(
      driving.some((m) => m.attributes.speed_bracket === 'highway' || m.attributes.speed_bracket === 'fast_highway'),
      JSON.stringify(driving.map((m) => m.attributes.speed_bracket)),
    );
    const moving = speeds.filter((m) => typeof m.payload === 'number' && m.payload > 60);
    assert.ok(moving.length > 0, 'Traccar reported motorway speeds');
    // BMW reports whole percents: the prediction stays within a point and a half of the truth on the way.
    assert.ok(Math.max(...errors) < 1.5, `errors ${errors.map((e) => e.toFixed(2)).join(' ')}`);
    const learned = magic.filter((m) => m.metric === 'event' && m.payload === 'learning_updated');
    const brackets = learned.map((m) => m.attributes.bracket);
    assert.ok(brackets.includes(null), 'the single rate learned');
    assert.ok(
      brackets.some((b) => b === 'highway' || b === 'fast_highway' || b === 'suburban'),
      JSON.stringify(brackets),
    );
  });
});
