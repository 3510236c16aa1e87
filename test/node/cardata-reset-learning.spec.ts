import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock } from '../../src/cardata/clock';
import { PLUGGED, START, batch, settle } from '../helpers/charging-messages';
import { assertContractMessage } from '../helpers/message-contract';
import { freshUserDir, helper, nodeModule } from '../helpers/node-red';
import { VIN, at } from '../unit/helpers/charging-script';

const predictedSoc = nodeModule('cardata-predicted-soc');
const resetLearning = nodeModule('cardata-reset-learning');
const OTHER = 'WBA00000000000002';

describe('cardata-reset-learning node', function () {
  let userDir: string;
  let clock: ManualClock;
  let answers: any[];
  let caught: any[];
  let predictions: any[];

  const file = (id: string) => join(userDir, 'cardata', `${id}.predicted-soc.json`);
  /** The efficiency-matrix keys a node's state file holds for a VIN. */
  const learnedIn = (id: string, vin: string): string[] => {
    const state = JSON.parse(readFileSync(file(id), 'utf8'));
    return Object.keys(state.vehicles[vin]?.engines.charging.learned?.efficiency_matrix ?? {});
  };
  const advanceTo = async (t: number) => {
    clock.advance(at(t) - clock.now());
    await settle();
  };
  const send = async (id: string, msgs: any[]) => {
    for (const msg of msgs) helper.getNode(id).receive(msg);
    await settle();
  };

  async function load(predictors: string[], reset: Record<string, unknown> | null = { id: 'r' }) {
    const flow: Record<string, unknown>[] = predictors.map((id) => ({
      id,
      type: 'cardata-predicted-soc',
      wires: [['predictions']],
    }));
    flow.push({ id: 'predictions', type: 'helper' });
    if (reset) {
      flow.push(
        { type: 'cardata-reset-learning', wires: [['answers']], ...reset },
        { id: 'answers', type: 'helper' },
        { id: 'c1', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      );
    }
    await helper.load([predictedSoc, resetLearning] as never, flow as never);
    helper.getNode('predictions').on('input', (msg: any) => msg.metric === 'predicted_soc' && predictions.push(msg));
    if (!reset) return;
    helper.getNode('answers').on('input', (msg: unknown) => answers.push(msg));
    helper.getNode('caught').on('input', (msg: unknown) => caught.push(msg));
  }

  /** PS-21 for both cars in every node given: a 30-minute AC charge, a pause, BMW's next SOC → 3_250_16 learned. */
  async function learnAc(ids: string[]) {
    const all = (t: number, body: string) =>
      Promise.all(ids.map((id) => send(id, [batch(t, body, VIN), batch(t, body, OTHER)])));
    await all(-600, PLUGGED);
    await advanceTo(0);
    await all(0, START);
    await advanceTo(1800);
    await all(1800, 'STAT=CHARGINGPAUSED');
    await advanceTo(1860);
    await all(1860, 'HDR=56 %');
  }

  beforeEach((done) => {
    userDir = freshUserDir();
    clock = new ManualClock(at(-600));
    answers = [];
    caught = [];
    predictions = [];
    // The node's clock (an undocumented setting): heartbeats and time run virtually.
    helper.settings({ userDir, cardataClock: clock } as never);
    helper.startServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((done) => helper.stopServer(done));
    rmSync(userDir, { recursive: true, force: true });
  });

  it('resets a VIN’s AC learning in running nodes and in the saved state of nodes that are not running', async () => {
    await load(['running', 'stopped'], null);
    await learnAc(['running', 'stopped']);
    await helper.unload();
    for (const id of ['running', 'stopped']) {
      assert.deepEqual(learnedIn(id, VIN), ['3_250_16']);
      assert.deepEqual(learnedIn(id, OTHER), ['3_250_16']);
    }

    await load(['running']); // "stopped" is no longer deployed: only its file is left
    await send('r', [{ payload: 'ac', vin: VIN }]);
    assert.equal(caught.length, 0, caught.map((m) => m.error.message).join());
    assert.equal(answers.length, 1);
    const answer = answers[0];
    assert.deepEqual(answer.payload, { vin: VIN, what: 'ac', reset: true, nodes: 2 });
    assertContractMessage(answer, { metric: 'reset_learning', vin: VIN, unit: null });
    assert.deepEqual(answer.attributes, { running_nodes: 1, stored_nodes: 1 });
    for (const id of ['running', 'stopped']) {
      assert.deepEqual(learnedIn(id, VIN), [], `${id}: the VIN’s AC learning is gone from the file`);
      assert.deepEqual(learnedIn(id, OTHER), ['3_250_16'], `${id}: the other car keeps its learning`);
    }

    // The running node uses the default efficiency for its next charge.
    await advanceTo(20000);
    await send('running', [batch(20000, 'HDR=40 %')]);
    await advanceTo(20001);
    await send('running', [batch(20001, START)]);
    const last = predictions.filter((m) => m.vin === VIN).at(-1);
    assert.equal(last.attributes.charging, true);
    assert.equal(last.attributes.efficiency, 0.9);
    assert.equal(last.attributes.samples, 0);
  });

  it('takes what to reset from msg.payload, the VIN from msg.vin when none is configured', async () => {
    await load(['p'], { id: 'r', what: 'dc' });
    await learnAc(['p']);
    await send('r', [{ payload: 1735689600000, vin: VIN }]); // an inject's timestamp: the configured choice
    assert.deepEqual(learnedIn('p', VIN), ['3_250_16'], 'a DC reset leaves AC learning');
    await send('r', [{ payload: 'BOTH', vin: VIN.toLowerCase() }]);
    assert.deepEqual(
      answers.map((a) => [a.payload.what, a.payload.vin]),
      [
        ['dc', VIN],
        ['both', VIN],
      ],
    );
    assert.equal(learnedIn('p', VIN).length, 0);
  });

  it('uses the configured VIN over msg.vin', async () => {
    await load(['p'], { id: 'r', vin: OTHER });
    await learnAc(['p']);
    await send('r', [{ payload: 'ac', vin: VIN }]);
    assert.equal(answers[0].payload.vin, OTHER);
    assert.deepEqual(learnedIn('p', VIN), ['3_250_16']);
    assert.deepEqual(learnedIn('p', OTHER), []);
  });

  it('answers reset false with a reason when nothing was learned, of either kind', async () => {
    await load(['p']);
    await send('r', [
      { payload: 'ac', vin: VIN },
      { payload: 'consumption', vin: VIN },
    ]);
    assert.deepEqual(
      answers.map((a) => a.payload),
      [
        { vin: VIN, what: 'ac', reset: false, nodes: 0, reason: 'nothing_learned' },
        { vin: VIN, what: 'consumption', reset: false, nodes: 0, reason: 'nothing_learned' },
      ],
    );
    for (const a of answers) assertContractMessage(a, { metric: 'reset_learning' });
  });

  it('reports a missing or bad VIN and an unknown payload to catch nodes', async () => {
    await load([]);
    await send('r', [{ payload: 'ac' }, { payload: 'ac', vin: 'WBA1' }, { payload: 'everything', vin: VIN }]);
    assert.equal(answers.length, 0);
    assert.equal(caught.length, 3);
    const texts = caught.map((m) => String(m.error.message));
    assert.match(texts[0], /noVin|No VIN/);
    assert.match(texts[1], /badVin|not a VIN/);
    assert.match(texts[2], /errors\.what|not ac, dc/);
  });
});
