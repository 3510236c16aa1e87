import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loginDemoAccount } from '../../src/cli/demo-login';
import { CarDataSimulator } from '../../src/sim/simulator';
import { accountConfig } from '../helpers/flows';
import { freshUserDir, helper, nodeModule } from '../helpers/node-red';
import { waitFor } from '../helpers/processes';

const accountNode = nodeModule('cardata-account');
const apiNode = nodeModule('cardata-api-call');

describe('cardata-api-call node', function () {
  this.timeout(30_000);
  let sim: CarDataSimulator;
  let userDir: string;
  const vin = () => sim.ready.vins[0];

  before(async () => {
    sim = await CarDataSimulator.start({ vehicles: 1, speed: 600, http: { pollIntervalSec: 1 }, autoApprove: 0 });
    // Let the simulated car live a little, so BMW's backend has values to answer with.
    await new Promise((r) => setTimeout(r, 1500));
  });
  after(() => sim.stop());
  beforeEach(async () => {
    userDir = freshUserDir();
    helper.settings({ userDir });
    await new Promise<void>((done) => helper.startServer(done));
    await loginDemoAccount(sim.ready, userDir, 'acc');
    sim.http.quota.reset(sim.ready.gcid);
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((done) => helper.stopServer(done));
    rmSync(userDir, { recursive: true, force: true });
  });

  async function load(api: Record<string, unknown>) {
    await helper.load(
      [accountNode, apiNode] as never,
      [
        accountConfig(sim.ready, 'acc'),
        { id: 'api', type: 'cardata-api-call', account: 'acc', wires: [['answer'], ['values']], ...api },
        { id: 'answer', type: 'helper' },
        { id: 'values', type: 'helper' },
      ] as never,
    );
    const answers: any[] = [];
    const values: any[] = [];
    helper.getNode('answer').on('input', (m: unknown) => answers.push(m));
    helper.getNode('values').on('input', (m: unknown) => values.push(m));
    return { answers, values, api: helper.getNode('api') };
  }

  const errors = () =>
    helper
      .log()
      .args.map((a: any[]) => a[0])
      .filter((e: any) => e.level === 20 && e.id === 'api')
      .map((e: any) => String(e.msg));

  it('answers an operation chosen in the dialog with the parsed answer and the quota', async () => {
    const { answers, api } = await load({ operation: 'getMappings' });
    api.receive({ payload: 'go' });
    const answer = await waitFor(() => answers[0]);
    assert.deepEqual(
      answer.payload.map((m: { vin: string }) => m.vin),
      sim.ready.vins,
    );
    assert.equal(answer.operation, 'getMappings');
    assert.equal(answer.quota.used, 1);
    assert.equal(answer.quota.limit, 50);
  });

  it('reads telematic data through the account container and also sends it per descriptor', async () => {
    const { answers, values, api } = await load({ operation: 'getTelematicData', vin: vin() });
    api.receive({});
    const answer = await waitFor(() => answers[0]);
    assert.ok(answer.payload.telematicData['vehicle.drivetrain.batteryManagement.header']);
    await waitFor(() => (values.length > 0 ? true : undefined));
    const soc = values.find((m) => m.metric === 'vehicle.drivetrain.batteryManagement.header');
    assert.equal(typeof soc.payload, 'number', 'REST strings become numbers, as on the stream');
    assert.equal(soc.topic, `${vin()}/vehicle.drivetrain.batteryManagement.header`);
    assert.equal(soc.attributes.source, 'api');
    assert.equal(answer.quota.used, 3, 'list + create container + telematicData');
    api.receive({});
    await waitFor(() => answers[1]);
    assert.equal(answers[1].quota.used, 4, 'the container is reused');
  });

  it('takes the operation and VIN from the message, and gives images as a Buffer', async () => {
    const { answers, api } = await load({ operation: '' });
    api.receive({ operation: 'getImage', vin: vin() });
    const answer = await waitFor(() => answers[0]);
    assert.ok(Buffer.isBuffer(answer.payload));
    assert.match(answer.contentType, /image\/png/);
    assert.equal(answer.payload.subarray(1, 4).toString(), 'PNG');
  });

  it('refuses unknown operations and bad VINs with clear errors, without spending quota', async () => {
    const { api } = await load({ operation: '' });
    api.receive({ operation: 'getEverything' });
    api.receive({ operation: 'getBasicData', vin: 'WBA123' });
    await waitFor(() => (errors().length >= 2 ? true : undefined));
    // The test helper's RED._ returns the i18n key itself; the text is in locales/en-US/cardata-api-call.json.
    assert.match(errors()[0], /cardata-api-call\.errors\.operation/);
    assert.match(errors()[1], /"WBA123" is not a VIN/);
    assert.equal(sim.http.quota.status(sim.ready.gcid).used, 0);
  });

  it('once BMW says the quota is spent, refuses further calls itself instead of calling', async () => {
    const { api } = await load({ operation: 'getMappings' });
    for (let i = 0; i < 50; i++) sim.http.quota.consume(sim.ready.gcid); // another app spent today's calls
    api.receive({});
    await waitFor(() => (errors().length >= 1 ? true : undefined));
    assert.match(errors()[0], /quota is spent/);
    const atBmw = sim.http.quota.status(sim.ready.gcid).used;
    api.receive({});
    await waitFor(() => (errors().length >= 2 ? true : undefined));
    assert.match(errors()[1], /No API calls left/);
    assert.equal(sim.http.quota.status(sim.ready.gcid).used, atBmw, 'the refusal never reached BMW');
  });

  it('polls by itself after a trip ends, once, and says why', async () => {
    const { answers, values } = await load({ operation: 'getMappings', vin: vin(), poll: true, pollBudget: 5 });
    const account = (helper.getNode('acc') as any).account;
    await waitFor(() => (account.stream.health === 'connected' ? true : undefined));
    const move = (value: boolean) =>
      sim.broker.publishRaw(sim.ready.gcid, vin(), {
        vin: vin(),
        timestamp: new Date().toISOString(),
        data: { 'vehicle.isMoving': { value: value ? 'ASN_isTrue' : 'ASN_isFalse' } },
      });
    await move(true);
    await move(false);
    const poll = await waitFor(() => answers.find((m) => m.pollReason === 'trip_end'), 10_000);
    assert.equal(poll.operation, 'getTelematicData');
    assert.equal(poll.vin, vin());
    assert.ok(poll.payload.telematicData);
    await waitFor(() => (values.some((m) => m.attributes.source === 'api') ? true : undefined));
    await move(true);
    await move(false);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(answers.filter((m) => m.pollReason).length, 1, 'the second trip end is inside the 10 min cooldown');
  });

  it('keeps its polling state when disabled and deletes it when the node is deleted', async () => {
    await load({ operation: 'getMappings', vin: vin(), poll: true, pollBudget: 5 });
    const file = join(userDir, 'cardata', 'api.polling.json');
    const rest = [accountConfig(sim.ready, 'acc'), { id: 'answer', type: 'helper' }, { id: 'values', type: 'helper' }];
    const api = { id: 'api', type: 'cardata-api-call', account: 'acc', poll: true, wires: [['answer'], ['values']] };
    await helper.setFlows([...rest, { ...api, d: true }] as never, 'full');
    assert.ok(existsSync(file), 'disabling keeps what was spent today');
    // Switched on again without polling, then deleted: still nothing left behind.
    await helper.setFlows([...rest, { ...api, poll: false }] as never, 'full');
    await helper.setFlows(rest, 'full');
    assert.ok(!existsSync(file), 'deleting the node deletes its file');
  });
});
