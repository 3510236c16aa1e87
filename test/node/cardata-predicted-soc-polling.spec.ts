import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock } from '../../src/cardata/clock';
import { loginDemoAccount } from '../../src/cli/demo-login';
import { CarDataSimulator } from '../../src/sim/simulator';
import { batch, settle } from '../helpers/charging-messages';
import { accountConfig } from '../helpers/flows';
import { freshUserDir, helper, nodeModule } from '../helpers/node-red';
import { waitFor } from '../helpers/processes';
import { at } from '../unit/helpers/charging-script';

const accountNode = nodeModule('cardata-account');
const predictedSoc = nodeModule('cardata-predicted-soc');

const PLUGGED = 'HDR=50 %, MAXE=80 kWh, TGT=80 %';
const START = 'STAT=CHARGINGACTIVE, VOLT=230 V, AMP=16 A, PH="3-PHASES"';
const HDR = 'vehicle.drivetrain.batteryManagement.header';

describe('cardata-predicted-soc node: charge-end poll through the account', function () {
  this.timeout(30_000);
  let sim: CarDataSimulator;
  let userDir: string;
  let clock: ManualClock;
  /** The test's T0: the simulator's present, so BMW's answers and the fed messages share one time line. */
  let base: number;
  let out: any[];
  const vin = () => sim.ready.vins[0];
  const simCalls = () => sim.http.quota.status(sim.ready.gcid).used;
  const polls = () => out.filter((m) => m.metric === 'event' && m.payload === 'api_poll');

  before(async () => {
    sim = await CarDataSimulator.start({ vehicles: 1, speed: 600, http: { pollIntervalSec: 1 }, autoApprove: 0 });
    // Let the simulated car live a little, so BMW's backend has values to answer with.
    await new Promise((r) => setTimeout(r, 1500));
  });
  after(() => sim.stop());
  beforeEach(async () => {
    userDir = freshUserDir();
    // The prediction runs in virtual time (heartbeats, cooldowns, the planner's day); the account on the wall clock.
    base = sim.clock.now();
    clock = new ManualClock(base);
    helper.settings({ userDir, cardataClock: clock } as never);
    await new Promise<void>((done) => helper.startServer(done));
    await loginDemoAccount(sim.ready, userDir, 'acc');
    sim.http.quota.reset(sim.ready.gcid);
    out = [];
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((done) => helper.stopServer(done));
    rmSync(userDir, { recursive: true, force: true });
  });

  async function load(options: Record<string, unknown>) {
    await helper.load(
      [accountNode, predictedSoc] as never,
      [
        accountConfig(sim.ready, 'acc'),
        { id: 'src', type: 'helper', wires: [['p']] },
        { id: 'p', type: 'cardata-predicted-soc', vin: vin(), wires: [['out']], ...options },
        { id: 'out', type: 'helper' },
      ] as never,
    );
    helper.getNode('out').on('input', (msg: unknown) => out.push(msg));
  }
  /** vehicle-stream's batch of the vectors' notation, stamped `t` seconds after the test's T0, at that instant. */
  const feed = async (t: number, body: string) => {
    clock.advance(base + t * 1000 - clock.now());
    const msg = batch(t, body, vin());
    for (const entry of Object.values<{ timestamp: string }>(msg.payload)) {
      entry.timestamp = new Date(Date.parse(entry.timestamp) - at(0) + base).toISOString();
    }
    helper.getNode('src').send(msg);
    await settle();
  };
  /** A 3-phase charge from 50 % that BMW reports ended at `end` (seconds after T0). */
  const charge = async (start: number, end: number) => {
    await feed(start - 60, PLUGGED);
    await feed(start, START);
    await feed(end, 'STAT=NOCHARGING');
  };

  it('polls once when BMW reports the end of a charge, says why, and feeds the answer to the prediction', async () => {
    await load({ account: 'acc', pollAtChargeEnd: true });
    // The simulated car lives on at 600× while the poll is under way, so BMW's header may change between its answer
    // and the assertion: every value BMW's backend held meanwhile is noted.
    const header = () => Number(sim.fleet.vehicle(vin()).reporter.reported.get(HDR)?.value);
    const held = new Set([header()]);
    const noting = setInterval(() => held.add(header()), 1);
    await charge(0, 1800);
    const poll = await waitFor(() => polls()[0], 10_000).finally(() => clearInterval(noting));
    assert.equal(poll.vin, vin());
    assert.equal(poll.attributes.reason, 'charge_ended');
    assert.equal(poll.attributes.result, 'answered');
    assert.ok(poll.attributes.quota_used >= 1, 'counted by the account’s quota ledger');
    // The container is created once, then one telematicData call: what the simulated BMW counted.
    const calls = simCalls();
    assert.ok(calls >= 1 && calls <= 3, String(calls));
    // BMW's header from the answer (not the 50 % fed in) is what the prediction now rests on.
    const after = out.filter((m) => m.metric === 'predicted_soc').at(-1);
    assert.ok(held.has(after.attributes.bmw_soc), `${after.attributes.bmw_soc}, BMW held ${[...held].join(', ')}`);
    assert.equal(polls().length, 1);

    // The planner's state (today's spending) goes with the node when it is deleted from the flows.
    const file = join(userDir, 'cardata', 'p.polling.json');
    await helper.setFlows(
      [accountConfig(sim.ready, 'acc'), { id: 'p', type: 'cardata-predicted-soc', d: true }],
      'full',
    );
    assert.ok(existsSync(file), 'disabling keeps it');
    // Switched on again without polling, then deleted: still nothing left behind.
    await helper.setFlows([accountConfig(sim.ready, 'acc'), { id: 'p', type: 'cardata-predicted-soc' }], 'full');
    await helper.setFlows([accountConfig(sim.ready, 'acc')], 'full');
    assert.ok(!existsSync(file), 'deleting the node deletes it');
  });

  it('asks for nothing when the option is off, even with an account selected', async () => {
    await load({ account: 'acc' });
    await charge(0, 1800);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(polls().length, 0);
    assert.equal(simCalls(), 0);
  });

  it('keeps to its daily budget and the 10-minute cooldown, and says so instead of calling', async () => {
    await load({ account: 'acc', pollAtChargeEnd: true, pollBudget: 1 });
    await charge(0, 1800);
    await waitFor(() => polls()[0], 10_000);
    const spent = simCalls();
    // A second charge ends 5 min later: inside the cooldown.
    await charge(1900, 2100);
    await waitFor(() => polls()[1], 10_000);
    assert.equal(polls()[1].attributes.result, 'cooldown');
    // A third ends an hour later: outside the cooldown, but the day's budget of 1 is spent.
    await charge(6000, 7800);
    await waitFor(() => polls()[2], 10_000);
    assert.equal(polls()[2].attributes.result, 'budget_spent');
    assert.equal(simCalls(), spent, 'no call after the first');
  });

  it('warns and predicts without polling when no account is selected', async () => {
    await load({ pollAtChargeEnd: true });
    const warnings = helper
      .log()
      .args.map((a: any[]) => a[0])
      .filter((e: any) => e.level === 30 && e.id === 'p');
    assert.equal(warnings.length, 1);
    await charge(0, 1800);
    assert.ok(out.some((m) => m.metric === 'predicted_soc'));
    assert.equal(polls().length, 0);
  });
});
