/** `--state-dir`: learning and open sessions survive between runs with the same dir; a file we cannot read stops us. */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Replay, ReplayStateError, STATE_FILE, type ReplayOutputLine } from '../../src/cli/replay';
import { P50, ReplayRun, near, tempDir, trace } from './helpers/trace';

const learns = `${P50}; MSG 3600 {STAT=NOCHARGING, HDR=62 %}`;
const nextCharge =
  'MSG 20000 {HDR=40 %, MAXE=80 kWh}; MSG 20001 {STAT=CHARGINGACTIVE, VOLT=230 V, AMP=16 A, PH="3-PHASES"}; EVAL 21801';

describe('replay — state dir', () => {
  let stateDir: string;
  beforeEach(() => (stateDir = tempDir()));
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  it('learning from one run is used by the next run with the same dir', () => {
    const first = new ReplayRun(learns, { stateDir });
    const learned = first.ofEvent('learning_updated')[0]?.attributes.value;
    near(learned, 9.6 / 10.74);
    const second = new ReplayRun(nextCharge, { stateDir });
    const p = second.predictionAt(21801);
    assert.equal(p.attributes.efficiency, learned);
    assert.equal(p.attributes.samples, 1);
    near(p.attributes.raw, 40 + 5.37 * (learned as number) * 1.25);
    const fresh = new ReplayRun(nextCharge);
    assert.equal(fresh.predictionAt(21801).attributes.efficiency, 0.9, 'a fresh dir starts from the default');
  });

  it('an open session at the end of a run continues in the next run', () => {
    new ReplayRun(`${P50}; EVAL 1800`, { stateDir });
    const second = new ReplayRun('EVAL 2000', { stateDir });
    // Restored: the 200 s since the last run are credited at the last power.
    near(second.predictionAt(2000).attributes.raw, 50 + ((10.74 * 2000) / 3600) * 1.125);
    assert.equal(second.predictionAt(2000).attributes.charging, true);
  });

  it('a state file that is not ours is neither used nor overwritten', () => {
    const path = join(stateDir, STATE_FILE);
    for (const content of ['{"broken', '{"version": 99, "vehicles": {}}', '[1, 2]']) {
      writeFileSync(path, content);
      assert.throws(
        () => new Replay({ stateDir }, { output: () => undefined, error: () => undefined }),
        (err: unknown) => err instanceof ReplayStateError && err.message.includes(path),
      );
      assert.equal(readFileSync(path, 'utf8'), content);
    }
  });

  it('a state dir that cannot be written is reported; a restart in the run still carries the state over', () => {
    const errors: string[] = [];
    const outputs: ReplayOutputLine[] = [];
    const replay = new Replay({ stateDir }, { output: (o) => outputs.push(o), error: (e) => errors.push(e) });
    for (const line of trace(P50)) replay.input(line);
    // The dir disappears under the running replay and a file takes its place.
    rmSync(stateDir, { recursive: true, force: true });
    writeFileSync(stateDir, 'x');
    for (const line of trace('RESTART 600; EVAL 900')) replay.input(line);
    assert.equal(replay.end(), false);
    assert.equal(errors.length, 2, 'the restart and the end of the run');
    assert.match(errors[0] ?? '', /^cannot write the state to /);
    const last = outputs[outputs.length - 1];
    near(last?.attributes.raw, 50 + ((10.74 * 900) / 3600) * 1.125);
    rmSync(stateDir, { force: true });
  });
});
